/**
 * City check-up indicators (城市体检): their definitions (indicators.json) and formulas. Pure.
 *
 * The server keeps, per month and per grid, additive facts (counts and lengths: CheckupFacts);
 * a district, street or community sums its grids' facts in SQL, and the indicators are computed
 * from the sums here, so a ratio is never averaged over grids.
 */
import definitions from './indicators.json';
import type { BuildingLifecycle } from '../lifecycle/lifecycle.ts';
import { yearsBefore } from '../lifecycle/inspections.ts';

export interface LocalText {
  zh: string;
  en: string;
}

export type IndicatorId =
  | 'building-inspection-overdue'
  | 'gas-pipe-over-30'
  | 'water-pipe-over-30'
  | 'drainage-pipe-over-30'
  | 'sensors-online'
  | 'lifeline-incidents-per-100km'
  | 'case-closure-rate'
  | 'case-on-time-rate'
  | 'waterlogging-points';

/** A published source an indicator's name or formula was checked against. */
export interface PublishedSource {
  title: string;
  year: number;
  url: string;
  /** What the source shows (the figures or wording seen there). */
  seen: string;
}

export interface IndicatorDefinition {
  id: IndicatorId;
  name: LocalText;
  definition: LocalText;
  formula: LocalText;
  unit: string;
  direction: 'lower-better' | 'higher-better';
  source: LocalText;
  national: { name: string; edition: string; relation: 'same' | 'proxy' | 'none'; note: LocalText };
  /**
   * Whether the national name was checked: 'checked' against the published sources listed (title,
   * year and URL as found, and what was seen there); 'unchecked' (names a national indicator whose
   * publication was not found); 'own' (no national counterpart).
   */
  nationalCheck: { status: 'checked' | 'unchecked' | 'own'; sources: PublishedSource[]; note: LocalText };
  /** The definition (threshold, base or scope) is this platform's, not a published one. */
  assumed: boolean;
  /** Whether a past month can be recomputed from stored timestamps, or only read from its snapshot. */
  history: 'reconstructed' | 'snapshot';
}

export const INDICATORS: readonly IndicatorDefinition[] = definitions.indicators as IndicatorDefinition[];

export function indicatorDefinition(id: string): IndicatorDefinition | undefined {
  return INDICATORS.find((i) => i.id === id);
}

/** Age above which a pipe counts as old (years). ASSUMED (see indicators.json). */
export const OLD_PIPE_YEARS = 30;
/** A sensor is online when its latest reading is at most this old (the daily mode's window). */
export const SENSOR_ONLINE_WINDOW_MS = 15 * 60_000;
/** Incident types counted as lifeline incidents (pipe-borne). */
export const LIFELINE_INCIDENT_TYPES: readonly string[] = ['gas-leak', 'methane-over-limit', 'water-main-burst', 'waterlogging'];
export const WATERLOGGING_INCIDENT_TYPE = 'waterlogging';
/** Decimal places of degrees a waterlogging point's place is rounded to (4: about 10 m). */
export const WATERLOGGING_POINT_DECIMALS = 4;

/** Additive facts of one area and month: what the indicators are computed from. */
export interface CheckupFacts {
  buildingsInUse: number;
  buildingsOverdue: number;
  gasMetres: number;
  gasDatedMetres: number;
  gasOldMetres: number;
  waterMetres: number;
  waterDatedMetres: number;
  waterOldMetres: number;
  drainageMetres: number;
  drainageDatedMetres: number;
  drainageOldMetres: number;
  /** Null when the month has no snapshot of the sensors (a month reconstructed afterwards). */
  sensors: number | null;
  sensorsOnline: number | null;
  lifelineIncidents: number;
  waterloggingPoints: number;
  casesDue: number;
  casesDueClosed: number;
  casesDueClosedOnTime: number;
}

export const FACT_KEYS = [
  'buildingsInUse', 'buildingsOverdue',
  'gasMetres', 'gasDatedMetres', 'gasOldMetres',
  'waterMetres', 'waterDatedMetres', 'waterOldMetres',
  'drainageMetres', 'drainageDatedMetres', 'drainageOldMetres',
  'sensors', 'sensorsOnline',
  'lifelineIncidents', 'waterloggingPoints',
  'casesDue', 'casesDueClosed', 'casesDueClosedOnTime',
] as const satisfies readonly (keyof CheckupFacts)[];

