import { useApp, useDictionary, useServices } from './context.ts';
import { effectiveQuality, isRenderQuality } from '../engine/render-quality.ts';

/**
 * The render quality: auto (smooth on a software renderer, high with a GPU), high or smooth.
 * Says so when auto has fallen back to smooth, so a slow desk knows why the image is softer.
 */
function QualitySwitch() {
  const t = useDictionary();
  const { store } = useServices();
  const quality = useApp((s) => s.renderQuality);
  const software = useApp((s) => s.softwareRenderer);
  const drawn = effectiveQuality(quality, software ?? false);
  return (
    <div className="quality-switch" data-testid="render-quality" data-effective={drawn}>
      <label>
        <span>{t.renderQuality}</span>
        <select
          value={quality}
          data-testid="render-quality-select"
          onChange={(event) => {
            if (isRenderQuality(event.target.value)) store.getState().setRenderQuality(event.target.value);
          }}
        >
          <option value="auto">{`${t.qualityAuto}（${drawn === 'smooth' ? t.qualitySmooth : t.qualityHigh}）`}</option>
          <option value="high">{t.qualityHigh}</option>
          <option value="smooth">{t.qualitySmooth}</option>
        </select>
      </label>
      {quality === 'auto' && software && (
        // Short, so the status bar stays clear of the 4D slider beside it; the whole note on hover.
        <span className="muted" data-testid="software-renderer-note" title={t.qualitySoftwareNote}>
          {t.qualitySoftwareTag}
        </span>
      )}
    </div>
  );
}

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
      <QualitySwitch />
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
