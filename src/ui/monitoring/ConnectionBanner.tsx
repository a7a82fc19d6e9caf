import { useEffect, useState } from 'react';
import { useApp, useMonitoringDictionary, useServices } from '../context.ts';

/**
 * The monitoring connection, always visible: live with the sensor count, or a red "stale" banner
 * with the age of the data, ticking every second, while the client reconnects.
 */
export function ConnectionBanner() {
  const m = useMonitoringDictionary();
  const connection = useApp((s) => s.connection);
  const lastMessageAt = useApp((s) => s.lastMessageAt);
  const error = useApp((s) => s.connectionError);
  // The sensor map is updated in place; its revision says when to read the count again.
  useApp((s) => s.sensorRevision);
  const sensorCount = useServices().store.getState().sensors.size;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (connection !== 'stale') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [connection]);
  if (connection === 'off') return null;
  const ageSeconds = lastMessageAt ? Math.max(0, Math.round((now - lastMessageAt) / 1000)) : undefined;
  return (
    <div className={`connection-banner ${connection}`} data-testid="connection-state" data-state={connection} role="status" aria-live="polite" title={error}>
      <span className="dot" aria-hidden="true" />
      <strong>{m.connection[connection]}</strong>
      {connection === 'live' && <span>{m.sensors(sensorCount)}</span>}
      {connection === 'stale' && <span data-testid="stale-age">{ageSeconds !== undefined ? m.staleFor(m.age(ageSeconds)) : error}</span>}
    </div>
  );
}
