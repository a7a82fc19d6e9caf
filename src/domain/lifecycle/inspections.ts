/**
 * Building safety inspections (房屋安全检查) for the daily mode of the dual command: which
 * buildings in use are overdue for their periodic inspection, which were told to rectify or
 * failed at their last one, and what was inspected lately. Pure; dates are YYYY-MM-DD (CST).
 */
import type { BuildingLifecycle, Inspection } from './lifecycle.ts';

/**
 * Years between periodic inspections of a building in use. ASSUMED: local rules differ
 * (房屋安全鉴定 regulations set them per city and building class); a deployment sets its own.
 */
export const DEFAULT_INSPECTION_INTERVAL_YEARS = 5;

/** What the overview needs of one building's record (what GET /api/lifecycle/inspections sends). */
export interface InspectionDigest {
  buildingId: string;
  /** Completion acceptance date: from then on, the building is due for inspections. */
  completion?: string;
  demolition?: string;
  last?: Inspection;
  count: number;
}

export function inspectionDigest(record: BuildingLifecycle): InspectionDigest {
  const last = record.inspections.reduce<Inspection | undefined>((latest, i) => (!latest || i.date >= latest.date ? i : latest), undefined);
  const completion = record.stages.find((s) => s.stage === 'completion-acceptance')?.date;
  const demolition = record.stages.find((s) => s.stage === 'demolition')?.date;
  return { buildingId: record.buildingId, ...(completion ? { completion } : {}), ...(demolition ? { demolition } : {}), ...(last ? { last } : {}), count: record.inspections.length };
}

export interface InspectionOverview {
  /** Completed and not demolished by `today`. */
  inUse: number;
  /** In use, and the last inspection (or the completion, if never inspected) is more than the interval ago; longest overdue first. */
  overdue: { buildingId: string; since: string }[];
  /** The last inspection asked for rectification or failed; oldest first (longest waiting). */
  rectification: { buildingId: string; date: string; result: Inspection['result'] }[];
  /** Inspections within the last `recentDays`, newest first. */
  recent: { buildingId: string; date: string; result: Inspection['result']; inspector: string }[];
}

/** Days back the overview's "recent" list reaches. */
export const RECENT_INSPECTION_DAYS = 30;

/** The date `years` before a YYYY-MM-DD date (29 February falls back to 28). */
export function yearsBefore(date: string, years: number): string {
  const year = Number(date.slice(0, 4)) - years;
  const monthDay = date.slice(5) === '02-29' ? '02-28' : date.slice(5);
  return `${String(year).padStart(4, '0')}-${monthDay}`;
}

export function daysBefore(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

export function inspectionOverview(digests: readonly InspectionDigest[], today: string, intervalYears = DEFAULT_INSPECTION_INTERVAL_YEARS, recentDays = RECENT_INSPECTION_DAYS): InspectionOverview {
  const dueBefore = yearsBefore(today, intervalYears);
  const recentFrom = daysBefore(today, recentDays);
  const overview: InspectionOverview = { inUse: 0, overdue: [], rectification: [], recent: [] };
  for (const d of digests) {
    const inUse = d.completion !== undefined && d.completion <= today && !(d.demolition !== undefined && d.demolition <= today);
    if (!inUse) continue;
    overview.inUse++;
    const since = d.last && d.last.date > d.completion! ? d.last.date : d.completion!;
    if (since < dueBefore) overview.overdue.push({ buildingId: d.buildingId, since });
    if (d.last && d.last.result !== 'pass') overview.rectification.push({ buildingId: d.buildingId, date: d.last.date, result: d.last.result });
    if (d.last && d.last.date >= recentFrom && d.last.date <= today) overview.recent.push({ buildingId: d.buildingId, date: d.last.date, result: d.last.result, inspector: d.last.inspector });
  }
  overview.overdue.sort((a, b) => a.since.localeCompare(b.since) || a.buildingId.localeCompare(b.buildingId));
  overview.rectification.sort((a, b) => a.date.localeCompare(b.date) || a.buildingId.localeCompare(b.buildingId));
  overview.recent.sort((a, b) => b.date.localeCompare(a.date) || a.buildingId.localeCompare(b.buildingId));
  return overview;
}

/** A list of the overview cut to its first rows, with the full count. */
export interface CountedList<T> {
  count: number;
  first: T[];
}

/**
 * What GET /api/lifecycle/inspections answers: the overview's figures with the first rows of each
 * list. The server computes it; the viewer never downloads every building's record (at a city's
 * million buildings that would be about 180 MB).
 */
export interface InspectionSummary {
  today: string;
  intervalYears: number;
  inUse: number;
  overdue: CountedList<InspectionOverview['overdue'][number]>;
  rectification: CountedList<InspectionOverview['rectification'][number]>;
  recent: CountedList<InspectionOverview['recent'][number]>;
}

export function summariseInspections(overview: InspectionOverview, today: string, intervalYears: number, limit: number): InspectionSummary {
  const cut = <T>(rows: T[]): CountedList<T> => ({ count: rows.length, first: rows.slice(0, limit) });
  return { today, intervalYears, inUse: overview.inUse, overdue: cut(overview.overdue), rectification: cut(overview.rectification), recent: cut(overview.recent) };
}

/** Today's date in China Standard Time (UTC+8), YYYY-MM-DD. */
export function todayInChina(nowMs: number): string {
  return new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** The overview's lists, each paged by GET /api/lifecycle/inspections/{list}. */
export const INSPECTION_LISTS = ['overdue', 'rectification', 'recent'] as const;
export type InspectionList = (typeof INSPECTION_LISTS)[number];

/** One page of an overview list, in the list's order, with the list's full count. */
export interface InspectionPage<L extends InspectionList = InspectionList> {
  today: string;
  intervalYears: number;
  list: L;
  count: number;
  offset: number;
  rows: InspectionOverview[L];
  /** Path of the next page, when there is one. */
  next?: string;
}
