/**
 * The lifecycle API's reads over every building: every building's stage dates (the summary, for
 * other tools), the inspection overview (counts and the first rows of each list) and a page of one
 * list. They are SQL over the digests (digests.ts): counts by index, pages by index order, never
 * every record parsed. They run in the read workers (read-pool.ts), within a read's budget, never
 * on the event loop.
 */
import type { Database } from 'better-sqlite3';
import { daysBefore, DEFAULT_INSPECTION_INTERVAL_YEARS, RECENT_INSPECTION_DAYS, yearsBefore, type InspectionList, type InspectionPage, type InspectionSummary } from '../../domain/lifecycle/inspections.ts';
import type { ReadBudget } from '../sensorthings/read.ts';

export { LIFECYCLE_TABLE_SQL } from './digests.ts';

/** Every building's stage dates; the inspection overview on a day (first `limit` rows of each list); or a page of one list. */
export type LifecycleOverview =
  | { kind: 'summary' }
  | { kind: 'inspections'; today: string; limit: number }
  | { kind: 'inspection-list'; today: string; list: InspectionList; offset: number; limit: number };

/** Completed by `today` and not demolished by it (named parameters: @today; the PostgreSQL store rewrites them). */
export const IN_USE = 'completion IS NOT NULL AND completion <= @today AND (demolition IS NULL OR demolition > @today)';

/** Each list's condition (besides IN_USE), order and columns, as inspectionOverview (domain) defines them. */
export const LISTS: Record<InspectionList, { where: string; order: string; columns: string }> = {
  overdue: { where: 'since < @due', order: 'since, building_id', columns: 'building_id AS "buildingId", since' },
  rectification: { where: "last_result IS NOT NULL AND last_result <> 'pass'", order: 'last_date, building_id', columns: 'building_id AS "buildingId", last_date AS date, last_result AS result' },
  recent: { where: 'last_date >= @recentFrom AND last_date <= @today', order: 'last_date DESC, building_id', columns: 'building_id AS "buildingId", last_date AS date, last_result AS result, last_inspector AS inspector' },
};

export function listParameters(today: string): { today: string; due: string; recentFrom: string } {
  return { today, due: yearsBefore(today, DEFAULT_INSPECTION_INTERVAL_YEARS), recentFrom: daysBefore(today, RECENT_INSPECTION_DAYS) };
}

function listCount(db: Database, list: InspectionList, today: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM building_lifecycle_digests WHERE ${LISTS[list].where} AND ${IN_USE}`).get(listParameters(today)) as { n: number }).n;
}

function listRows(db: Database, list: InspectionList, today: string, offset: number, limit: number, budget: ReadBudget): unknown[] {
  const { where, order, columns } = LISTS[list];
  const rows = db.prepare(`SELECT ${columns} FROM building_lifecycle_digests WHERE ${where} AND ${IN_USE} ORDER BY ${order} LIMIT @limit OFFSET @offset`).all({ ...listParameters(today), limit, offset }) as unknown[];
  for (let i = 0; i < rows.length; i++) budget.spendRow(64);
  return rows;
}

/** The inspection overview on a day: the counts, and the first `limit` rows of each list. */
export function inspectionSummary(db: Database, today: string, limit: number, budget: ReadBudget): InspectionSummary {
  const inUse = (db.prepare(`SELECT count(*) AS n FROM building_lifecycle_digests WHERE ${IN_USE}`).get({ today }) as { n: number }).n;
  const counted = <L extends InspectionList>(list: L) => ({ count: listCount(db, list, today), first: listRows(db, list, today, 0, limit, budget) as InspectionSummary[L]['first'] });
  const summary: InspectionSummary = { today, intervalYears: DEFAULT_INSPECTION_INTERVAL_YEARS, inUse, overdue: counted('overdue'), rectification: counted('rectification'), recent: counted('recent') };
  budget.checkTime();
  return summary;
}

/** One page of one list of the overview on a day. */
export function inspectionPage(db: Database, today: string, list: InspectionList, offset: number, limit: number, budget: ReadBudget): InspectionPage {
  const count = listCount(db, list, today);
  const rows = listRows(db, list, today, offset, limit, budget) as InspectionPage['rows'];
  budget.checkTime();
  return pageOf(today, list, count, offset, limit, rows);
}

/** A page of a list with its `next` link (when more rows follow): both stores answer with this. */
export function pageOf(today: string, list: InspectionList, count: number, offset: number, limit: number, rows: InspectionPage['rows']): InspectionPage {
  const next = offset + rows.length < count && rows.length > 0 ? `/api/lifecycle/inspections/${list}?${new URLSearchParams({ today, offset: String(offset + rows.length), limit: String(limit) }).toString()}` : undefined;
  return { today, intervalYears: DEFAULT_INSPECTION_INTERVAL_YEARS, list, count, offset, rows, ...(next ? { next } : {}) };
}

/** Every building's stage dates ({ id: { stage: date } }), or an inspection overview or page, as JSON text. */
export function lifecycleOverviewJson(db: Database, what: LifecycleOverview, budget: ReadBudget): string {
  let json: string;
  if (what.kind === 'inspections') json = JSON.stringify(inspectionSummary(db, what.today, what.limit, budget));
  else if (what.kind === 'inspection-list') json = JSON.stringify(inspectionPage(db, what.today, what.list, what.offset, what.limit, budget));
  else {
    const parts: string[] = [];
    let length = 2;
    for (const row of db.prepare('SELECT building_id, dates FROM building_lifecycle_digests ORDER BY building_id').iterate() as IterableIterator<{ building_id: string; dates: string }>) {
      budget.spendRow(64);
      const part = `${JSON.stringify(row.building_id)}:${row.dates}`;
      length += part.length + 1;
      if (length > budget.limits.maximumResponseBytes) throw budget.bytesError();
      parts.push(part);
    }
    json = `{${parts.join(',')}}`;
  }
  if (json.length > budget.limits.maximumResponseBytes) throw budget.bytesError();
  budget.checkTime();
  return json;
}