export function emptyFacts(withSensors = true): CheckupFacts {
  const facts = Object.fromEntries(FACT_KEYS.map((k) => [k, 0])) as unknown as CheckupFacts;
  if (!withSensors) {
    facts.sensors = null;
    facts.sensorsOnline = null;
  }
  return facts;
}

/** Add b into a (sensors stay null unless both know them). */
export function addFacts(a: CheckupFacts, b: CheckupFacts): CheckupFacts {
  const out = { ...a };
  for (const key of FACT_KEYS) {
    const x = a[key];
    const y = b[key];
    (out as Record<string, number | null>)[key] = x === null || y === null ? null : x + y;
  }
  return out;
}

/** n ÷ d × 100, or null when there is nothing to divide by. */
export function percent(numerator: number | null, denominator: number | null): number | null {
  if (numerator === null || denominator === null || denominator <= 0) return null;
  return (numerator / denominator) * 100;
}

/** Incidents per 100 km of pipe, or null without pipe. */
export function perHundredKilometres(count: number, metres: number): number | null {
  return metres > 0 ? count / (metres / 100_000) : null;
}

/** Each indicator's value from an area's facts (null: not computable, e.g. no buildings in use). */
export function computeIndicators(f: CheckupFacts): Record<IndicatorId, number | null> {
  return {
    'building-inspection-overdue': percent(f.buildingsOverdue, f.buildingsInUse),
    'gas-pipe-over-30': percent(f.gasOldMetres, f.gasDatedMetres),
    'water-pipe-over-30': percent(f.waterOldMetres, f.waterDatedMetres),
    'drainage-pipe-over-30': percent(f.drainageOldMetres, f.drainageDatedMetres),
    'sensors-online': percent(f.sensorsOnline, f.sensors),
    'lifeline-incidents-per-100km': perHundredKilometres(f.lifelineIncidents, f.gasMetres + f.waterMetres + f.drainageMetres),
    'case-closure-rate': percent(f.casesDueClosed, f.casesDue),
    'case-on-time-rate': percent(f.casesDueClosedOnTime, f.casesDue),
    'waterlogging-points': f.waterloggingPoints,
  };
}

/** A value as the panel and the CSV show it: one decimal for rates, whole numbers for counts; "—" for null. */
export function formatIndicatorValue(value: number | null, unit: string): string {
  if (value === null) return '—';
  return unit === '处' ? String(Math.round(value)) : value.toFixed(1);
}

// ——— Pipes ———

export type PipeClass = 'gas' | 'water' | 'drainage';

/** The check-up's pipe class of a pipeline type (src/domain/pipelines.ts), or undefined for the rest (power, telecom…). */
export function pipeClassOf(type: unknown): PipeClass | undefined {
  if (type === 'gas') return 'gas';
  if (type === 'water') return 'water';
  if (type === 'drainage-storm' || type === 'drainage-sewage') return 'drainage';
  return undefined;
}

/** A pipe's install year from its attributes (a number or numeric text, 1800–2200), else undefined. */
export function installYearOf(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d{4}\s*$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n >= 1800 && n <= 2200 ? n : undefined;
}

/**
 * What one pipe adds to a month's facts: nothing before it was laid (its install year after the
 * month's); its length to its class, dated when its year is known, old when older than 30 years.
 */
export function addPipe(facts: CheckupFacts, pipeClass: PipeClass, metres: number, installYear: number | undefined, month: string): void {
  const year = Number(month.slice(0, 4));
  if (installYear !== undefined && installYear > year) return;
  facts[`${pipeClass}Metres`] += metres;
  if (installYear === undefined) return;
  facts[`${pipeClass}DatedMetres`] += metres;
  if (year - installYear > OLD_PIPE_YEARS) facts[`${pipeClass}OldMetres`] += metres;
}

const EARTH_RADIUS_METRES = 6_371_008.8;

/** Great-circle length of a line of [lon, lat] degrees, metres. */
export function lineLengthMetres(coordinates: readonly (readonly number[])[]): number {
  let total = 0;
  const rad = Math.PI / 180;
  for (let i = 1; i < coordinates.length; i++) {
    const [lon1, lat1] = coordinates[i - 1]!;
    const [lon2, lat2] = coordinates[i]!;
    const dLat = (lat2! - lat1!) * rad;
    const dLon = (lon2! - lon1!) * rad;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1! * rad) * Math.cos(lat2! * rad) * Math.sin(dLon / 2) ** 2;
    total += 2 * EARTH_RADIUS_METRES * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  return total;
}

