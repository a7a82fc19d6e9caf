/**
 * The buildings the 4D view hides on a date: those whose lifecycle record says they are not there
 * yet (no approval, permit or completion on or before it) or were demolished by then, as
 * standingAsOf (src/domain/lifecycle/lifecycle.ts) decides per building in the viewer. Read from
 * the digests' `appears` and `demolition` columns, in pages of IDs, for the asset API's filter
 * count, which subtracts the hidden buildings that meet the filter.
 */
import type { Database } from 'better-sqlite3';
import { ensureLifecycleTables } from './digests.ts';

/** The IDs of the buildings hidden on `date` (YYYY-MM-DD), in pages of at most `pageSize`, by ID. */
export function* buildingsHiddenAsOf(db: Database, date: string, pageSize: number): Generator<string[]> {
  ensureLifecycleTables(db);
  const page = db.prepare(`SELECT building_id AS id FROM building_lifecycle_digests
    WHERE building_id > ? AND (appears > ? OR demolition <= ?) ORDER BY building_id LIMIT ?`).pluck();
  for (let after = ''; ; ) {
    const ids = page.all(after, date, date, pageSize) as string[];
    if (ids.length > 0) yield ids;
    if (ids.length < pageSize) return;
    after = ids[ids.length - 1]!;
  }
}
