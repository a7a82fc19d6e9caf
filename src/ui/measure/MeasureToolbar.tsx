import { useEffect } from 'react';
import { formatArea, formatLength, MEASURE_KINDS, surfaceDiffers } from '../../domain/measure.ts';
import type { Measurement, SwipeMode } from '../../store/measure.ts';
import { useApp, useServices } from '../context.ts';
import { measureDictionaries } from './i18n.ts';

/**
 * The map toolbar: measuring (量测: 水平距离 / 空间距离 / 高差 / 面积 / 清除) with its results, and
 * the swipe compare (卷帘) with what it compares. Esc drops the measurement being drawn, then
 * closes the tool.
 */
export function MeasureToolbar() {
  const { store, engine } = useServices();
  const language = useApp((s) => s.language);
  const t = measureDictionaries[language];
  const tool = useApp((s) => s.measureTool);
  const draft = useApp((s) => s.measureDraft);
  const measurements = useApp((s) => s.measurements);
  const swipeMode = useApp((s) => s.swipeMode);
  const swipeDate = useApp((s) => s.swipeDate);
  const swipeStatus = useApp((s) => s.swipeStatus);
  const actions = store.getState();

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      const state = store.getState();
      if (state.measureDraft) state.setMeasureDraft(undefined);
      else if (state.measureTool) state.setMeasureTool(undefined);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  const value = (m: Measurement) =>
    m.area ? (
      <>
        {`${t.horizontalArea} ${formatArea(m.area.horizontal)}`}
        {surfaceDiffers(m.area) && <span className="muted" title={t.surfaceNote}>{` · ${t.surfaceArea} ${formatArea(m.area.surface)}`}</span>}
      </>
    ) : (
      formatLength(m.metres ?? 0)
    );

  return (
    <div className="measure-toolbar" data-testid="measure-toolbar">
      <section className="panel toolbar-group" aria-label={t.measure}>
        <strong>{t.measure}</strong>
        {MEASURE_KINDS.map((kind) => (
          <button key={kind} type="button" data-testid={`measure-${kind}`} aria-pressed={tool === kind} onClick={() => actions.setMeasureTool(tool === kind ? undefined : kind)}>
            {t.tools[kind]}
          </button>
        ))}
        <button type="button" data-testid="measure-clear" disabled={measurements.length === 0 && !draft} onClick={() => actions.clearMeasurements()}>
          {t.clear}
        </button>
      </section>
      <section className="panel toolbar-group" aria-label={t.swipe}>
        <label>
          <strong>{t.swipe}</strong>{' '}
          <select data-testid="swipe-mode" value={swipeMode ?? ''} onChange={(e) => actions.setSwipeMode((e.target.value || undefined) as SwipeMode | undefined)}>
            <option value="">{t.swipeOff}</option>
            <option value="dates">{t.swipeModes.dates}</option>
            <option value="layers">{t.swipeModes.layers}</option>
          </select>
        </label>
        {swipeMode === 'dates' && (
          <input type="date" data-testid="swipe-date" aria-label={t.swipeDate} title={t.swipeDate} value={swipeDate} min="1960-01-01" max="2030-12-31" onChange={(e) => e.target.value && actions.setSwipeDate(e.target.value)} />
        )}
        {swipeStatus === 'loading' && <span className="muted small">{t.swipeLoading}</span>}
        {swipeStatus === 'error' && <span className="error small">{t.swipeFailed}</span>}
      </section>
      {(tool !== undefined || measurements.length > 0) && (
        <section className="panel measure-results" aria-label={t.results} data-testid="measure-results">
          {tool !== undefined && (
            <p className="hint" data-testid="measure-hint">
              {t.hint[tool]}
              {draft && ` · ${t.pointsSoFar(draft.snaps.length)}`} · {t.escToCancel}
              {tool === 'area' && (
                <button type="button" className="link small" data-testid="measure-finish" disabled={!draft || draft.snaps.length < 3} onClick={() => engine()?.measure.finish()}>
                  {t.finish}
                </button>
              )}
            </p>
          )}
          <ol>
            {measurements.map((m) => (
              <li key={m.id} data-testid="measurement" data-kind={m.kind} data-metres={m.metres} data-area={m.area?.horizontal} data-snaps={m.snaps.join(',')}>
                <span className="muted">{t.tools[m.kind]}</span> <strong>{value(m)}</strong>
                <span className="muted small">{` (${m.snaps.map((s) => t.snaps[s]).join(' → ')})`}</span>
              </li>
            ))}
          </ol>
        </section>
      )}
    </div>
  );
}