// ——— Buildings ———

/** Years between periodic safety inspections. ASSUMED (as the daily mode's overview). */
export const INSPECTION_INTERVAL_YEARS = 5;

/**
 * A building's inspection state on a date (YYYY-MM-DD): not in use (not completed yet, or
 * demolished), in use, or in use and overdue (its last inspection on or before the date, or its
 * completion if none, more than the interval before it). Only the inspections up to the date
 * count, so a past month is recomputed as it stood.
 */
export function inspectionStateOn(record: Pick<BuildingLifecycle, 'stages' | 'inspections'>, date: string, intervalYears = INSPECTION_INTERVAL_YEARS): 'not-in-use' | 'in-use' | 'overdue' {
  const completion = record.stages.find((s) => s.stage === 'completion-acceptance')?.date;
  const demolition = record.stages.find((s) => s.stage === 'demolition')?.date;
  if (completion === undefined || completion > date || (demolition !== undefined && demolition <= date)) return 'not-in-use';
  let since = completion;
  for (const inspection of record.inspections) if (inspection.date <= date && inspection.date > since) since = inspection.date;
  return since < yearsBefore(date, intervalYears) ? 'overdue' : 'in-use';
}

// ——— Cases ———

/** What the case facts need of a case (epoch ms). */
export interface CaseTimes {
  dueAtMs?: number;
  handledAtMs?: number;
  closedAtMs?: number;
}

/**
 * What one case adds to a month's facts: due when its deadline falls in [start, min(end, now));
 * closed when it closed before the month's end; on time when also its last handling report was
 * no later than its deadline.
 */
export function addCase(facts: CheckupFacts, c: CaseTimes, [start, end]: readonly [number, number], nowMs: number): void {
  if (c.dueAtMs === undefined || c.dueAtMs < start || c.dueAtMs >= Math.min(end, nowMs)) return;
  facts.casesDue += 1;
  if (c.closedAtMs === undefined || c.closedAtMs >= end) return;
  facts.casesDueClosed += 1;
  if (c.handledAtMs !== undefined && c.handledAtMs <= c.dueAtMs) facts.casesDueClosedOnTime += 1;
}

// ——— Months (Beijing time) ———

const BEIJING_OFFSET_MS = 8 * 3_600_000;

export function isMonth(text: unknown): text is string {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}$/.test(text)) return false;
  const m = Number(text.slice(5));
  const y = Number(text.slice(0, 4));
  return m >= 1 && m <= 12 && y >= 1900 && y <= 2200;
}

/** The Beijing month (YYYY-MM) of an instant. */
export function monthOf(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 7);
}

/** [start, end) of a Beijing month, epoch ms. */
export function monthRange(month: string): [number, number] {
  if (!isMonth(month)) throw new RangeError(`month ${JSON.stringify(String(month).slice(0, 20))}: YYYY-MM`);
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5));
  return [Date.UTC(y, m - 1, 1) - BEIJING_OFFSET_MS, Date.UTC(y, m, 1) - BEIJING_OFFSET_MS];
}

/** The last calendar day of a month, YYYY-MM-DD. */
export function monthEndDate(month: string): string {
  const [, end] = monthRange(month);
  return new Date(end - 1 + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** The date a month is judged on: its last day, or today for the month in progress. */
export function referenceDate(month: string, nowMs: number): string {
  const today = new Date(nowMs + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
  const last = monthEndDate(month);
  return last < today ? last : today;
}

/** Months from `from` to `to` inclusive (at most `limit`), oldest first; throws RangeError when to < from or too many. */
export function monthsBetween(from: string, to: string, limit = 120): string[] {
  if (!isMonth(from) || !isMonth(to)) throw new RangeError('from/to: YYYY-MM');
  if (to < from) throw new RangeError(`to (${to}) is before from (${from})`);
  const months: string[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5));
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > to) break;
    months.push(month);
    if (months.length > limit) throw new RangeError(`from ${from} to ${to} is more than ${limit} months`);
    m += 1;
    if (m === 13) {
      m = 1;
      y += 1;
    }
  }
  return months;
}

/** A waterlogging point's key: its place rounded to about 10 m. */
export function waterloggingPointKey(lon: number, lat: number): string {
  return `${lon.toFixed(WATERLOGGING_POINT_DECIMALS)},${lat.toFixed(WATERLOGGING_POINT_DECIMALS)}`;
}
