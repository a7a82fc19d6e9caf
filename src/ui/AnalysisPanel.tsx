import { bboxAround } from '../api/network.ts';
import { PIPELINE_TYPE_NAMES, type PipelineType } from '../domain/pipelines.ts';
import { useApp, useDictionary, useServices } from './context.ts';
import { IsolationPanel } from './IsolationPanel.tsx';

const LIST_LIMIT = 60;

/**
 * Pipeline analyses (管线分析) in the underground view: section, clearance and cover checks, run
 * by the server; clearance and cover over the 4 × 4 km around the centre of the view.
 */
export function AnalysisPanel() {
  const t = useDictionary();
  const { store, engine } = useServices();
  const language = useApp((s) => s.language);
  const underground = useApp((s) => s.underground);
  const api = useApp((s) => s.assetsApiUrl);
  const status = useApp((s) => s.analysisStatus);
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
  const ready = api !== undefined;
  const typeName = (type: PipelineType | undefined) => (type ? PIPELINE_TYPE_NAMES[type][language] : '?');
  const metres = (n: number) => n.toFixed(2);

  const pairs = new Map<string, number>();
  for (const v of clearance?.violations ?? []) {
    const key = [typeName(v.typeA), typeName(v.typeB)].sort().join('–') + ` · ${v.kind === 'horizontal' ? t.horizontal : t.vertical}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
  }
  const isFocused = (ids: string[]) => focus !== undefined && focus.segmentIds.join() === ids.join();
  // The square around the centre of the view that the clearance and cover checks cover.
  const area = () => {
    const centre = engine()?.viewCentre();
    return centre ? bboxAround(centre[0], centre[1]) : undefined;
  };
  const run = (check: 'runClearance' | 'runCover') => {
    const bbox = area();
    if (bbox) void actions[check](bbox);
  };

  return (
    <section className="panel analysis-panel" aria-label={t.analysis} data-testid="analysis-panel">
      <h3>{t.analysis}</h3>
      {!ready && <p className="muted small" data-testid="analysis-no-api">{t.analysisNoApi}</p>}
      {status.state === 'running' && <p className="muted small" data-testid="analysis-running">{t.analysisRunning}</p>}
      {status.state === 'error' && <p className="error" data-testid="analysis-error">{`${t.analysisFailed}: ${status.message}`}</p>}
      <div className="tools">
        <button type="button" data-testid="tool-section" aria-pressed={tool === 'section'} disabled={!ready} onClick={() => actions.openTool(tool === 'section' ? undefined : 'section')}>
          {t.sectionTool}
        </button>
        <button type="button" data-testid="tool-clearance" aria-pressed={tool === 'clearance'} disabled={!ready} onClick={() => run('runClearance')}>
          {t.clearanceTool}
        </button>
        <button type="button" data-testid="tool-cover" aria-pressed={tool === 'cover'} disabled={!ready} onClick={() => run('runCover')}>
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
          <p data-testid="clearance-count" data-count={clearance.total} data-bbox={clearance.bbox.join(',')}>
            <strong>{t.clearanceFound(clearance.total)}</strong> <span className="muted">{milliseconds !== undefined && t.took(milliseconds)}</span>
          </p>
          <p className="muted small">{t.clearanceArea}</p>
          <ul className="pairs">
            {[...pairs].sort((a, b) => b[1] - a[1]).map(([pair, count]) => (
              <li key={pair}>
                <span>{pair}</span>
                <span>{count}</span>
              </li>
            ))}
          </ul>
          <ol className="finding-list">
            {clearance.violations.slice(0, LIST_LIMIT).map((v) => {
              const ids = [v.segmentA, v.segmentB];
              return (
                <li key={`${v.segmentA}|${v.segmentB}|${v.kind}`} className={isFocused(ids) ? 'focused' : undefined}>
                  <button type="button" className="link" data-testid="clearance-finding" onClick={() => actions.focusFinding({ segmentIds: ids, point: v.position })}>
                    {`${typeName(v.typeA)}–${typeName(v.typeB)} ${v.kind === 'horizontal' ? t.horizontal : t.vertical} ${metres(v.clearanceMetres)} < ${metres(v.requiredMetres)} m`}
                  </button>
                  <code>{`${v.segmentA} / ${v.segmentB}`}</code>
                </li>
              );
            })}
          </ol>
          {clearance.total > LIST_LIMIT && <p className="muted">{t.showingFirst(LIST_LIMIT, clearance.total)}</p>}
          <p className="muted small">{t.assumedRules}</p>
        </div>
      )}
      {tool === 'isolation' && <IsolationPanel />}
      {tool === 'trace' && trace && (
        <div className="findings">
          <p data-testid="trace-count" data-count={trace.segmentCount} data-direction={trace.direction}>
            <strong>{`${t.trace[trace.direction]} · ${t.traceFound(trace.segmentCount, trace.buildingCount)}`}</strong> <span className="muted">{milliseconds !== undefined && t.took(milliseconds)}</span>
          </p>
        </div>
      )}
      {tool === 'cover' && cover && (
        <div className="findings">
          <p data-testid="cover-count" data-count={cover.total} data-bbox={cover.bbox.join(',')}>
            <strong>{t.coverFound(cover.total)}</strong> <span className="muted">{milliseconds !== undefined && t.took(milliseconds)}</span>
          </p>
          <p className="muted small">{t.clearanceArea}</p>
          <ol className="finding-list">
            {cover.findings.slice(0, LIST_LIMIT).map((f) => (
              <li key={f.segmentId} className={isFocused([f.segmentId]) ? 'focused' : undefined}>
                <button type="button" className="link" data-testid="cover-finding" onClick={() => actions.focusFinding({ segmentIds: [f.segmentId] })}>
                  {`${typeName(f.type)} ${t.cover} ${metres(f.coverMetres)} < ${metres(f.requiredMetres)}`}
                </button>
                <code>{f.segmentId}</code>
              </li>
            ))}
          </ol>
          {cover.total > LIST_LIMIT && <p className="muted">{t.showingFirst(LIST_LIMIT, cover.total)}</p>}
          <p className="muted small">{t.assumedRules}</p>
        </div>
      )}
    </section>
  );
}

