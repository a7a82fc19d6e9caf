import { PIPELINE_TYPE_NAMES, type PipelineType } from '../domain/pipelines.ts';
import type { AppState } from '../store/index.ts';
import { useApp, useDictionary, useServices } from './context.ts';
import { IsolationPanel } from './IsolationPanel.tsx';

const LIST_LIMIT = 60;

/** Pipeline analyses (管线分析) in the underground view: section, clearance and cover checks. */
export function AnalysisPanel() {
  const t = useDictionary();
  const { store } = useServices();
  const language = useApp((s) => s.language);
  const underground = useApp((s) => s.underground);
  const network = useApp((s) => s.network);
  const tool = useApp((s) => s.tool);
  const sectionPoints = useApp((s) => s.sectionPoints);
  const section = useApp((s) => s.section);
  const clearance = useApp((s) => s.clearance);
  const cover = useApp((s) => s.cover);
  const trace = useApp((s) => s.trace);
  const milliseconds = useApp((s) => s.analysisMilliseconds);
  const focus = useApp((s) => s.highlight?.focus);
  if (!underground) return null;
  const actions = store.getState();
  const ready = network.status === 'ready';
  const typeOf = (segmentId: string): PipelineType | undefined => (network.status === 'ready' ? network.network.index.segmentsById.get(segmentId)?.type : undefined);
  const typeName = (type: PipelineType | undefined) => (type ? PIPELINE_TYPE_NAMES[type][language] : '?');
  const metres = (n: number) => n.toFixed(2);

  const pairs = new Map<string, number>();
  for (const v of clearance ?? []) {
    const key = [typeName(typeOf(v.segmentA)), typeName(typeOf(v.segmentB))].sort().join('–') + ` · ${v.kind === 'horizontal' ? t.horizontal : t.vertical}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
  }
  const isFocused = (ids: string[]) => focus !== undefined && focus.segmentIds.join() === ids.join();

  return (
    <section className="panel analysis-panel" aria-label={t.analysis} data-testid="analysis-panel">
      <h3>{t.analysis}</h3>
      {network.status === 'loading' && <p className="muted">{t.networkLoading}</p>}
      {network.status === 'error' && <p className="error" data-testid="network-error">{`${t.networkFailed}: ${network.error}`}</p>}
      <div className="tools">
        <button type="button" data-testid="tool-section" aria-pressed={tool === 'section'} disabled={!ready} onClick={() => actions.openTool(tool === 'section' ? undefined : 'section')}>
          {t.sectionTool}
        </button>
        <button type="button" data-testid="tool-clearance" aria-pressed={tool === 'clearance'} disabled={!ready} onClick={() => actions.runClearance()}>
          {t.clearanceTool}
        </button>
        <button type="button" data-testid="tool-cover" aria-pressed={tool === 'cover'} disabled={!ready} onClick={() => actions.runCover()}>
          {t.coverTool}
        </button>
      </div>
      {tool === 'section' && (
        <p className="hint" data-testid="section-hint">
          {t.sectionHint(sectionPoints.length)}
          {section && <span data-testid="section-count" data-count={section.crossings.length}>{` · ${t.pipesCrossed(section.crossings.length)}`}</span>}
        </p>
      )}
      {tool === 'clearance' && clearance && (
        <div className="findings">
          <p data-testid="clearance-count" data-count={clearance.length}>
            <strong>{t.clearanceFound(clearance.length)}</strong> <span className="muted">{milliseconds !== undefined && t.took(milliseconds)}</span>
          </p>
          <ul className="pairs">
            {[...pairs].sort((a, b) => b[1] - a[1]).map(([pair, count]) => (
              <li key={pair}>
                <span>{pair}</span>
                <span>{count}</span>
              </li>
            ))}
          </ul>
          <ol className="finding-list">
            {clearance.slice(0, LIST_LIMIT).map((v) => {
              const ids = [v.segmentA, v.segmentB];
              return (
                <li key={`${v.segmentA}|${v.segmentB}|${v.kind}`} className={isFocused(ids) ? 'focused' : undefined}>
                  <button type="button" className="link" data-testid="clearance-finding" onClick={() => actions.focusFinding({ segmentIds: ids, point: findingPoint(store.getState(), v.segmentA, v.at) })}>
                    {`${typeName(typeOf(v.segmentA))}–${typeName(typeOf(v.segmentB))} ${v.kind === 'horizontal' ? t.horizontal : t.vertical} ${metres(v.clearanceMetres)} < ${metres(v.requiredMetres)} m`}
                  </button>
                  <code>{`${v.segmentA} / ${v.segmentB}`}</code>
                </li>
              );
            })}
          </ol>
          {clearance.length > LIST_LIMIT && <p className="muted">{t.showingFirst(LIST_LIMIT, clearance.length)}</p>}
          <p className="muted small">{t.assumedRules}</p>
        </div>
      )}
      {tool === 'isolation' && <IsolationPanel />}
      {tool === 'trace' && trace && (
        <div className="findings">
          <p data-testid="trace-count" data-count={trace.segments.length} data-direction={trace.direction}>
            <strong>{`${t.trace[trace.direction]} · ${t.traceFound(trace.segments.length, trace.buildings.length)}`}</strong> <span className="muted">{milliseconds !== undefined && t.took(milliseconds)}</span>
          </p>
        </div>
      )}
      {tool === 'cover' && cover && (
        <div className="findings">
          <p data-testid="cover-count" data-count={cover.length}>
            <strong>{t.coverFound(cover.length)}</strong> <span className="muted">{milliseconds !== undefined && t.took(milliseconds)}</span>
          </p>
          <ol className="finding-list">
            {cover.slice(0, LIST_LIMIT).map((f) => (
              <li key={f.segmentId} className={isFocused([f.segmentId]) ? 'focused' : undefined}>
                <button type="button" className="link" data-testid="cover-finding" onClick={() => actions.focusFinding({ segmentIds: [f.segmentId] })}>
                  {`${typeName(f.type)} ${t.cover} ${metres(f.coverMetres)} < ${metres(f.requiredMetres)}`}
                </button>
                <code>{f.segmentId}</code>
              </li>
            ))}
          </ol>
          {cover.length > LIST_LIMIT && <p className="muted">{t.showingFirst(LIST_LIMIT, cover.length)}</p>}
          <p className="muted small">{t.assumedRules}</p>
        </div>
      )}
    </section>
  );
}

/** A clearance finding's position as lon/lat/elevation, from its local metres. */
function findingPoint(state: AppState, _segmentId: string, at: [number, number, number]): [number, number, number] | undefined {
  if (state.network.status !== 'ready') return undefined;
  const [lon, lat] = state.network.network.toLonLat(at[0], at[1]);
  return [lon, lat, at[2]];
}
