import { useApp, useDictionary, useServices } from './context.ts';

/** Loading indicator (tiles pending until the view is complete) and dismissible messages. */
export function StatusBar() {
  const pending = useApp((s) => s.pendingTiles);
  const ready = useApp((s) => s.ready);
  const messages = useApp((s) => s.messages);
  const t = useDictionary();
  const { store } = useServices();
  const busy = !ready || pending > 0;
  return (
    <div className="status-bar">
      <div className={`loading ${busy ? 'busy' : 'done'}`} data-testid="loading" data-pending={pending} role="status" aria-live="polite">
        {busy && <span className="spinner" aria-hidden="true" />}
        {!ready && pending === 0 ? t.starting : pending > 0 ? t.loadingTiles(pending) : t.viewComplete}
      </div>
      {messages.map((message, i) => (
        <div key={`${i}-${message}`} className="message error" role="alert">
          {message}
          <button type="button" className="icon" onClick={() => store.getState().dismissMessage(i)} aria-label={t.dismiss}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
