import { useApp, useMonitoringDictionary } from '../context.ts';

/**
 * Asks before the viewer connects to a monitoring server that a link names and the configuration
 * does not. Nothing is requested from that server until the user says so.
 */
export function MonitoringLinkConfirm({ url, onAnswer }: { url: string; onAnswer(connect: boolean): void }) {
  const m = useMonitoringDictionary();
  useApp((s) => s.language);
  return (
    <div className="modal-backdrop">
      <div className="panel modal monitoring-link-confirm" role="alertdialog" aria-modal="true" aria-labelledby="monitoring-link-title" data-testid="monitoring-link-confirm">
        <h2 id="monitoring-link-title">{m.linkTitle}</h2>
        <p>{m.linkBody}</p>
        <p>
          <code data-testid="monitoring-link-url">{url}</code>
        </p>
        <p className="muted small">{m.linkWarning}</p>
        <div className="actions">
          <button type="button" data-testid="monitoring-link-decline" autoFocus onClick={() => onAnswer(false)}>
            {m.linkDecline}
          </button>
          <button type="button" data-testid="monitoring-link-connect" onClick={() => onAnswer(true)}>
            {m.linkConnect}
          </button>
        </div>
      </div>
    </div>
  );
}
