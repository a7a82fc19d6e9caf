/**
 * The lifecycle store on PostgreSQL (`pg`): the records and their digests (digests.ts) in tables of
 * their own in the monitoring database, so that every server process on that database serves the
 * same records (issue 21). The tables are made on open (idempotent, under an advisory lock, so two
 * processes starting at once do not race). IDs and the date columns are compared in the "C"
 * collation, so that pages by ID and date comparisons are in the same order as on SQLite whatever
 * the database's locale.
 *
 * A `put` is one transaction: records and digests upserted in batches (unnest), and the store's
 * generation bumped, which tells every process that its cached overviews are stale. The
 * overviews run on the pool in a read-only snapshot with the read's time bound as their statement
 * timeout, within the same budget as on SQLite.
 */
import pg from 'pg';
import { openPostgresSchema } from '../postgres-schema.ts';
import type { InspectionList, InspectionPage, InspectionSummary } from '../../domain/lifecycle/inspections.ts';
import { DEFAULT_INSPECTION_INTERVAL_YEARS, yearsBefore } from '../../domain/lifecycle/inspections.ts';
import type { BuildingLifecycle } from '../../domain/lifecycle/lifecycle.ts';
import type { ReadAnswer } from '../sensorthings/read-pool.ts';
import { DEFAULT_READ_BUDGET, ReadBudget, ReadLimitError, type ReadBudgetLimits } from '../sensorthings/read.ts';
import { digestRow, type DigestRow } from './digests.ts';
import { lastOfEach, LifecycleUnavailableError, type LifecycleStore } from './lifecycle-store.ts';
import { IN_USE, LISTS, listParameters, pageOf, type LifecycleOverview } from './reads.ts';

const SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS building_lifecycles (
    building_id text COLLATE "C" PRIMARY KEY,
    record text NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE TABLE IF NOT EXISTS building_lifecycle_digests (
    building_id text COLLATE "C" PRIMARY KEY,
    dates text NOT NULL,
    appears text COLLATE "C" NOT NULL,
    completion text COLLATE "C",
    demolition text COLLATE "C",
    since text COLLATE "C",
    last_date text COLLATE "C",
    last_result text COLLATE "C",
    last_inspector text,
    inspections integer NOT NULL
  );
  CREATE INDEX IF NOT EXISTS building_lifecycle_digests_since ON building_lifecycle_digests (since, building_id) WHERE since IS NOT NULL;
  CREATE INDEX IF NOT EXISTS building_lifecycle_digests_last ON building_lifecycle_digests (last_date, building_id) WHERE last_date IS NOT NULL;
  CREATE TABLE IF NOT EXISTS building_lifecycle_store (version integer NOT NULL, generation bigint NOT NULL);
  INSERT INTO building_lifecycle_store (version, generation) SELECT ${SCHEMA_VERSION}, 0 WHERE NOT EXISTS (SELECT 1 FROM building_lifecycle_store);`;

/** The store's tables, children first (tests drop them). */
export const LIFECYCLE_TABLES = ['building_lifecycle_digests', 'building_lifecycles', 'building_lifecycle_store'] as const;

const DIGEST_COLUMNS = ['building_id', 'dates', 'appears', 'completion', 'demolition', 'since', 'last_date', 'last_result', 'last_inspector', 'inspections'] as const satisfies readonly (keyof DigestRow)[];
const DIGEST_TYPES = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'int4'];
/** Records in one INSERT … SELECT FROM unnest(…). */
const WRITE_BATCH = 1_000;
/** Rows of the summary read at a time (keyset pages in one snapshot). */
const SUMMARY_PAGE = 5_000;

export interface PostgresLifecycleStoreOptions {
  url: string;
  /** Connections in the store's pool. Default 4. */
  poolSize?: number;
  /** Every statement's time bound. Default 10 s (overviews: their read budget's, when shorter). */
  statementTimeoutMilliseconds?: number;
  /** How long to wait for a connection before a 503. Default 5 s. */
  connectionTimeoutMilliseconds?: number;
  /** The overviews' budget (entities, bytes, time), as the SensorThings reads'. */
  budget?: Partial<ReadBudgetLimits>;
}

/** Errors that mean the database is not there (or went away), not that the request was wrong. */
function unavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (e.code && (/^08/.test(e.code) || ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT'].includes(e.code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED|Cannot use a pool after calling end/.test(e.message ?? '');
}

function storeError(error: unknown, what: string): Error {
  if (unavailable(error)) return new LifecycleUnavailableError(`the database is unreachable (${(error as Error).message}): ${what}; try again shortly`);
  if ((error as { code?: string }).code === '57014') return new LifecycleUnavailableError(`the database did not answer within its statement timeout: ${what}; try again shortly`);
  if ((error as { code?: string }).code === '22021' || (error as { code?: string }).code === '22P05') return Object.assign(new Error(`a record holds text PostgreSQL cannot store (${(error as Error).message}): nothing was stored`), { statusCode: 400 });
  return error as Error;
}

function errorAnswer(status: number, message: string): ReadAnswer {
  return { status, headers: status === 503 ? { 'Retry-After': '5' } : undefined, body: JSON.stringify({ code: status, type: 'error', message }) };
}

/** `@name` parameters (as reads.ts writes them for SQLite) as `$n` with their values in order. */
function positional(sql: string, parameters: Record<string, unknown>): [string, unknown[]] {
  const names: string[] = [];
  const text = sql.replace(/@(\w+)/g, (_match, name: string) => {
    if (!(name in parameters)) throw new Error(`no value for @${name}`);
    let index = names.indexOf(name);
    if (index < 0) index = names.push(name) - 1;
    return `$${index + 1}`;
  });
  return [text, names.map((name) => parameters[name])];
}

async function countOf(client: pg.ClientBase, sql: string, parameters: Record<string, unknown>): Promise<number> {
  const [text, values] = positional(sql, parameters);
  return (await client.query<{ n: number }>(text, values)).rows[0]!.n;
}

export class PostgresLifecycleStore implements LifecycleStore {
  readonly backend = 'postgres' as const;
  private readonly limits: ReadBudgetLimits;
  private readonly statementTimeout: number;
  private closed = false;

  private constructor(private readonly pool: pg.Pool, options: PostgresLifecycleStoreOptions) {
    this.limits = { ...DEFAULT_READ_BUDGET, ...options.budget };
    this.statementTimeout = options.statementTimeoutMilliseconds ?? 10_000;
  }

  /** Connect, and make the tables when missing (safe when several processes open the database at once). */
  static async open(options: PostgresLifecycleStoreOptions | string): Promise<PostgresLifecycleStore> {
    const settings = typeof options === 'string' ? { url: options } : options;
    const pool = new pg.Pool({
      connectionString: settings.url,
      max: settings.poolSize ?? 4,
      statement_timeout: settings.statementTimeoutMilliseconds ?? 10_000,
      connectionTimeoutMillis: settings.connectionTimeoutMilliseconds ?? 5_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection the server dropped: the pool forgets it and makes a new one when asked.
    pool.on('error', () => {});
    await openPostgresSchema(pool, 'cim-twin lifecycle store schema', async (client) => {
      await client.query(SCHEMA);
      const version = (await client.query<{ version: number }>('SELECT version FROM building_lifecycle_store')).rows[0]?.version;
      if (version !== SCHEMA_VERSION) throw new Error(`lifecycle store schema version ${String(version)}, this build reads ${SCHEMA_VERSION}`);
    });
    return new PostgresLifecycleStore(pool, settings);
  }

  async recordJson(buildingId: string): Promise<string | undefined> {
    try {
      return (await this.pool.query<{ record: string }>('SELECT record FROM building_lifecycles WHERE building_id = $1', [buildingId])).rows[0]?.record;
    } catch (error) {
      throw storeError(error, 'the record was not read');
    }
  }

  async put(records: readonly BuildingLifecycle[], nowMs = Date.now()): Promise<void> {
    const rows = lastOfEach(records);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw storeError(error, 'nothing was stored');
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      for (let start = 0; start < rows.length; start += WRITE_BATCH) {
        const batch = rows.slice(start, start + WRITE_BATCH);
        await client.query(
          `INSERT INTO building_lifecycles (building_id, record, updated_at) SELECT * FROM unnest($1::text[], $2::text[], $3::int8[])
           ON CONFLICT (building_id) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at`,
          [batch.map((r) => r.buildingId), batch.map((r) => JSON.stringify(r)), batch.map(() => nowMs)],
        );
        const digests = batch.map(digestRow);
        await client.query(
          `INSERT INTO building_lifecycle_digests (${DIGEST_COLUMNS.join(', ')}) SELECT * FROM unnest(${DIGEST_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})
           ON CONFLICT (building_id) DO UPDATE SET ${DIGEST_COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`,
          DIGEST_COLUMNS.map((column) => digests.map((d) => d[column])),
        );
      }
      await client.query('UPDATE building_lifecycle_store SET generation = generation + 1');
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      if (unavailable(error)) broken = true;
      throw storeError(error, 'nothing was stored');
    } finally {
      client.release(broken);
    }
  }

  async count(): Promise<number> {
    try {
      return (await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM building_lifecycles')).rows[0]!.n;
    } catch (error) {
      throw storeError(error, 'the records were not counted');
    }
  }

  async datesOf(ids: readonly string[]): Promise<Record<string, Record<string, string>>> {
    const dates: Record<string, Record<string, string>> = {};
    if (ids.length === 0) return dates;
    try {
      const { rows } = await this.pool.query<{ id: string; dates: string }>('SELECT building_id AS id, dates FROM building_lifecycle_digests WHERE building_id = ANY($1::text[])', [ids]);
      for (const row of rows) dates[row.id] = JSON.parse(row.dates) as Record<string, string>;
      return dates;
    } catch (error) {
      throw storeError(error, 'the dates were not read');
    }
  }

  async *hiddenAsOf(date: string, pageSize: number): AsyncGenerator<string[]> {
    for (let after = ''; ; ) {
      let ids: string[];
      try {
        ids = (await this.pool.query<{ id: string }>('SELECT building_id AS id FROM building_lifecycle_digests WHERE building_id > $1 AND (appears > $2 OR demolition <= $2) ORDER BY building_id LIMIT $3', [after, date, pageSize])).rows.map((r) => r.id);
      } catch (error) {
        throw storeError(error, 'the hidden buildings were not read');
      }
      if (ids.length > 0) yield ids;
      if (ids.length < pageSize) return;
      after = ids[ids.length - 1]!;
    }
  }

  async *records(pageSize = 1_000): AsyncGenerator<BuildingLifecycle[]> {
    for (let after = ''; ; ) {
      let rows: { building_id: string; record: string }[];
      try {
        rows = (await this.pool.query<{ building_id: string; record: string }>('SELECT building_id, record FROM building_lifecycles WHERE building_id > $1 ORDER BY building_id LIMIT $2', [after, pageSize])).rows;
      } catch (error) {
        throw storeError(error, 'the records were not read');
      }
      if (rows.length > 0) yield rows.map((row) => JSON.parse(row.record) as BuildingLifecycle);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.building_id;
    }
  }

  async overdueAmong(ids: readonly string[], today: string): Promise<number> {
    if (ids.length === 0) return 0;
    try {
      const { rows } = await this.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM building_lifecycle_digests WHERE building_id = ANY($1::text[])
         AND completion IS NOT NULL AND completion <= $2 AND (demolition IS NULL OR demolition > $2) AND since < $3`,
        [ids, today, yearsBefore(today, DEFAULT_INSPECTION_INTERVAL_YEARS)],
      );
      return rows[0]!.n;
    } catch (error) {
      throw storeError(error, 'the inspections were not counted');
    }
  }

  async overview(what: LifecycleOverview): Promise<ReadAnswer> {
    const timeout = Math.max(1, Math.floor(Math.min(this.limits.maximumReadMilliseconds, this.statementTimeout)));
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      return errorAnswer(503, `the database is unreachable (${(error as Error).message}): try again shortly`);
    }
    let broken = false;
    try {
      // One snapshot: a count and its rows agree even while another process writes.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${timeout}`);
      const json = await this.overviewJson(client, what, new ReadBudget(this.limits));
      await client.query('COMMIT');
      return { status: 200, body: json };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      if (error instanceof ReadLimitError) return errorAnswer(400, error.message);
      if ((error as { code?: string }).code === '57014') return errorAnswer(503, `the read took longer than ${timeout} ms, the database's statement timeout: try again when the server is less busy`);
      if (unavailable(error)) {
        broken = true;
        return errorAnswer(503, `the database is unreachable (${(error as Error).message}): try again shortly`);
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async listRows(client: pg.ClientBase, list: InspectionList, today: string, offset: number, limit: number, budget: ReadBudget): Promise<unknown[]> {
    const { where, order, columns } = LISTS[list];
    const [text, values] = positional(`SELECT ${columns} FROM building_lifecycle_digests WHERE ${where} AND ${IN_USE} ORDER BY ${order} LIMIT @limit OFFSET @offset`, { ...listParameters(today), limit, offset });
    const { rows } = await client.query<Record<string, unknown>>(text, values);
    for (let i = 0; i < rows.length; i++) budget.spendRow(64);
    return rows;
  }

  private listCount(client: pg.ClientBase, list: InspectionList, today: string): Promise<number> {
    return countOf(client, `SELECT count(*)::int AS n FROM building_lifecycle_digests WHERE ${LISTS[list].where} AND ${IN_USE}`, listParameters(today));
  }

  private async overviewJson(client: pg.ClientBase, what: LifecycleOverview, budget: ReadBudget): Promise<string> {
    let json: string;
    if (what.kind === 'inspections') {
      const { today, limit } = what;
      const inUse = await countOf(client, `SELECT count(*)::int AS n FROM building_lifecycle_digests WHERE ${IN_USE}`, { today });
      const counted = async <L extends InspectionList>(list: L) => ({ count: await this.listCount(client, list, today), first: (await this.listRows(client, list, today, 0, limit, budget)) as InspectionSummary[L]['first'] });
      const summary: InspectionSummary = { today, intervalYears: DEFAULT_INSPECTION_INTERVAL_YEARS, inUse, overdue: await counted('overdue'), rectification: await counted('rectification'), recent: await counted('recent') };
      json = JSON.stringify(summary);
    } else if (what.kind === 'inspection-list') {
      const count = await this.listCount(client, what.list, what.today);
      const rows = (await this.listRows(client, what.list, what.today, what.offset, what.limit, budget)) as InspectionPage['rows'];
      json = JSON.stringify(pageOf(what.today, what.list, count, what.offset, what.limit, rows));
    } else {
      const parts: string[] = [];
      let length = 2;
      for (let after = ''; ; ) {
        const { rows } = await client.query<{ building_id: string; dates: string }>('SELECT building_id, dates FROM building_lifecycle_digests WHERE building_id > $1 ORDER BY building_id LIMIT $2', [after, SUMMARY_PAGE]);
        for (const row of rows) {
          budget.spendRow(64);
          const part = `${JSON.stringify(row.building_id)}:${row.dates}`;
          length += part.length + 1;
          if (length > budget.limits.maximumResponseBytes) throw budget.bytesError();
          parts.push(part);
        }
        if (rows.length < SUMMARY_PAGE) break;
        after = rows[rows.length - 1]!.building_id;
      }
      json = `{${parts.join(',')}}`;
    }
    if (json.length > budget.limits.maximumResponseBytes) throw budget.bytesError();
    budget.checkTime();
    return json;
  }

  async generation(): Promise<number> {
    try {
      return Number((await this.pool.query<{ generation: string }>('SELECT generation FROM building_lifecycle_store')).rows[0]!.generation);
    } catch (error) {
      throw storeError(error, 'the records were not read');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
