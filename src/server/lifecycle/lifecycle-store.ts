/**
 * The building lifecycle records (建设工程全生命周期) behind one interface, on either backend:
 *
 *   SqliteLifecycleStore (sqlite-lifecycle-store.ts)   in the SQLite monitoring database, beside the
 *                                                      SensorThings tables; overviews in the read workers
 *   PostgresLifecycleStore (postgres-lifecycle-store.ts) in the PostgreSQL monitoring database (its own
 *                                                      tables), so that every server process on that
 *                                                      database reads and writes the same records
 *
 * Both keep each record as the JSON text it was stored as and, in step with it (same transaction),
 * its digest (digests.ts): the stage dates, completion, demolition and last inspection in indexed
 * columns, which the bounded reads (a bbox's dates, the inspection overview, the 4D view's hidden
 * buildings) use instead of parsing records. Records given to `put` are already checked (routes.ts).
 */
import type { BuildingLifecycle } from '../../domain/lifecycle/lifecycle.ts';
import type { ReadAnswer } from '../sensorthings/read-pool.ts';
import { StoreUnavailableError } from '../sensorthings/store.ts';
import type { LifecycleOverview } from './reads.ts';

export interface LifecycleStore {
  readonly backend: 'sqlite' | 'postgres';
  /** The building's record as the JSON text it was stored as; undefined when it has none. */
  recordJson(buildingId: string): Promise<string | undefined>;
  /** Store checked records in one transaction, all or none; a record replaces its building's. */
  put(records: readonly BuildingLifecycle[], nowMs?: number): Promise<void>;
  /** Records stored. */
  count(): Promise<number>;
  /** The stage dates ({ id: { stage: date } }) of those of these buildings that have a record. */
  datesOf(ids: readonly string[]): Promise<Record<string, Record<string, string>>>;
  /** The IDs of the buildings the 4D view hides on `date` (not there yet, or demolished), by ID, in pages of at most `pageSize`. */
  hiddenAsOf(date: string, pageSize: number): AsyncGenerator<string[]>;
  /** Every record, by building ID, in pages (the check-up job). */
  records(pageSize?: number): AsyncGenerator<BuildingLifecycle[]>;
  /** Of these buildings, those in use on `today` and past their periodic inspection (a grid's statistics). */
  overdueAmong(ids: readonly string[], today: string): Promise<number>;
  /** Every building's stage dates, or an inspection overview or page, within a read's budget: JSON, or an error answer (400 past the budget, 503 when the database is away). */
  overview(what: LifecycleOverview): Promise<ReadAnswer>;
  /**
   * Changes whenever records are written, by this process or (PostgreSQL) any other on the same
   * database: a cached overview read at another generation is read again.
   */
  generation(): Promise<number>;
  close(): Promise<void>;
}

/** The database was unreachable or too slow: a 503 with the message (the monitoring server's error handler), nothing stored. */
export class LifecycleUnavailableError extends StoreUnavailableError {
  readonly statusCode = 503;
}

/** Keep the last of several records of one building (a later record replaces an earlier one, as writing them in order would). */
export function lastOfEach(records: readonly BuildingLifecycle[]): BuildingLifecycle[] {
  const byId = new Map<string, BuildingLifecycle>();
  for (const record of records) {
    byId.delete(record.buildingId);
    byId.set(record.buildingId, record);
  }
  return [...byId.values()];
}

/**
 * A lifecycle store of its own (tests, tools): a SQLite file (or ":memory:"), or a postgres:// URL.
 * The monitoring server makes its own on its database (sensorthings/index.ts).
 */
export async function openLifecycleStore(location: string): Promise<LifecycleStore> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    const { PostgresLifecycleStore } = await import('./postgres-lifecycle-store.ts');
    return PostgresLifecycleStore.open(location);
  }
  const { SqliteLifecycleStore } = await import('./sqlite-lifecycle-store.ts');
  return SqliteLifecycleStore.open(location);
}
