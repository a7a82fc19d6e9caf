import { caseKpis, percentText } from '../../domain/monitoring/kpi.ts';
import './cases.css';
import { useCaseDictionary, useCaseStatistics } from './case-api.ts';

/**
 * The grid cases of today (GET /api/cases/statistics, a Beijing day): 今日立案, 今日结案, 结案率,
 * 按期处置率, 在办, 超期 — in the daily mode's overview.
 */
export function CaseDayFigures() {
  const t = useCaseDictionary();
  const { statistics, failed, available } = useCaseStatistics();
  if (!available) return null;
  const kpis = statistics ? caseKpis(statistics) : undefined;
  return (
    <details className="daily-section" data-testid="daily-grid-cases" data-day={statistics?.day} open>
      <summary>{t.statistics}</summary>
      {failed && <p className="muted small">{t.statisticsFailed}</p>}
      {kpis && (
        <dl className="figures">
          <div data-figure="filed"><dt>{t.filedToday}</dt><dd>{kpis.filedToday}</dd></div>
          <div data-figure="closed"><dt>{t.closedToday}</dt><dd>{kpis.closedToday}</dd></div>
          <div data-figure="closure-rate"><dt>{t.closureRate}</dt><dd>{percentText(kpis.closureRatePercent)}</dd></div>
          <div data-figure="on-time-rate"><dt>{t.onTimeRate}</dt><dd>{percentText(kpis.onTimeRatePercent)}</dd></div>
          <div data-figure="open"><dt>{t.inProgress}</dt><dd>{kpis.open}</dd></div>
          <div data-figure="overdue"><dt>{t.overdue}</dt><dd className={kpis.overdue > 0 ? 'warn' : undefined}>{kpis.overdue}</dd></div>
        </dl>
      )}
    </details>
  );
}

/** The same figures in the display mode's KPI strip: a compact line of their own under the monitoring figures. */
export function CaseKpiStrip() {
  const t = useCaseDictionary();
  const { statistics, available } = useCaseStatistics();
  if (!available || !statistics) return null;
  const kpis = caseKpis(statistics);
  return (
    <div className="case-kpis" data-testid="case-kpis">
      <div className="kpi" data-kpi="cases-filed-today"><span className="label">{t.filedToday}</span><span className="value">{kpis.filedToday}</span></div>
      <div className="kpi" data-kpi="cases-closed-today"><span className="label">{t.closedToday}</span><span className="value">{kpis.closedToday}</span></div>
      <div className="kpi" data-kpi="cases-closure-rate"><span className="label">{t.closureRate}</span><span className="value">{percentText(kpis.closureRatePercent)}</span></div>
      <div className="kpi" data-kpi="cases-on-time-rate"><span className="label">{t.onTimeRate}</span><span className="value">{percentText(kpis.onTimeRatePercent)}</span></div>
      <div className="kpi" data-kpi="cases-open"><span className="label">{t.cases}{t.inProgress}</span><span className="value">{kpis.open}</span></div>
      <div className="kpi" data-kpi="cases-overdue"><span className="label">{t.cases}{t.overdue}</span><span className="value">{kpis.overdue}</span></div>
    </div>
  );
}
