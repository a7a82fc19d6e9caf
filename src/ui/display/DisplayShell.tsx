import { useEffect, useState } from 'react';
import { computeKpis, nextInTour, tourOrder } from '../../domain/monitoring/kpi.ts';
import { INCIDENT_TYPE_NAMES } from '../../domain/monitoring/incidents.ts';
import { SENSOR_STATE_COLOURS, WARNING_LEVEL_NAMES, WARNING_LEVELS } from '../../domain/monitoring/warning.ts';
import { useApp, useServices } from '../context.ts';
import { ConnectionBanner } from '../monitoring/ConnectionBanner.tsx';
import { IncidentPanel } from '../monitoring/IncidentPanel.tsx';
import { LevelBadge } from '../monitoring/labels.tsx';
import { PanelBoundary } from '../PanelBoundary.tsx';
import { CaseKpiStrip } from '../cases/CaseDayFigures.tsx';

const TEXT = {
  zh: {
    title: '城市生命线安全运行监测 · 指挥大屏',
    sensorsOnline: '在线监测点',
    alarms: '当前报警',
    incidentsToday: '今日事件',
    openIncidents: '未办结事件',
    meanAck: '平均确认用时',
    minutes: (m: number) => `${m.toFixed(1)} 分钟`,
    none: '—',
    tour: (i: number, n: number) => `轮巡 ${i} / ${n}`,
    noIncidents: '当前无未办结事件',
  },
  en: {
    title: 'City lifeline monitoring · command display',
    sensorsOnline: 'Sensors online',
    alarms: 'Active alarms',
    incidentsToday: 'Incidents today',
    openIncidents: 'Open incidents',
    meanAck: 'Mean time to acknowledge',
    minutes: (m: number) => `${m.toFixed(1)} min`,
    none: '—',
    tour: (i: number, n: number) => `Tour ${i} / ${n}`,
    noIncidents: 'No open incidents',
  },
};

/** A clock ticking every second, in China Standard Time. */
function Clock() {
  const language = useApp((s) => s.language);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const text = new Date(now).toLocaleString(language === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  return (
    <time className="display-clock" data-testid="display-clock" dateTime={new Date(now).toISOString()}>
      {text}
    </time>
  );
}

/** The KPI strip, recomputed every few seconds (not on every reading: a wall display need not flicker). */
function KpiStrip() {
  const { store } = useServices();
  const language = useApp((s) => s.language);
  const t = TEXT[language];
  const [kpis, setKpis] = useState(() => computeKpis(store.getState().sensors.values(), store.getState().incidents, Date.now()));
  useEffect(() => {
    const timer = window.setInterval(() => setKpis(computeKpis(store.getState().sensors.values(), store.getState().incidents, Date.now())), 2000);
    return () => window.clearInterval(timer);
  }, [store]);
  return (
    <div className="kpi-strip" data-testid="kpi-strip">
      <div className="kpi" data-kpi="sensors-online">
        <span className="label">{t.sensorsOnline}</span>
        <span className="value">
          {kpis.sensorsOnline.toLocaleString()}
          <small> / {kpis.sensors.toLocaleString()}</small>
        </span>
      </div>
      <div className="kpi" data-kpi="alarms">
        <span className="label">{t.alarms}</span>
        <span className="value levels">
          {WARNING_LEVELS.map((level) => (
            <span key={level} className="level-count" style={{ color: SENSOR_STATE_COLOURS[level] }} title={WARNING_LEVEL_NAMES[level][language]} data-level={level}>
              {WARNING_LEVEL_NAMES[level].roman} {kpis.alarmsByLevel[level]}
            </span>
          ))}
        </span>
      </div>
      <div className="kpi" data-kpi="incidents-today">
        <span className="label">{t.incidentsToday}</span>
        <span className="value">{kpis.incidentsToday}</span>
      </div>
      <div className="kpi" data-kpi="open-incidents">
        <span className="label">{t.openIncidents}</span>
        <span className="value">{kpis.openIncidents}</span>
      </div>
      <div className="kpi" data-kpi="mean-ack">
        <span className="label">{t.meanAck}</span>
        <span className="value">{kpis.meanMinutesToAcknowledge === undefined ? t.none : t.minutes(kpis.meanMinutesToAcknowledge)}</span>
      </div>
      <CaseKpiStrip />
    </div>
  );
}

/** The automatic tour: every `seconds`, the next open incident (most serious first) is selected and flown to. */
function useIncidentTour(seconds: number): void {
  const { store } = useServices();
  useEffect(() => {
    const advance = () => {
      const state = store.getState();
      if (!state.ready) return;
      const next = nextInTour(state.incidents, state.selectedIncidentId);
      if (next && next['@iot.id'] !== state.selectedIncidentId) state.selectIncident(next['@iot.id']);
    };
    const timer = window.setInterval(advance, seconds * 1000);
    // Start at once when the scene is ready, not a whole interval later.
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.ready && !previous.ready) advance();
    });
    advance();
    return () => {
      window.clearInterval(timer);
      unsubscribe();
    };
  }, [seconds, store]);
}

function TourStatus() {
  const language = useApp((s) => s.language);
  const t = TEXT[language];
  const incidents = useApp((s) => s.incidents);
  const selected = useApp((s) => s.selectedIncidentId);
  const tour = tourOrder(incidents);
  const index = tour.findIndex((i) => i['@iot.id'] === selected);
  const current = index >= 0 ? tour[index] : undefined;
  return (
    <div className="tour-status" data-testid="tour-status" data-incident-id={current?.['@iot.id']} data-tour-length={tour.length}>
      {current ? (
        <>
          <LevelBadge level={current.level} /> {INCIDENT_TYPE_NAMES[current.type][language]} · {t.tour(index + 1, tour.length)}
        </>
      ) : (
        t.noIncidents
      )}
    </div>
  );
}

/**
 * The command-centre display (`?mode=display`): dark, large type, no editing panels; a KPI strip,
 * a clock and the data freshness at the top, the incident in focus at the side, and a tour
 * through the open incidents.
 */
export function DisplayShell({ tourSeconds }: { tourSeconds: number }) {
  const language = useApp((s) => s.language);
  useIncidentTour(tourSeconds);
  useEffect(() => {
    document.body.classList.add('display-mode');
    return () => document.body.classList.remove('display-mode');
  }, []);
  return (
    <div className="shell display-shell">
      <header className="display-bar">
        <h1>{TEXT[language].title}</h1>
        <PanelBoundary name="KpiStrip">
          <KpiStrip />
        </PanelBoundary>
        <PanelBoundary name="ConnectionBanner">
          <ConnectionBanner />
        </PanelBoundary>
        <PanelBoundary name="Clock">
          <Clock />
        </PanelBoundary>
      </header>
      <div className="right-column">
        <PanelBoundary name="IncidentPanel">
          <IncidentPanel />
        </PanelBoundary>
      </div>
      <PanelBoundary name="TourStatus">
        <TourStatus />
      </PanelBoundary>
    </div>
  );
}
