/**
 * The lifecycle API's reads of every building (the 4D view's stage dates, the inspection
 * overview). They read every record, which takes hundreds of milliseconds for a district: they
 * run in the read workers (read-pool.ts), within a read's budget, never on the event loop.
 */
import type { Database } from 'better-sqlite3';
import type { BuildingLifecycle } from '../../domain/lifecycle/lifecycle.ts';
import { DEFAULT_INSPECTION_INTERVAL_YEARS, inspectionDigest, inspectionOverview, summariseInspections, type InspectionDigest } from '../../domain/lifecycle/inspections.ts';
import type { ReadBudget } from '../sensorthings/read.ts';

/** Every building's stage dates; or the inspection overview on a day, with the first `limit` rows of each list. */
export type LifecycleOverview = { kind: 'summary' } | { kind: 'inspections'; today: string; limit: number };

export const LIFECYCLE_TABLE_SQL = 'CREATE TABLE IF NOT EXISTS building_lifecycles (building_id TEXT PRIMARY KEY, record TEXT NOT NULL, updated_at INTEGER NOT NULL)';

/** Every building's stage dates, or the inspection overview (counts and first rows), as JSON text. */
export function lifecycleOverviewJson(db: Database, what: LifecycleOverview, budget: ReadBudget): string {
  const summary: Record<string, Record<string, string>> = {};
  const digests: InspectionDigest[] = [];
  for (const row of db.prepare('SELECT record FROM building_lifecycles').iterate() as IterableIterator<{ record: string }>) {
    budget.spendRow(64);
    const record = JSON.parse(row.record) as BuildingLifecycle;
    if (what.kind === 'inspections') {
      digests.push(inspectionDigest(record));
      continue;
    }
    const dates: Record<string, string> = {};
    // The first renovation's date; every other stage happens once.
    for (const stage of record.stages) dates[stage.stage] ??= stage.date;
    summary[record.buildingId] = dates;
  }
  const json = JSON.stringify(what.kind === 'inspections' ? summariseInspections(inspectionOverview(digests, what.today), what.today, DEFAULT_INSPECTION_INTERVAL_YEARS, what.limit) : summary);
  if (json.length > budget.limits.maximumResponseBytes) throw budget.bytesError();
  budget.checkTime();
  return json;
}
