import { useEffect, useState } from 'react';
import { networkConnections, type ConnectionsAnswer } from '../api/network.ts';
import { errorText } from '../domain/error-text.ts';
import { useApp, useDictionary, useServices } from './context.ts';
import { formatValue } from './i18n.ts';
import { goToAsset } from './go-to-asset.ts';

type Loaded = { state: 'loading' } | { state: 'ready'; answer: ConnectionsAnswer } | { state: 'error'; message: string };

/** For a picked pipe or asset: what it connects to, the buildings it serves, and its analyses (asked of the server). */
export function PipeConnections({ id }: { id: string }) {
  const t = useDictionary();
  const services = useServices();
  const { store } = services;
  const api = useApp((s) => s.assetsApiUrl);
  const [loaded, setLoaded] = useState<Loaded & { id: string }>();
  useEffect(() => {
    if (!api) return;
    const controller = new AbortController();
    networkConnections(api, id, { signal: controller.signal }).then(
      (answer) => setLoaded({ id, state: 'ready', answer }),
      (error: unknown) => !controller.signal.aborted && setLoaded({ id, state: 'error', message: errorText(error) }),
    );
    return () => controller.abort();
  }, [api, id]);
  if (!api) return <p className="muted small" data-testid="pipe-network-status" data-state="no-api">{t.analysisNoApi}</p>;
  if (!loaded || loaded.id !== id || loaded.state === 'loading') return <p className="muted small" data-testid="pipe-network-status" data-state="loading">{t.connectionsLoading}</p>;
  if (loaded.state === 'error') return <p className="error small" data-testid="pipe-network-status" data-state="error">{`${t.analysisFailed}: ${loaded.message}`}</p>;
  const connections = loaded.answer;
  const isSegment = connections.feature === 'segment';
  const select = (target: string) => store.getState().select({ id: target });
  const goToBuilding = (buildingId: string) => goToAsset(services, buildingId);
  const actions = store.getState();
  return (
    <div className="pipe-connections" data-testid="pipe-connections">
      {isSegment && (
        <button type="button" className="action" data-testid="profile-button" onClick={() => void actions.runProfile(id)}>
          {t.profileFrom}
        </button>
      )}
      {connections.isolatable && (
        <button type="button" className="action" data-testid="isolation-button" onClick={() => void actions.runIsolation(id)}>
          {t.isolationFrom}
        </button>
      )}
      {isSegment && (
        <div className="trace-buttons">
          {(['upstream', 'downstream', 'connected'] as const).map((direction) => (
            <button key={direction} type="button" className="action" data-testid={`trace-${direction}`} onClick={() => void actions.runTrace(id, direction)}>
              {t.trace[direction]}
            </button>
          ))}
        </div>
      )}
      <h3>{t.connections}</h3>
      <ul data-testid="connected-assets">
        {connections.assets.map((a) => (
          <li key={a.id}>
            <button type="button" className="link" onClick={() => select(a.id)}>{a.id}</button> <span className="muted">{formatValue(a.kind, t)}</span>
          </li>
        ))}
      </ul>
      <h3>{t.connectedSegments}</h3>
      <ul data-testid="connected-segments" data-count={connections.segmentCount}>
        {connections.segments.map((s) => (
          <li key={s.id}>
            <button type="button" className="link" onClick={() => select(s.id)}>{s.id}</button> <span className="muted">{formatValue(s.type, t)}</span>
          </li>
        ))}
      </ul>
      <h3>{t.buildingsServed}</h3>
      {connections.buildingCount === 0 ? (
        <p className="muted small">{t.noneServed}</p>
      ) : (
        <ul data-testid="buildings-served" data-count={connections.buildingCount}>
          {connections.buildings.map((b) => (
            <li key={b}>
              <button type="button" className="link" onClick={() => void goToBuilding(b)}>{b}</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
