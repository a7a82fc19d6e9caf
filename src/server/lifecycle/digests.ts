/**
 * The lifecycle store's index: one row per building with what the 4D view, the themes and the
 * inspection overview need of its record (its stage dates, its completion and demolition, its
 * last inspection), in indexed columns. Kept in step with `building_lifecycles` on every write,
 * so those reads are bounded SQL (a bbox's IDs by primary key, counts and pages by index) instead
 * of parsing every record.
 *
 * The SQLite tables and statements (in the monitoring database beside the records); the PostgreSQL
 * store (postgres-lifecycle-store.ts) has the same tables and fills them with the same digestRow.
 */
import type { Database } from 'better-sqlite3';
import type { BuildingLifecycle } from '../../domain/lifecycle/lifecycle.ts';
import { inspectionDigest } from '../../domain/lifecycle/inspections.ts';

export const LIFECYCLE_TABLE_SQL = 'CREATE TABLE IF NOT EXISTS building_lifecycles (building_id TEXT PRIMARY KEY, record TEXT NOT NULL, updated_at INTEGER NOT NULL)';

/** Stands in for "never" in the date columns that are compared (appears). */
export const NEVER = '9999-12-31';

export const DIGEST_TABLE_SQL = `
CREATE TABLE IF NOT EXISTS building_lifecycle_digests (
  building_id TEXT PRIMARY KEY,
  dates TEXT NOT NULL,       -- {"stage": "YYYY-MM-DD"}: the first date of each stage
  appears TEXT NOT NULL,     -- the first approval, permit or completion ('' when there are no stages, ${NEVER} when none of those)
  completion TEXT,
  demolition TEXT,
  since TEXT,                -- completed: the last inspection after completion, else the completion
  last_date TEXT,
  last_result TEXT,
  last_inspector TEXT,
  inspections INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS building_lifecycle_digests_since ON building_lifecycle_digests (since, building_id) WHERE since IS NOT NULL;
CREATE INDEX IF NOT EXISTS building_lifecycle_digests_last ON building_lifecycle_digests (last_date, building_id) WHERE last_date IS NOT NULL;
`;

export interface DigestRow {
  building_id: string;
  dates: string;
  appears: string;
  completion: string | null;
  demolition: string | null;
  since: string | null;
  last_date: string | null;
  last_result: string | null;
  last_inspector: string | null;
  inspections: number;
}

/** The first date of each stage (a renovation can happen more than once: its first). */
export function stageDates(record: Pick<BuildingLifecycle, 'stages'>): Record<string, string> {
  const dates: Record<string, string> = {};
  for (const stage of record.stages) dates[stage.stage] ??= stage.date;
  return dates;
}

export function digestRow(record: BuildingLifecycle): DigestRow {
  const dates = stageDates(record);
  const digest = inspectionDigest(record);
  // As standingAsOf reads it: shown (ghosted, half-built or built) from the first of these on.
  const shownFrom = [dates['project-approval'], dates['planning-permit'], dates['construction-permit'], dates['completion-acceptance']].filter((d): d is string => d !== undefined).sort()[0];
  const completion = digest.completion ?? null;
  return {
    building_id: record.buildingId,
    dates: JSON.stringify(dates),
    appears: record.stages.length === 0 ? '' : (shownFrom ?? NEVER),
    completion,
    demolition: digest.demolition ?? null,
    since: completion === null ? null : digest.last && digest.last.date > completion ? digest.last.date : completion,
    last_date: digest.last?.date ?? null,
    last_result: digest.last?.result ?? null,
    last_inspector: digest.last?.inspector ?? null,
    inspections: digest.count,
  };
}

const COLUMNS = ['building_id', 'dates', 'appears', 'completion', 'demolition', 'since', 'last_date', 'last_result', 'last_inspector', 'inspections'] as const;

/** Writes records and their digests together (call inside the caller's transaction for several). */
export function recordWriter(db: Database): (record: BuildingLifecycle, now: number) => void {
  ensureLifecycleTables(db);
  const putRecord = db.prepare('INSERT INTO building_lifecycles (building_id, record, updated_at) VALUES (?, ?, ?) ON CONFLICT (building_id) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at');
  const putDigest = db.prepare(`INSERT OR REPLACE INTO building_lifecycle_digests (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`);
  return (record, now) => {
    putRecord.run(record.buildingId, JSON.stringify(record), now);
    putDigest.run(digestRow(record));
  };
}

const ensured = new WeakSet<Database>();

/**
 * Create the tables if missing, and (re)build the digests when they are not in step with the
 * records (a database from before the digests existed): once, in one transaction.
 */
export function ensureLifecycleTables(db: Database): void {
  if (ensured.has(db)) return;
  db.exec(LIFECYCLE_TABLE_SQL);
  db.exec(DIGEST_TABLE_SQL);
  const counts = db.prepare('SELECT (SELECT count(*) FROM building_lifecycles) AS records, (SELECT count(*) FROM building_lifecycle_digests) AS digests').get() as { records: number; digests: number };
  if (counts.records !== counts.digests) {
    const putDigest = db.prepare(`INSERT OR REPLACE INTO building_lifecycle_digests (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`);
    // In pages by ID: a connection cannot write while it iterates.
    const page = db.prepare('SELECT building_id, record FROM building_lifecycles WHERE building_id > ? ORDER BY building_id LIMIT 1000');
    db.transaction(() => {
      db.exec('DELETE FROM building_lifecycle_digests');
      for (let after = '', rows = page.all(after) as { building_id: string; record: string }[]; rows.length > 0; rows = page.all(after) as typeof rows) {
        for (const row of rows) putDigest.run(digestRow(JSON.parse(row.record) as BuildingLifecycle));
        after = rows[rows.length - 1]!.building_id;
      }
    })();
  }
  ensured.add(db);
}

/**
 * The stage dates of these buildings (those with a record), by primary key: one query for up to
 * the asset store's ID page (10,000).
 */
export function datesOf(db: Database, ids: readonly string[]): Record<string, Record<string, string>> {
  const dates: Record<string, Record<string, string>> = {};
  if (ids.length === 0) return dates;
  const rows = db.prepare('SELECT d.building_id AS id, d.dates AS dates FROM json_each(?) j JOIN building_lifecycle_digests d ON d.building_id = j.value').all(JSON.stringify(ids)) as { id: string; dates: string }[];
  for (const row of rows) dates[row.id] = JSON.parse(row.dates) as Record<string, string>;
  return dates;
}
