import { useEffect, useState } from 'react';
import { getGrid, gridStats, type GridFeature, type GridStats } from '../../api/grids.ts';
import { errorText } from '../../domain/error-text.ts';
import { useApp, useServices } from '../context.ts';
import { gridDictionaries } from './i18n.ts';
import { checkupDictionaries } from '../checkup/i18n.ts';

/**
 * One grid (网格): its code, name, level and grid workers, and what is in it from /stats: open and
 * overdue cases, buildings and estimated residents, sensors and incidents, inspections due. Read
 * again after every case written in this viewer (the case list's revision) and on demand.
 */
export function GridPanel() {
  const code = useApp((s) => s.selectedGridCode);
  return code ? <GridDetail key={code} code={code} /> : null;
}

function GridDetail({ code }: { code: string }) {
  const language = useApp((s) => s.language);
  const t = gridDictionaries[language];
  const services = useServices();
  const { store } = services;
  const base = services.assetsApiUrl();
  const revision = useApp((s) => s.caseListRevision);
  const [grid, setGrid] = useState<GridFeature>();
  const [stats, setStats] = useState<GridStats>();
  const [error, setError] = useState<string>();
  const [reads, setReads] = useState(0);

  useEffect(() => {
    if (!base) return;
    const controller = new AbortController();
    Promise.all([getGrid(base, code, { signal: controller.signal }), gridStats(base, code, { signal: controller.signal })]).then(
      ([feature, figures]) => {
        setGrid(feature);
        setStats(figures);
        setError(undefined);
      },
      (caught: unknown) => {
        if (!controller.signal.aborted) setError(`${t.failed}: ${errorText(caught)}`);
      },
    );
    return () => controller.abort();
  }, [base, code, revision, reads, t.failed]);

  const number = (n: number) => n.toLocaleString(language === 'zh' ? 'zh-CN' : 'en');
  const figure = (key: string, label: string, value: number | undefined | null, note?: string) => (
    <tr data-figure={key}>
      <th scope="row">{label}</th>
      <td data-testid={`grid-${key}`}>{value === undefined || value === null ? <span className="muted">{stats ? t.unavailable : '…'}</span> : number(value)}{note && <span className="muted small"> · {note}</span>}</td>
    </tr>
  );
  const level = grid?.properties.level ?? stats?.level;
  return (
    <aside className="panel detail-panel grid-panel" data-testid="grid-panel" data-grid-code={code} data-loaded={stats ? 'true' : 'false'} aria-label={`${t.grid} ${code}`}>
      <header>
        <div>
          <h2>{t.grid} <span data-testid="grid-code">{code}</span></h2>
          {grid && <div className="subtitle" data-testid="grid-name">{grid.properties.name}{level && ` · ${t.levels[level]}`}</div>}
        </div>
        <button type="button" className="icon" onClick={() => store.getState().selectGrid(undefined)} aria-label="×">×</button>
      </header>
      {!stats && !error && <p className="muted small">{t.loading}</p>}
      {grid && (
        <table className="properties">
          <tbody>
            {grid.properties.parentCode && <tr><th scope="row">{t.parent}</th><td>{grid.properties.parentCode}</td></tr>}
            <tr>
              <th scope="row">{t.workers}</th>
              <td data-testid="grid-workers">{grid.properties.workers.length ? grid.properties.workers.map((w) => (w.phone ? `${w.name} (${w.phone})` : w.name)).join('、') : <span className="muted">{t.noWorkers}</span>}</td>
            </tr>
          </tbody>
        </table>
      )}
      {stats && (
        <table className="properties grid-stats" data-testid="grid-stats">
          <tbody>
            {figure('open-cases', t.openCases, stats.cases?.open)}
            {figure('overdue-cases', t.overdueCases, stats.cases?.overdue)}
            {figure('buildings', t.buildings, stats.buildings?.count, stats.buildings?.truncated ? t.truncated : undefined)}
            {figure('residents', t.residents, stats.buildings?.residents, t.residentsNote)}
            {figure('sensors', t.sensors, stats.sensors?.count)}
            {figure('sensors-in-alarm', t.sensorsInAlarm, stats.sensors?.inAlarm)}
            {figure('open-incidents', t.openIncidents, stats.sensors?.openIncidents)}
            {figure('inspections-due', t.inspectionsDue, stats.inspections?.overdue, stats.inspections ? t.inspectionsNote(stats.inspections.intervalYears) : undefined)}
          </tbody>
        </table>
      )}
      <div className="actions">
        <button type="button" className="link" data-testid="grid-refresh" onClick={() => setReads((n) => n + 1)}>{t.refresh}</button>
        <button type="button" className="link" data-testid="grid-checkup" onClick={() => store.getState().openCheckup(code)}>{checkupDictionaries[language].open}</button>
      </div>
      {error && <p className="error" role="alert" data-testid="grid-error">{error}</p>}
    </aside>
  );
}
