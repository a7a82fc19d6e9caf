import { useEffect, useState, type ReactNode } from 'react';
import { caseStatistics, sensorHealth, type CaseStatistics, type SensorHealth } from '../../domain/monitoring/daily.ts';
import { INCIDENT_STATUS_NAMES, INCIDENT_TYPE_NAMES, INCIDENT_TYPES } from '../../domain/monitoring/incidents.ts';
import { startOfDayInChina } from '../../domain/monitoring/kpi.ts';
import { inspectionPage, inspectionSummary, type InspectionList, type InspectionSummary } from '../../api/lifecycle.ts';
import type { IncidentDocument } from '../../monitoring/types.ts';
import { useApp, useCommandDictionary, useMonitoringDictionary, useServices } from '../context.ts';
import { goToAsset } from '../go-to-asset.ts';
import { CaseDayFigures } from '../cases/CaseDayFigures.tsx';

const DAYS = 7;
/** Statistics and health are recomputed on this period, not on every reading. */
const REFRESH_MS = 5_000;
/** The window's incidents (archived ones too) are re-read from the API on this period. */
const HISTORY_REFRESH_MS = 60_000;
const INSPECTIONS_REFRESH_MS = 10 * 60_000;
const LIST_LIMIT = 5;

/** Today's date in China Standard Time, YYYY-MM-DD. */
function todayInChina(nowMs: number): string {
  return new Date(startOfDayInChina(nowMs) + 8 * 3600_000).toISOString().slice(0, 10);
}

/** The window's incidents as the API had them at the last read (archived ones too). */
function useWindowIncidents(): { history: IncidentDocument[]; failed: boolean } {
  const services = useServices();
  const [history, setHistory] = useState<IncidentDocument[]>([]);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      const client = services.monitoring()?.client;
      if (!client) return;
      try {
        const since = new Date(startOfDayInChina(Date.now()) - (DAYS - 1) * 86_400_000).toISOString();
        const incidents = await client.incidentsSince(since);
        if (!cancelled) {
          setHistory(incidents);
          setFailed(false);
        }
      } catch {
        if (!cancelled) setFailed(true);
      }
    };
    void load();
    const timer = window.setInterval(() => void load(), HISTORY_REFRESH_MS);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
    };
  }, [services]);
  return { history, failed };
}

/** The API's window merged with the live incidents of the store (newer). */
function mergeIncidents(history: readonly IncidentDocument[], live: readonly IncidentDocument[]): IncidentDocument[] {
  const byId = new Map(history.map((i) => [i['@iot.id'], i]));
  for (const incident of live) byId.set(incident['@iot.id'], incident);
  return [...byId.values()];
}

