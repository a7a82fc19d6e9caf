/**
 * The lifecycle store on SQLite (better-sqlite3): the tables of digests.ts in the monitoring
 * database, beside the SensorThings tables. Writes run on the connection (synchronous, one
 * transaction each `put`); the overviews of every building run where the monitoring reads run
 * (the read workers, read-pool.ts), or in-process when no executor is given.
 */
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { DEFAULT_INSPECTION_INTERVAL_YEARS, yearsBefore } from '../../domain/lifecycle/inspections.ts';
import type { BuildingLifecycle } from '../../domain/lifecycle/lifecycle.ts';
import { runReadJob } from '../read-jobs.ts';
import type { ReadAnswer, ReadExecutor } from '../sensorthings/read-pool.ts';
import { DEFAULT_READ_BUDGET, ReadBudget, type ReadBudgetLimits } from '../sensorthings/read.ts';
import { datesOf, ensureLifecycleTables, recordWriter } from './digests.ts';
import { buildingsHiddenAsOf } from './hidden.ts';
import type { LifecycleStore } from './lifecycle-store.ts';
import type { LifecycleOverview } from './reads.ts';

/** Bumped on every write of records through this module, per connection, so cached overviews are read again. */
const generations = new WeakMap<Database, number>();
const generationOf = (db: Database) => generations.get(db) ?? 0;
const changed = (db: Database) => generations.set(db, generationOf(db) + 1);

/** Store records that are already checked, in one transaction (all or none). */
export function storeLifecycles(db: Database, records: readonly BuildingLifecycle[], nowMs = Date.now()): void {
  const put = recordWriter(db);
  db.transaction(() => {
    for (const record of records) put(record, nowMs);
  })();
  changed(db);
}

export function lifecycleCount(db: Database): number {
  ensureLifecycleTables(db);
  return (db.prepare('SELECT count(*) AS n FROM building_lifecycles').get() as { n: number }).n;
}

export interface SqliteLifecycleStoreOptions {
  /** Where the overviews run (the monitoring server's read workers); default in-process on `db`. */
  reads?: ReadExecutor;
  /** The overviews' budget when they run in-process. */
  budget?: Partial<ReadBudgetLimits>;
  /** Close `db` on close (a store opened on a file of its own). */
  ownsDatabase?: boolean;
}

export class SqliteLifecycleStore implements LifecycleStore {
  readonly backend = 'sqlite' as const;
  private readonly limits: ReadBudgetLimits;

  constructor(readonly db: Database, private readonly options: SqliteLifecycleStoreOptions = {}) {
    ensureLifecycleTables(db);
    this.limits = { ...DEFAULT_READ_BUDGET, ...options.budget };
  }

  /** A store on a SQLite file (or ":memory:") of its own. */
  static async open(path: string): Promise<SqliteLifecycleStore> {
    const db = new BetterSqlite3(path);
    if (path !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    return new SqliteLifecycleStore(db, { ownsDatabase: true });
  }

  async recordJson(buildingId: string): Promise<string | undefined> {
    return (this.db.prepare('SELECT record FROM building_lifecycles WHERE building_id = ?').get(buildingId) as { record: string } | undefined)?.record;
  }

  async put(records: readonly BuildingLifecycle[], nowMs = Date.now()): Promise<void> {
    storeLifecycles(this.db, records, nowMs);
  }

  async count(): Promise<number> {
    return lifecycleCount(this.db);
  }

  async datesOf(ids: readonly string[]): Promise<Record<string, Record<string, string>>> {
    return datesOf(this.db, ids);
  }

  async *hiddenAsOf(date: string, pageSize: number): AsyncGenerator<string[]> {
    yield* buildingsHiddenAsOf(this.db, date, pageSize);
  }

  async *records(pageSize = 1_000): AsyncGenerator<BuildingLifecycle[]> {
    // In pages by ID: nothing held open between pages (a write may come between them).
    const page = this.db.prepare('SELECT building_id, record FROM building_lifecycles WHERE building_id > ? ORDER BY building_id LIMIT ?');
    for (let after = ''; ; ) {
      const rows = page.all(after, pageSize) as { building_id: string; record: string }[];
      if (rows.length > 0) yield rows.map((row) => JSON.parse(row.record) as BuildingLifecycle);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.building_id;
    }
  }

  async overdueAmong(ids: readonly string[], today: string): Promise<number> {
    if (ids.length === 0) return 0;
    return (this.db.prepare(`SELECT count(*) AS n FROM building_lifecycle_digests WHERE building_id IN (SELECT value FROM json_each(@ids))
      AND completion IS NOT NULL AND completion <= @today AND (demolition IS NULL OR demolition > @today) AND since < @due`).get({ ids: JSON.stringify(ids), today, due: yearsBefore(today, DEFAULT_INSPECTION_INTERVAL_YEARS) }) as { n: number }).n;
  }

  async overview(what: LifecycleOverview): Promise<ReadAnswer> {
    if (this.options.reads) return this.options.reads.read({ api: 'lifecycle', overview: what });
    const response = runReadJob(this.db, { api: 'lifecycle', overview: what }, new ReadBudget(this.limits));
    return { status: response.status, body: response.json };
  }

  async generation(): Promise<number> {
    return generationOf(this.db);
  }

  async close(): Promise<void> {
    if (this.options.ownsDatabase && this.db.open) this.db.close();
  }
}
