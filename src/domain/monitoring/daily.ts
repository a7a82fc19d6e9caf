/**
 * The daily mode of the dual command (双指挥, 日常): case statistics over the last days, and the
 * health of the sensor network. Pure: the caller passes the time ("now") and the records. Days
 * are calendar days in China Standard Time, like the KPIs (kpi.ts).
 */
import type { IncidentDocument } from './api.ts';
import { INCIDENT_STATUSES, INCIDENT_TYPES, isOpenStatus, type IncidentStatus, type IncidentType } from './incidents.ts';
import { startOfDayInChina } from './kpi.ts';
import type { SensorState, WarningLevel } from './warning.ts';

export interface CaseStatistics {
  /** Calendar days counted, oldest first; the last is today. */
  days: number;
  /** Incidents raised on each day, oldest first. */
  perDay: number[];
  /** Over the whole window: raised, by type and by level. */
  total: number;
  byType: Record<IncidentType, number>;
  byLevel: Record<WarningLevel, number>;
  /** Incidents raised today. */
  today: number;
  /** Of those raised in the window, how many are resolved or archived. */
  closed: number;
  /** Open incidents (whenever raised), by status. */
  openByStatus: Record<IncidentStatus, number>;
  /** Mean minutes from raised to acknowledged, and from raised to resolved, over the window's incidents that got there. */
  meanMinutesToAcknowledge?: number;
  meanMinutesToResolve?: number;
}

/** Case statistics (案件统计) over the last `days` calendar days, today included. */
export function caseStatistics(incidents: readonly IncidentDocument[], nowMs: number, days = 7): CaseStatistics {
  const today = startOfDayInChina(nowMs);
  const from = today - (days - 1) * 86_400_000;
  const perDay = new Array<number>(days).fill(0);
  const byType = Object.fromEntries(INCIDENT_TYPES.map((t) => [t, 0])) as Record<IncidentType, number>;
  const byLevel: Record<WarningLevel, number> = { 1: 0, 2: 0, 3: 0, 4: 0 };
  const openByStatus = Object.fromEntries(INCIDENT_STATUSES.map((s) => [s, 0])) as Record<IncidentStatus, number>;
  let total = 0;
  let closed = 0;
  const toAcknowledge: number[] = [];
  const toResolve: number[] = [];
  for (const incident of incidents) {
    if (isOpenStatus(incident.status)) openByStatus[incident.status]++;
    const raised = Date.parse(incident.raisedAt);
    if (!(raised >= from && raised <= nowMs)) continue;
    total++;
    perDay[Math.floor((raised - from) / 86_400_000)]!++;
    byType[incident.type]++;
    // The level an incident reached at its worst: a level I that de-escalated still counts as I.
    const worst = Math.min(incident.level, ...(incident.transitions ?? []).map((t) => t.level)) as WarningLevel;
    byLevel[worst]++;
    if (!isOpenStatus(incident.status)) closed++;
    const at = (kind: string) => incident.transitions?.find((t) => t.kind === kind)?.at;
    const acknowledged = at('acknowledge');
    const resolved = at('resolve');
    if (acknowledged) toAcknowledge.push((Date.parse(acknowledged) - raised) / 60_000);
    if (resolved) toResolve.push((Date.parse(resolved) - raised) / 60_000);
  }
  const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined);
  const statistics: CaseStatistics = { days, perDay, total, byType, byLevel, today: perDay[days - 1]!, closed, openByStatus };
  const acknowledge = mean(toAcknowledge);
  const resolve = mean(toResolve);
  if (acknowledge !== undefined) statistics.meanMinutesToAcknowledge = acknowledge;
  if (resolve !== undefined) statistics.meanMinutesToResolve = resolve;
  return statistics;
}

export interface SensorHealthReading {
  datastreamId: number;
  observedProperty: string;
  state: SensorState;
  /** ISO 8601 of the latest reading, if any. */
  time?: string;
}

export interface SensorHealthRow {
  observedProperty: string;
  total: number;
  /** A reading within the staleness window. */
  online: number;
  /** Silent for longer than the window, or never reported. */
  offline: number;
  /** Latest reading at a warning level. */
  alarm: number;
}

export interface SensorHealth {
  rows: SensorHealthRow[];
  total: SensorHealthRow;
  /** Offline sensors, longest silent first (never reported first of all), at most `listLimit`. */
  offline: { datastreamId: number; observedProperty: string; silentMinutes?: number }[];
}

/** Sensor health (设备健康) by observed property, and the sensors to send someone to. */
export function sensorHealth(readings: Iterable<SensorHealthReading>, nowMs: number, staleAfterMs = 15 * 60_000, listLimit = 20): SensorHealth {
  const rows = new Map<string, SensorHealthRow>();
  const total: SensorHealthRow = { observedProperty: 'all', total: 0, online: 0, offline: 0, alarm: 0 };
  const offline: SensorHealth['offline'] = [];
  for (const reading of readings) {
    let row = rows.get(reading.observedProperty);
    if (!row) rows.set(reading.observedProperty, (row = { observedProperty: reading.observedProperty, total: 0, online: 0, offline: 0, alarm: 0 }));
    const silentMs = reading.time === undefined ? undefined : nowMs - Date.parse(reading.time);
    const isOnline = silentMs !== undefined && silentMs <= staleAfterMs;
    for (const r of [row, total]) {
      r.total++;
      if (isOnline) r.online++;
      else r.offline++;
      if (reading.state !== 'normal') r.alarm++;
    }
    if (!isOnline) offline.push({ datastreamId: reading.datastreamId, observedProperty: reading.observedProperty, ...(silentMs === undefined ? {} : { silentMinutes: silentMs / 60_000 }) });
  }
  offline.sort((a, b) => (b.silentMinutes ?? Infinity) - (a.silentMinutes ?? Infinity) || a.datastreamId - b.datastreamId);
  return { rows: [...rows.values()].sort((a, b) => a.observedProperty.localeCompare(b.observedProperty)), total, offline: offline.slice(0, listLimit) };
}
