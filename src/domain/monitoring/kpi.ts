/**
 * The command centre's key figures (指挥大屏 KPI): sensors online, active alarms by level,
 * incidents raised today, mean time to acknowledge, and the order of the incident tour. Pure:
 * the caller passes the time ("now") and the records.
 */
import type { IncidentDocument } from './api.ts';
import { compareIncidents, isOpenStatus } from './incidents.ts';
import type { SensorState, WarningLevel } from './warning.ts';

/** China Standard Time (UTC+8, no daylight saving): "today" is a day in Beijing time. */
const CST_OFFSET_MS = 8 * 3600_000;

export interface SensorReading {
  state: SensorState;
  /** ISO 8601 of the latest reading, if any. */
  time?: string;
}

export interface Kpis {
  sensors: number;
  /** Sensors with a reading within the staleness window. */
  sensorsOnline: number;
  /** Sensors whose latest reading is at a warning level, by level. */
  alarmsByLevel: Record<WarningLevel, number>;
  /** Incidents raised since midnight, China Standard Time. */
  incidentsToday: number;
  /** Open incidents (raised, acknowledged, dispatched). */
  openIncidents: number;
  /** Mean minutes from raised to acknowledged, over incidents acknowledged today; undefined if none. */
  meanMinutesToAcknowledge?: number;
}

/** Epoch ms of the last midnight in China Standard Time before `nowMs`. */
export function startOfDayInChina(nowMs: number): number {
  return Math.floor((nowMs + CST_OFFSET_MS) / 86_400_000) * 86_400_000 - CST_OFFSET_MS;
}

export function computeKpis(sensors: Iterable<SensorReading>, incidents: readonly IncidentDocument[], nowMs: number, staleAfterMs = 15 * 60_000): Kpis {
  let count = 0;
  let online = 0;
  const alarmsByLevel: Record<WarningLevel, number> = { 1: 0, 2: 0, 3: 0, 4: 0 };
  for (const sensor of sensors) {
    count++;
    if (sensor.time !== undefined && nowMs - Date.parse(sensor.time) <= staleAfterMs) online++;
    if (sensor.state !== 'normal') alarmsByLevel[sensor.state]++;
  }
  const midnight = startOfDayInChina(nowMs);
  let today = 0;
  let open = 0;
  let acknowledged = 0;
  let minutes = 0;
  for (const incident of incidents) {
    if (Date.parse(incident.raisedAt) >= midnight) today++;
    if (isOpenStatus(incident.status)) open++;
    const acknowledge = incident.transitions?.find((t) => t.kind === 'acknowledge');
    if (acknowledge && Date.parse(acknowledge.at) >= midnight) {
      acknowledged++;
      minutes += (Date.parse(acknowledge.at) - Date.parse(incident.raisedAt)) / 60_000;
    }
  }
  const kpis: Kpis = { sensors: count, sensorsOnline: online, alarmsByLevel, incidentsToday: today, openIncidents: open };
  if (acknowledged > 0) kpis.meanMinutesToAcknowledge = minutes / acknowledged;
  return kpis;
}

/** The incident tour: open incidents, most serious first, then newest. */
export function tourOrder(incidents: readonly IncidentDocument[]): IncidentDocument[] {
  return incidents.filter((i) => isOpenStatus(i.status)).sort((a, b) => compareIncidents(a, b) || b['@iot.id'] - a['@iot.id']);
}

/** The incident after `currentId` in the tour (the first when it is not in the tour); undefined when there is none. */
export function nextInTour(incidents: readonly IncidentDocument[], currentId: number | undefined): IncidentDocument | undefined {
  const tour = tourOrder(incidents);
  if (tour.length === 0) return undefined;
  const index = tour.findIndex((i) => i['@iot.id'] === currentId);
  return tour[(index + 1) % tour.length];
}

/** The grid cases' figures of the day (数字城管 案卷), as the KPI strip and the daily mode show them. */
export interface CaseKpis {
  /** 今日立案 */
  filedToday: number;
  /** 今日结案 */
  closedToday: number;
  /** 结案率, percent; undefined when nothing was filed today. */
  closureRatePercent?: number;
  /** 按期处置率, percent; undefined when nothing was due or handled today. */
  onTimeRatePercent?: number;
  /** 在办: open cases now. */
  open: number;
  /** 超期: open cases overdue now. */
  overdue: number;
}

/** The case statistics of GET /api/cases/statistics (CaseDailyStatistics) as key figures. */
export function caseKpis(statistics: { filed: number; closed: number; closureRate: number | null; onTimeRate: number | null; open: number; openOverdue: number }): CaseKpis {
  const kpis: CaseKpis = { filedToday: statistics.filed, closedToday: statistics.closed, open: statistics.open, overdue: statistics.openOverdue };
  if (statistics.closureRate !== null) kpis.closureRatePercent = 100 * statistics.closureRate;
  if (statistics.onTimeRate !== null) kpis.onTimeRatePercent = 100 * statistics.onTimeRate;
  return kpis;
}

/** A rate in percent as shown (one decimal), or a dash when there is none. */
export function percentText(percent: number | undefined): string {
  return percent === undefined ? '—' : `${percent.toFixed(1)}%`;
}