function CaseSection({ statistics, failed }: { statistics: CaseStatistics; failed: boolean }) {
  const c = useCommandDictionary();
  const language = useApp((s) => s.language);
  const peak = Math.max(1, ...statistics.perDay);
  const minutes = (m: number | undefined) => (m === undefined ? c.none : c.minutes(m));
  return (
    <details className="daily-section" data-testid="daily-cases" open>
      <summary>{c.cases}</summary>
      {failed && <p className="muted small">{c.statisticsFailed}</p>}
      <dl className="figures">
        <div data-figure="total"><dt>{c.casesTotal}</dt><dd>{statistics.total}</dd></div>
        <div data-figure="today"><dt>{c.casesToday}</dt><dd>{statistics.today}</dd></div>
        <div data-figure="closed"><dt>{c.casesClosed}</dt><dd>{statistics.closed}</dd></div>
        <div data-figure="ack"><dt>{c.meanAcknowledge}</dt><dd>{minutes(statistics.meanMinutesToAcknowledge)}</dd></div>
        <div data-figure="resolve"><dt>{c.meanResolve}</dt><dd>{minutes(statistics.meanMinutesToResolve)}</dd></div>
      </dl>
      <div className="per-day" role="img" aria-label={`${c.perDay}: ${statistics.perDay.join(', ')}`} data-testid="daily-per-day" data-values={statistics.perDay.join(',')}>
        {statistics.perDay.map((n, i) => (
          <span key={i} className="bar" style={{ height: `${(100 * n) / peak}%` }} title={String(n)} />
        ))}
      </div>
      <table className="compact">
        <caption>{c.byType}</caption>
        <tbody>
          {INCIDENT_TYPES.filter((type) => statistics.byType[type] > 0).map((type) => (
            <tr key={type} data-type={type}>
              <th scope="row">{INCIDENT_TYPE_NAMES[type][language]}</th>
              <td>{statistics.byType[type]}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="small" data-testid="daily-open-by-status">
        {c.openByStatus}:{' '}
        {(['raised', 'acknowledged', 'dispatched'] as const).map((status) => `${INCIDENT_STATUS_NAMES[status][language]} ${statistics.openByStatus[status]}`).join(' · ')}
      </p>
    </details>
  );
}

function HealthSection({ health }: { health: SensorHealth }) {
  const c = useCommandDictionary();
  const m = useMonitoringDictionary();
  const services = useServices();
  const rate = (online: number, total: number) => (total === 0 ? c.none : `${((100 * online) / total).toFixed(1)}%`);
  const goToSensor = (datastreamId: number) => {
    const record = services.store.getState().sensors.get(datastreamId);
    services.store.getState().selectSensor(datastreamId);
    if (record) void services.engine()?.flyToPosition(record.lonDegrees, record.latDegrees, 0);
  };
  return (
    <details className="daily-section" data-testid="daily-health" open>
      <summary>{c.sensorHealth}</summary>
      <table className="compact">
        <thead>
          <tr>
            <th scope="col">{c.property}</th>
            <th scope="col">{c.total}</th>
            <th scope="col">{c.online}</th>
            <th scope="col">{c.offline}</th>
            <th scope="col">{c.alarm}</th>
          </tr>
        </thead>
        <tbody>
          {health.rows.map((row) => (
            <tr key={row.observedProperty} data-property={row.observedProperty}>
              <th scope="row">{m.properties[row.observedProperty] ?? row.observedProperty}</th>
              <td>{row.total}</td>
              <td>{row.online}</td>
              <td className={row.offline > 0 ? 'warn' : undefined}>{row.offline}</td>
              <td className={row.alarm > 0 ? 'warn' : undefined}>{row.alarm}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-property="all">
            <th scope="row">{c.onlineRate} {rate(health.total.online, health.total.total)}</th>
            <td>{health.total.total}</td>
            <td>{health.total.online}</td>
            <td>{health.total.offline}</td>
            <td>{health.total.alarm}</td>
          </tr>
        </tfoot>
      </table>
      {health.offline.length > 0 && (
        <>
          <h4>{c.offlineList}</h4>
          <ul className="compact-list" data-testid="daily-offline">
            {health.offline.slice(0, LIST_LIMIT).map((o) => {
              const record = services.store.getState().sensors.get(o.datastreamId);
              return (
                <li key={o.datastreamId}>
                  <button type="button" className="link" onClick={() => goToSensor(o.datastreamId)}>
                    {record?.name ?? `#${o.datastreamId}`}
                  </button>{' '}
                  <span className="muted">{o.silentMinutes === undefined ? c.neverReported : c.silentFor(o.silentMinutes)}</span>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </details>
  );
}

type InspectionState = { status: 'loading' } | { status: 'failed' } | { status: 'ready'; overview: InspectionSummary };

/** Rows added by each "more" of a list. */
const MORE_ROWS = 20;

const MORE_TEXT = {
  zh: { more: (shown: number, count: number) => `更多（已显示 ${shown} / ${count}）`, moreFailed: '读取失败，请重试' },
  en: { more: (shown: number, count: number) => `More (${shown} of ${count} shown)`, moreFailed: 'Could not read more; try again' },
};

/**
 * One list of the overview: its first rows come with the overview; "more" pages through the rest
 * (GET /lifecycle/inspections/{list}), a page at a time, never the whole list at once.
 */
function InspectionListView<L extends 'overdue' | 'rectification'>({ list, overview, apiUrl, render }: { list: L; overview: InspectionSummary; apiUrl: string; render: (row: InspectionSummary[L]['first'][number]) => ReactNode }) {
  const language = useApp((s) => s.language);
  const text = MORE_TEXT[language];
  const [extra, setExtra] = useState<{ today: string; rows: InspectionSummary[L]['first'] }>();
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState(false);
  const counted = overview[list];
  // Rows read for another day (the overview was read again) are dropped.
  const rows = [...counted.first, ...(extra?.today === overview.today ? extra.rows : [])] as InspectionSummary[L]['first'];
  if (rows.length === 0) return null;
  const more = async () => {
    setBusy(true);
    try {
      const page = await inspectionPage(apiUrl, list as InspectionList, overview.today, rows.length, MORE_ROWS);
      setExtra((previous) => ({ today: overview.today, rows: [...(previous?.today === overview.today ? previous.rows : []), ...page.rows] as InspectionSummary[L]['first'] }));
      setFailed(false);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <ul className="compact-list" data-testid={`daily-${list}`}>
        {rows.map((row) => (
          <li key={row.buildingId}>{render(row)}</li>
        ))}
      </ul>
      {rows.length < counted.count && (
        <button type="button" className="link small" data-testid={`daily-${list}-more`} disabled={busy} onClick={() => void more()}>
          {text.more(rows.length, counted.count)}
        </button>
      )}
      {failed && <p className="muted small">{text.moreFailed}</p>}
    </>
  );
}

function InspectionSection() {
  const c = useCommandDictionary();
  const services = useServices();
  const apiUrl = services.lifecycleApiUrl();
  const [state, setState] = useState<InspectionState>({ status: 'loading' });
  useEffect(() => {
    if (!apiUrl) return;
    let cancelled = false;
    const load = async () => {
      try {
        // The server computes the figures; only the first rows of each list come over the wire.
        const overview = await inspectionSummary(apiUrl, todayInChina(Date.now()), LIST_LIMIT);
        if (!cancelled) setState({ status: 'ready', overview });
      } catch {
        if (!cancelled) setState((previous) => (previous.status === 'ready' ? previous : { status: 'failed' }));
      }
    };
    void load();
    const timer = window.setInterval(() => void load(), INSPECTIONS_REFRESH_MS);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
    };
  }, [apiUrl]);
  const goTo = (id: string) => void goToAsset(services, id);
  return (
    <details className="daily-section" data-testid="daily-inspections" open>
      <summary>{c.inspections}</summary>
      {!apiUrl && <p className="muted small">{c.inspectionsUnavailable}</p>}
      {apiUrl && state.status === 'loading' && <p className="muted small">{c.inspectionsLoading}</p>}
      {apiUrl && state.status === 'failed' && <p className="muted small">{c.inspectionsFailed}</p>}
      {apiUrl && state.status === 'ready' && (
        <>
          <dl className="figures">
            <div data-figure="in-use"><dt>{c.inUse}</dt><dd>{state.overview.inUse}</dd></div>
            <div data-figure="overdue"><dt>{c.overdue(state.overview.intervalYears)}</dt><dd>{state.overview.overdue.count}</dd></div>
            <div data-figure="rectification"><dt>{c.rectification}</dt><dd>{state.overview.rectification.count}</dd></div>
            <div data-figure="recent"><dt>{c.recent}</dt><dd>{state.overview.recent.count}</dd></div>
          </dl>
          {state.overview.rectification.first.length > 0 && (
            <>
              <h4>{c.rectification}</h4>
              <InspectionListView
                list="rectification"
                overview={state.overview}
                apiUrl={apiUrl}
                render={(r) => (
                  <>
                    <button type="button" className="link" onClick={() => goTo(r.buildingId)}>{r.buildingId}</button> <span className="muted">{r.date} · {c.result[r.result]}</span>
                  </>
                )}
              />
            </>
          )}
          {state.overview.overdue.first.length > 0 && (
            <>
              <h4>{c.overdue(state.overview.intervalYears)}</h4>
              <InspectionListView
                list="overdue"
                overview={state.overview}
                apiUrl={apiUrl}
                render={(o) => (
                  <>
                    <button type="button" className="link" onClick={() => goTo(o.buildingId)}>{o.buildingId}</button> <span className="muted">{c.since(o.since)}</span>
                  </>
                )}
              />
            </>
          )}
        </>
      )}
    </details>
  );
}

/**
 * The daily mode of the dual command (日常指挥): case statistics of the last 7 days (archived
 * incidents too), the health of the sensor network, and the building safety inspections that
 * are overdue or awaiting rectification. Figures refresh every few seconds, not per reading.
 */
export function DailyOverview() {
  const c = useCommandDictionary();
  const { store } = useServices();
  const available = useApp((s) => s.incidentsAvailable);
  const { history, failed } = useWindowIncidents();
  const [figures, setFigures] = useState<{ statistics: CaseStatistics; health: SensorHealth }>();
  useEffect(() => {
    const compute = () => {
      const now = Date.now();
      const state = store.getState();
      setFigures({ statistics: caseStatistics(mergeIncidents(history, state.incidents), now, DAYS), health: sensorHealth(state.sensors.values(), now) });
    };
    compute();
    const timer = window.setInterval(compute, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [store, history]);
  if (!available || !figures) return null;
  return (
    <section className="panel daily-overview" aria-label={c.daily} data-testid="daily-overview">
      <h2>{c.daily}</h2>
      <CaseSection statistics={figures.statistics} failed={failed} />
      <CaseDayFigures />
      <HealthSection health={figures.health} />
      <InspectionSection />
    </section>
  );
}
