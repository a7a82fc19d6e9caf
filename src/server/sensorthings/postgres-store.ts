/**
 * The monitoring server's storage on PostgreSQL (node-postgres, PostGIS): the same behaviour as
 * the SQLite backend (database.ts, incident-engine.ts), behind MonitoringStore.
 *
 *  - Writes run one group at a time (a single writer, as with SQLite), with group commit: the
 *    writes queued while a group commits make the next group, one transaction with a savepoint
 *    per write (a failing write is rolled back and answered alone), one commit for all. Ids are
 *    given in commit order, so the stream's cursor (the last observation id) is exact, and the
 *    incident engine's view of open incidents stays the database's.
 *  - Observations are written in batches: one INSERT of arrays (unnest) per write, whatever its
 *    size (a CreateObservations body, an MQTT burst, a deep insert), and one upsert of each
 *    Datastream's newest reading into `datastream_latest`, in the same transaction.
 *  - The month partition of every observation is made before the write (postgres-schema.ts);
 *    a timer makes the next months ahead of time.
 *  - A lost or refused connection is a StoreUnavailableError (a 503 with its message): nothing
 *    was stored. The pool makes new connections by itself when the server is back.
 *  - Every statement has a timeout (`statementTimeoutMilliseconds`); a read that passes it is a
 *    503 naming the bound.
 */
import pg from 'pg';
import { applyIncidentAction, isOpenStatus, type IncidentAction, type IncidentLogAction, type IncidentStatus, type IncidentTransition, type IncidentType } from '../../domain/monitoring/incidents.ts';
import { evaluateThreshold, incidentTypeFor, type ThresholdRule } from '../../domain/monitoring/thresholds.ts';
import type { SensorState, WarningLevel } from '../../domain/monitoring/warning.ts';
import type { CompactSensor } from '../../domain/monitoring/compact-sensors.ts';
import { pathLengthMetres } from '../../domain/geometry.ts';
import { logEntryProblem } from '../../domain/emergency/linkage.ts';
import { instantMilliseconds } from '../instants.ts';
import { BadRequestError, PATCH_COLUMNS, TABLES, type DatastreamInfo, type NewObservation, type RowOutcome, type StoredObservation, type WriteResult } from './database.ts';
import type { IncidentChange, IncidentChangeRef, IncidentJson } from './incident-engine.ts';
import { idOf, type Id } from './ids.ts';
import { observationOf, pointOf, timeValue, type DatastreamPayload, type FeatureOfInterestPayload, type HistoricalLocationPayload, type LocationPayload, type PatchPayload, type PatchSetName, type ThingPayload } from './payloads.ts';
import { OPEN_INCIDENT, StoreUnavailableError, type Bbox4, type CountedTable, type MonitoringStore } from './store.ts';
import { compactSensorsOf, type LatestRow } from './compact.ts';
import { migratePostgres, WRITE_LOCK } from './postgres-schema.ts';
import { CHANGE_CHANNEL, STREAM_CHANNEL } from '../cluster/stream-feed.ts';
import type { StreamChange } from '../../domain/monitoring/api.ts';
import { executeReadPg, readEntitiesPg, readEntityPg, readTransitionsPg, type CountPolicy } from './postgres-read.ts';
import { DEFAULT_READ_BUDGET, ReadBudget, type ReadBudgetLimits } from './read.ts';
import type { ReadAnswer, ReadExecutor } from './read-pool.ts';
import type { ReadJob } from '../read-jobs.ts';
import type { EntitySetName } from './entities.ts';

export interface PostgresStoreSettings {
  /** Connections in the pool (reads; the writer takes one at a time). Default 8. */
  poolSize: number;
  /** Every statement's time bound. Default 10 s (reads: their own budget's, when shorter). */
  statementTimeoutMilliseconds: number;
  /** How long to wait for a connection before the request gets a 503. Default 5 s. */
  connectionTimeoutMilliseconds: number;
  /** `$count` exact up to this many rows, the planner's estimate past it. Default 100,000. */
  exactCountLimit: number;
  /** Months of observation partitions made ahead. Default 3. */
  partitionMonthsAhead: number;
  /** A GET's statement timeout. Default: the read budget's time (5 s), at most `statementTimeoutMilliseconds`. */
  readTimeoutMilliseconds?: number;
  /**
   * Group commit: at most this many queued writes in one transaction. Default 64, PostgreSQL's
   * cache of subtransaction ids per backend (a savepoint each; past 64, other sessions' snapshots
   * would look them up in pg_subtrans).
   */
  groupCommitRequests: number;
  /** Group commit: a group takes no more writes once it holds this many observations (one write of more is a group alone). Default 10,000. */
  groupCommitRows: number;
  /** Make the next months' partitions every hour from this process. Default true; a cluster gives it to one process (index.ts). */
  partitionTimer: boolean;
  /** A COMMIT whose connection was lost: how long to keep asking the database whether it happened. Default 20 s. */
  commitCheckMilliseconds: number;
}

export interface PostgresStoreOptions extends Partial<PostgresStoreSettings> {
  url: string;
  rules: ThresholdRule[];
  maximumFutureSkewMilliseconds?: number;
}

// bigint columns as numbers while exact, as their digits past 2^53 (ids.ts reads both).
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === 20) return (value: string) => {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : value;
    };
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

const guarded = new WeakSet<pg.PoolClient>();

/**
 * A connection from the pool. A connection lost while checked out emits an 'error' of its own:
 * the query in flight fails with it (and the caller answers 503), so the event itself is noted only.
 */
async function acquire(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  if (!guarded.has(client)) {
    guarded.add(client);
    client.on('error', () => {});
  }
  return client;
}

/** Errors that mean the database is not there (or went away), not that the request was wrong. */
function unavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (e.code && (/^08/.test(e.code) || e.code === '57P01' || e.code === '57P02' || e.code === '57P03' || e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'ENOTFOUND' || e.code === 'ETIMEDOUT')) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/.test(e.message ?? '');
}

function storeError(error: unknown): Error {
  if (error instanceof BadRequestError || error instanceof StoreUnavailableError) return error;
  if (unavailable(error)) return new StoreUnavailableError(`the database is unreachable (${(error as Error).message}): nothing was stored; try again shortly`);
  const code = (error as { code?: string }).code;
  if (code === '57014') return new StoreUnavailableError('the database did not answer within its statement timeout: nothing was stored; try again shortly');
  if (code === '23503') return new BadRequestError(`a linked entity does not exist (${(error as Error).message})`);
  if (code === '22P02' || code === '22003' || code === 'XX000') return new BadRequestError((error as Error).message);
  return error as Error;
}


/** A result as stored: a number in `result`, anything else as JSON in `result_json`. */
function resultColumns(result: unknown): [number | null, string | null] {
  return typeof result === 'number' ? [result, null] : [null, JSON.stringify(result)];
}

function resultOf(row: { result: number | null; result_json: string | null }): unknown {
  return row.result_json === null ? row.result : (JSON.parse(row.result_json) as unknown);
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
const OPEN = `('raised', 'acknowledged', 'dispatched')`;

/** A Datastream as the writes use it (DatastreamInfo): its Thing's asset, its ObservedProperty, its Thing's newest Location. */
const DATASTREAM_INFO = `SELECT d.id, d.thing_id AS "thingId", t.properties::jsonb ->> 'assetId' AS "assetId", t.properties::jsonb ->> 'assetKind' AS "assetKind",
         o.name AS "observedProperty", l.lon AS "lonDegrees", l.lat AS "latDegrees", l.id AS "locationId"
  FROM datastreams d JOIN things t ON t.id = d.thing_id JOIN observed_properties o ON o.id = d.observed_property_id
  LEFT JOIN LATERAL (SELECT location_id FROM thing_locations WHERE thing_id = t.id ORDER BY location_id DESC LIMIT 1) tl ON true
  LEFT JOIN locations l ON l.id = tl.location_id`;

interface DatastreamRow {
  id: number;
  thingId: number;
  assetId: string | null;
  assetKind: string | null;
  observedProperty: string;
  lonDegrees: number | null;
  latDegrees: number | null;
  locationId: number | null;
}

interface IncidentRow {
  id: number;
  type: IncidentType;
  level: WarningLevel;
  status: IncidentStatus;
  lon: number;
  lat: number;
  asset_ids: string;
  alarm_active: number;
  raised_at: number;
  updated_at: number;
}

const stateToNumber = (state: SensorState) => (state === 'normal' ? 0 : state);
const MONTH_MS = 31 * 86_400_000;

type Client = pg.PoolClient;

/** A write waiting for its group. */
interface QueuedWrite {
  work: (client: Client) => Promise<unknown>;
  written?: (result: unknown) => WriteResult | undefined;
  /** Its observations' phenomenon times (their month partitions; their count bounds the group). */
  months: number[];
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
  settled?: boolean;
}

export class PostgresMonitoringStore implements MonitoringStore {
  readonly backend = 'postgres' as const;
  readonly settings: PostgresStoreSettings;
  private publish: (result: WriteResult) => void | Promise<void> = () => {};
  private readonly rules = new Map<string, ThresholdRule>();
  /**
   * Each Datastream that is a source of an open incident: that incident and the source's state.
   * A reading whose state is the one recorded then needs no query (a storm keeps sensors over
   * their thresholds for thousands of readings). Read again after a rollback or a closing action.
   */
  private openSources = new Map<number, { id: number; state: number }>();
  private openSourcesStale = false;
  private readonly datastreamCache = new Map<number, DatastreamInfo>();
  /** The cluster's write counters (sta_write_epoch) as this process last left them: another process wrote when they moved. */
  private epoch: { writes: number; entities: number } | undefined;
  /** A write of the running group changed Things, Locations or Datastreams (other processes read theirs again). */
  private groupChangedEntities = false;
  /** Month partitions known to exist, by their first epoch ms. */
  private readonly partitions = new Set<number>();
  private writes: Promise<unknown> = Promise.resolve();
  /** Writes waiting for the next group (group commit). */
  private readonly queue: QueuedWrite[] = [];
  private groupScheduled = false;
  /** Groups committed, the writes in them, the largest group (tests and the bench read it). */
  readonly groupStatistics = { groups: 0, writes: 0, largest: 0 };
  private readonly maintenance: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(readonly pool: pg.Pool, private readonly options: PostgresStoreOptions) {
    this.settings = {
      poolSize: options.poolSize ?? 8,
      statementTimeoutMilliseconds: options.statementTimeoutMilliseconds ?? 10_000,
      connectionTimeoutMilliseconds: options.connectionTimeoutMilliseconds ?? 5_000,
      exactCountLimit: options.exactCountLimit ?? 100_000,
      partitionMonthsAhead: options.partitionMonthsAhead ?? 3,
      readTimeoutMilliseconds: options.readTimeoutMilliseconds,
      groupCommitRequests: Math.max(1, options.groupCommitRequests ?? 64),
      groupCommitRows: options.groupCommitRows ?? 10_000,
      partitionTimer: options.partitionTimer ?? true,
      commitCheckMilliseconds: options.commitCheckMilliseconds ?? 20_000,
    };
    for (const rule of options.rules) this.rules.set(rule.observedProperty, rule);
    if (this.settings.partitionTimer) {
      this.maintenance = setInterval(() => void this.makePartitionsAhead().catch(() => {}), 3_600_000);
      this.maintenance.unref();
    }
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresMonitoringStore> {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 8,
      statement_timeout: options.statementTimeoutMilliseconds ?? 10_000,
      connectionTimeoutMillis: options.connectionTimeoutMilliseconds ?? 5_000,
      idleTimeoutMillis: 30_000,
      types: TYPES,
    });
    // An idle connection the server dropped: the pool forgets it and makes a new one when asked.
    pool.on('error', () => {});
    const store = new PostgresMonitoringStore(pool, options);
    const client = await acquire(pool);
    try {
      await migratePostgres(client);
      await store.readOpenSources(client);
    } finally {
      client.release();
    }
    await store.makePartitionsAhead();
    return store;
  }

  private async readOpenSources(client: pg.ClientBase): Promise<void> {
    const { rows } = await client.query<{ datastream_id: number; id: number; state: number }>(`SELECT DISTINCT ON (s.datastream_id) s.datastream_id, i.id, s.state FROM incident_sources s JOIN incidents i ON i.id = s.incident_id WHERE i.status IN ${OPEN} ORDER BY s.datastream_id, i.id DESC`);
    this.openSources = new Map(rows.map((r) => [r.datastream_id, { id: r.id, state: r.state }]));
    this.openSourcesStale = false;
  }

  /** Month partitions from last month to `partitionMonthsAhead` ahead. */
  async makePartitionsAhead(nowMs = Date.now()): Promise<number> {
    return this.serial(async () => {
      const { rows } = await this.pool.query<{ n: number }>('SELECT sta_ensure_observation_partitions($1, $2) AS n', [nowMs - MONTH_MS, nowMs + this.settings.partitionMonthsAhead * MONTH_MS]);
      return rows[0]!.n;
    });
  }

  setPublisher(publish: (result: WriteResult) => void | Promise<void>): void {
    this.publish = publish;
  }

  /** A write changed what the datastream cache holds: forget it here, and tell the other processes through the group's epoch. */
  private entitiesChanged(): void {
    this.datastreamCache.clear();
    this.groupChangedEntities = true;
  }

  /**
   * The cluster's write counters as a group finds them under the write lock: when they moved since
   * this process's last group, another process wrote in between, so what this one keeps of open
   * incidents (and of datastreams, when entities changed) is read again before use.
   */
  private noteEpoch(epoch: { writes: number; entities: number }): void {
    if (!this.epoch || epoch.writes !== this.epoch.writes) this.openSourcesStale = true;
    if (!this.epoch || epoch.entities !== this.epoch.entities) this.datastreamCache.clear();
  }

  /** Another process's group changed entities (its notification says so): the datastream cache is read again (the stream feed calls this). */
  noteRemoteEntities(entities: number): void {
    if (!this.epoch || entities !== this.epoch.entities) this.datastreamCache.clear();
  }

  /** Run writes (groups of them), partition making and retention one at a time. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writes.then(work, work);
    this.writes = run.catch(() => {});
    return run;
  }

  /**
   * One write: queued, then run in the next group (`runGroup`): its own savepoint in the group's
   * transaction; published after the group's commit, in order, before its promise resolves.
   */
  private write<T>(work: (client: Client) => Promise<T>, written?: (result: T) => WriteResult | undefined, months: number[] = []): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, written, months, resolve, reject } as QueuedWrite);
      this.scheduleGroup();
    });
  }

  /** A group runs after the writes before it (the chain); the writes that come meanwhile wait in the queue for the next. */
  private scheduleGroup(): void {
    if (this.groupScheduled || !this.queue.length) return;
    this.groupScheduled = true;
    void this.serial(async () => {
      this.groupScheduled = false;
      const group = this.takeGroup();
      // More than one group's worth waiting: the next group goes on the chain now.
      this.scheduleGroup();
      await this.runGroup(group);
    });
  }

  /** The queued writes, oldest first, up to `groupCommitRequests` of them and about `groupCommitRows` observations (at least one write). */
  private takeGroup(): QueuedWrite[] {
    const group: QueuedWrite[] = [];
    let rows = 0;
    while (this.queue.length && group.length < this.settings.groupCommitRequests) {
      const next = this.queue[0]!;
      if (group.length && rows + next.months.length > this.settings.groupCommitRows) break;
      rows += next.months.length;
      group.push(this.queue.shift()!);
    }
    return group;
  }

  /**
   * Group commit: every write of the group in one transaction on one connection, each behind a
   * savepoint (when the group has more than one), so one commit (one fsync) serves them all.
   *  - A write that fails (a 400, a violated constraint, its statement timeout) is rolled back to
   *    its savepoint and answered with its error alone; the others go on.
   *  - The database unreachable (or the commit refused): every write of the group is answered
   *    with the 503 and nothing of the group is stored.
   *  - After the commit, each write's result is published, in the group's order (ids are given in
   *    that order, and groups run one at a time: ids stay in commit order), then answered.
   */
  private async runGroup(group: QueuedWrite[]): Promise<void> {
    if (!group.length) return;
    const failAll = (error: unknown) => {
      for (const w of group) if (!w.settled) w.reject(storeError(error));
    };
    let client: Client;
    try {
      client = await acquire(this.pool);
    } catch (error) {
      failAll(error);
      return;
    }
    let broken = false;
    let open = false;
    const forget = () => {
      this.datastreamCache.clear();
      this.openSourcesStale = true;
    };
    try {
      // The month partitions, before the transaction (DDL outside the group): a write whose months cannot be made fails alone.
      const running: QueuedWrite[] = [];
      for (const w of group) {
        try {
          await this.ensureMonths(client, w.months);
          running.push(w);
        } catch (error) {
          if (unavailable(error)) throw error;
          w.settled = true;
          w.reject(storeError(error));
        }
      }
      if (!running.length) return;
      const savepoints = running.length > 1;
      // One group at a time across every process on this database: ids are then given in commit
      // order everywhere (the stream's global cursor), and the incident engine sees every earlier
      // group's incidents (one incident per condition, whichever process took the reading). The
      // counters are read in a statement after the lock's, so its snapshot includes the last holder's commit.
      // One round trip (a group's fixed statements are most of a small group's time): the counters'
      // statement still takes its own snapshot, after the lock's. Open before it is sent: if a
      // statement after BEGIN fails, the ROLLBACK below ends the transaction.
      open = true;
      const begun = (await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK}); SELECT writes, entities FROM sta_write_epoch`)) as unknown as pg.QueryResult<{ writes: number; entities: number }>[];
      this.noteEpoch(begun.at(-1)!.rows[0]!);
      this.groupChangedEntities = false;
      if (savepoints) await client.query('SAVEPOINT w');
      const done: { w: QueuedWrite; result: unknown }[] = [];
      for (let i = 0; i < running.length; i++) {
        const w = running[i]!;
        if (i > 0) await client.query('RELEASE SAVEPOINT w; SAVEPOINT w');
        try {
          done.push({ w, result: await w.work(client) });
        } catch (error) {
          if (!savepoints || unavailable(error)) throw error;
          forget();
          await client.query('ROLLBACK TO SAVEPOINT w');
          w.settled = true;
          w.reject(storeError(error));
        }
      }
      // What the group gives the stream; every process's feed reads it back after the commit (cluster/stream-feed.ts).
      const outputs: { w: QueuedWrite; result: unknown; published?: WriteResult }[] = [];
      let lastObservation = 0;
      let firstObservation = 0;
      let lastEvent = 0;
      for (const { w, result } of done) {
        try {
          const published = w.written?.(result);
          for (const o of published?.observations ?? []) {
            lastObservation = Math.max(lastObservation, o.id);
            firstObservation = firstObservation === 0 ? o.id : Math.min(firstObservation, o.id);
          }
          for (const c of published?.incidents ?? []) lastEvent = Math.max(lastEvent, c.eventId);
          outputs.push({ w, result, published });
        } catch (error) {
          w.settled = true;
          w.reject(error);
        }
      }
      // The counters and the stream's notification (with the counters' new `entities`) in one statement.
      const notification = lastObservation || lastEvent ? JSON.stringify({ o: lastObservation, ...(firstObservation ? { f: firstObservation } : {}), e: lastEvent }) : null;
      const { xid, writes, entities } = (
        await client.query<{ writes: number; entities: number; xid: string }>(
          `WITH counters AS (UPDATE sta_write_epoch SET writes = writes + 1, entities = entities + $1 RETURNING writes, entities, txid_current()::text AS xid)
           SELECT writes, entities, xid, CASE WHEN $2::jsonb IS NOT NULL THEN pg_notify($3, jsonb_set($2::jsonb, '{entities}', to_jsonb(entities))::text) END AS notified FROM counters`,
          [this.groupChangedEntities ? 1 : 0, notification, STREAM_CHANNEL],
        )
      ).rows[0]!;
      const epoch = { writes, entities };
      try {
        await client.query('COMMIT');
        open = false;
      } catch (error) {
        if (!unavailable(error)) throw error;
        // The connection went as the COMMIT was sent: the group may or may not be stored. Ask
        // the database, once it answers again, rather than tell the clients "nothing was stored".
        open = false;
        broken = true;
        const outcome = await this.commitOutcome(xid);
        if (outcome === 'aborted') throw error;
        if (outcome === 'unknown') throw new StoreUnavailableError(`the database went away during the commit and did not answer within ${this.settings.commitCheckMilliseconds / 1000} s: these readings may have been stored; read them back before sending them again`);
      }
      this.epoch = epoch;
      this.groupStatistics.groups++;
      this.groupStatistics.writes += running.length;
      this.groupStatistics.largest = Math.max(this.groupStatistics.largest, running.length);
      for (const { w, result, published } of outputs) {
        w.settled = true;
        let delivered: void | Promise<void> = undefined;
        try {
          if (published && (published.observations.length || published.incidents.length)) delivered = this.publish(published);
        } catch (error) {
          w.reject(error);
          continue;
        }
        // Answered once the stream has it: a client never sees its write answered before the stream sends it.
        if (delivered) delivered.then(() => w.resolve(result), () => w.resolve(result));
        else w.resolve(result);
      }
    } catch (error) {
      forget();
      if (unavailable(error)) broken = true;
      if (open) await client.query('ROLLBACK').catch(() => (broken = true));
      failAll(error);
    } finally {
      client.release(broken);
    }
  }

  /**
   * Whether a transaction whose COMMIT lost its connection was committed (`txid_status`), asked
   * again and again until the database answers or `commitCheckMilliseconds` pass.
   */
  private async commitOutcome(xid: string): Promise<'committed' | 'aborted' | 'unknown'> {
    const deadline = Date.now() + this.settings.commitCheckMilliseconds;
    while (Date.now() < deadline) {
      try {
        const { rows } = await this.pool.query<{ status: string | null }>('SELECT txid_status($1::bigint) AS status', [xid]);
        const status = rows[0]?.status;
        if (status === 'committed') return 'committed';
        if (status === 'aborted') return 'aborted';
        if (status === null || status === undefined) return 'unknown';
      } catch {
        // Not back yet.
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return 'unknown';
  }

  /** Make the month partitions of these times, before the write's transaction. */
  private async ensureMonths(client: Client, times: number[]): Promise<void> {
    const missing = new Set<number>();
    for (const ms of times) {
      const date = new Date(ms);
      const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
      if (!this.partitions.has(start)) missing.add(start);
    }
    for (const start of missing) {
      await client.query('SELECT sta_ensure_observation_partition($1)', [start]);
      this.partitions.add(start);
    }
  }

  private async readOnly<T>(work: (client: Client) => Promise<T>): Promise<T> {
    let client: Client;
    try {
      client = await acquire(this.pool);
    } catch (error) {
      throw storeError(error);
    }
    let broken = false;
    try {
      return await work(client);
    } catch (error) {
      if (unavailable(error)) broken = true;
      throw storeError(error);
    } finally {
      client.release(broken);
    }
  }

  // ——— entities ———

  private async requireExisting(client: Client, table: string, id: Id, what: string): Promise<void> {
    const { rowCount } = await client.query(`SELECT 1 FROM ${table} WHERE id = $1`, [String(id)]);
    if (!rowCount) throw new BadRequestError(`${what} ${id} does not exist`);
  }

  private async insertId(client: Client, sql: string, parameters: unknown[]): Promise<Id> {
    const { rows } = await client.query<{ id: string }>(`${sql} RETURNING CAST(id AS TEXT) AS id`, parameters);
    return idOf(rows[0]!.id);
  }

  private async datastream(client: Client, id: number): Promise<DatastreamInfo | undefined> {
    return (await this.datastreams(client, [id])).get(id);
  }

  /**
   * These Datastreams (those that exist), from the cache, with one query for all the ones it
   * lacks: a batch of readings from 1,000 sensors not seen yet is one statement, not 1,000 (at
   * 85,000 registered sensors, a cold cache made a CreateObservations of 1,000 take about 3 s).
   */
  private async datastreams(client: Client, ids: Iterable<number>): Promise<Map<number, DatastreamInfo>> {
    const found = new Map<number, DatastreamInfo>();
    const missing = new Set<number>();
    for (const id of ids) {
      const info = this.datastreamCache.get(id);
      if (info) found.set(id, info);
      else missing.add(id);
    }
    if (!missing.size) return found;
    // An id that is not an exact integer is looked up alone, as before (its statement's error is the write's).
    const exact = [...missing].filter((id) => Number.isSafeInteger(id));
    const odd = [...missing].filter((id) => !Number.isSafeInteger(id));
    const rows: DatastreamRow[] = [];
    if (exact.length) rows.push(...(await client.query<DatastreamRow>(`${DATASTREAM_INFO} WHERE d.id = ANY($1::bigint[])`, [exact])).rows);
    for (const id of odd) rows.push(...(await client.query<DatastreamRow>(`${DATASTREAM_INFO} WHERE d.id = $1`, [id])).rows);
    for (const row of rows) {
      const info: DatastreamInfo = { id: row.id, thingId: row.thingId, observedProperty: row.observedProperty, assetId: row.assetId ?? undefined, assetKind: row.assetKind ?? undefined, lonDegrees: row.lonDegrees ?? undefined, latDegrees: row.latDegrees ?? undefined, locationId: row.locationId ?? undefined };
      this.datastreamCache.set(info.id, info);
      found.set(info.id, info);
    }
    return found;
  }

  private async insertLocation(client: Client, location: LocationPayload): Promise<Id> {
    const [lon, lat] = pointOf(location.location);
    return this.insertId(client, 'INSERT INTO locations (name, description, encoding_type, location, lon, lat, geom, properties) VALUES ($1, $2, $3, $4, $5::float8, $6::float8, CASE WHEN $5::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($5::float8, $6::float8), 4326) END, $7)', [
      location.name, location.description, location.encodingType, JSON.stringify(location.location), lon, lat, json(location.properties),
    ]);
  }

  private async createSensorRow(client: Client, s: Parameters<MonitoringStore['createSensor']>[0]): Promise<Id> {
    return this.insertId(client, 'INSERT INTO sensors (name, description, encoding_type, metadata, properties) VALUES ($1, $2, $3, $4, $5)', [s.name, s.description, s.encodingType, s.metadata, json(s.properties)]);
  }

  private async createObservedPropertyRow(client: Client, p: Parameters<MonitoringStore['createObservedProperty']>[0]): Promise<Id> {
    return this.insertId(client, 'INSERT INTO observed_properties (name, definition, description, properties) VALUES ($1, $2, $3, $4)', [p.name, p.definition, p.description, json(p.properties)]);
  }

  private async insertDatastream(client: Client, thingId: Id, d: DatastreamPayload): Promise<Id> {
    let sensorId: Id;
    if ('@iot.id' in d.Sensor) {
      await this.requireExisting(client, 'sensors', d.Sensor['@iot.id'], 'Sensor');
      sensorId = d.Sensor['@iot.id'];
    } else sensorId = await this.createSensorRow(client, d.Sensor);
    let propertyId: Id;
    if ('@iot.id' in d.ObservedProperty) {
      await this.requireExisting(client, 'observed_properties', d.ObservedProperty['@iot.id'], 'ObservedProperty');
      propertyId = d.ObservedProperty['@iot.id'];
    } else propertyId = await this.createObservedPropertyRow(client, d.ObservedProperty);
    return this.insertId(client, 'INSERT INTO datastreams (name, description, observation_type, unit, properties, thing_id, sensor_id, observed_property_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      d.name, d.description, d.observationType, JSON.stringify(d.unitOfMeasurement), json(d.properties), String(thingId), String(sensorId), String(propertyId),
    ]);
  }

  private async insertFeatureOfInterest(client: Client, f: FeatureOfInterestPayload): Promise<Id> {
    const [lon, lat] = pointOf(f.feature);
    return this.insertId(client, 'INSERT INTO features_of_interest (name, description, encoding_type, feature, lon, lat, geom, properties) VALUES ($1, $2, $3, $4, $5::float8, $6::float8, CASE WHEN $5::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($5::float8, $6::float8), 4326) END, $7)', [
      f.name, f.description, f.encodingType, JSON.stringify(f.feature), lon, lat, json(f.properties),
    ]);
  }

  private async featureOfInterestOfLocation(client: Client, locationId: Id): Promise<Id> {
    const { rows } = await client.query<{ id: string }>('SELECT CAST(id AS TEXT) AS id FROM features_of_interest WHERE location_id = $1', [String(locationId)]);
    if (rows[0]) return idOf(rows[0].id);
    return this.insertId(client, 'INSERT INTO features_of_interest (name, description, encoding_type, feature, lon, lat, geom, location_id) SELECT name, description, encoding_type, location, lon, lat, geom, id FROM locations WHERE id = $1', [String(locationId)]);
  }

  /**
   * The FeaturesOfInterest of these Locations, each made from its Location the first time (as
   * `featureOfInterestOfLocation`), in two statements for all of them; made in the order given.
   */
  private async featuresOfInterestOfLocations(client: Client, locationIds: number[]): Promise<Map<number, Id>> {
    const found = new Map<number, Id>();
    const { rows } = await client.query<{ id: string; location: string }>('SELECT CAST(id AS TEXT) AS id, CAST(location_id AS TEXT) AS location FROM features_of_interest WHERE location_id = ANY($1::bigint[])', [locationIds]);
    for (const r of rows) found.set(Number(r.location), idOf(r.id));
    const missing = locationIds.filter((l) => !found.has(l));
    if (missing.length) {
      const { rows: made } = await client.query<{ id: string; location: string }>(
        `INSERT INTO features_of_interest (name, description, encoding_type, feature, lon, lat, geom, location_id)
         SELECT l.name, l.description, l.encoding_type, l.location, l.lon, l.lat, l.geom, l.id
         FROM unnest($1::bigint[]) WITH ORDINALITY AS m (location_id, n) JOIN locations l ON l.id = m.location_id ORDER BY m.n
         RETURNING CAST(id AS TEXT) AS id, CAST(location_id AS TEXT) AS location`,
        [missing],
      );
      for (const r of made) found.set(Number(r.location), idOf(r.id));
    }
    return found;
  }

  private async insertHistoricalLocation(client: Client, thingId: Id, locationIds: Id[], timeMs: number): Promise<Id> {
    const id = await this.insertId(client, 'INSERT INTO historical_locations (thing_id, time) VALUES ($1, $2)', [String(thingId), timeMs]);
    for (const locationId of locationIds) await client.query('INSERT INTO historical_location_locations (historical_location_id, location_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [String(id), String(locationId)]);
    return id;
  }

  private async linkLocation(client: Client, thingId: Id, locationId: Id): Promise<void> {
    await client.query('INSERT INTO thing_locations (thing_id, location_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [String(thingId), String(locationId)]);
  }

  private nestedObservations(datastreamId: number, datastream: DatastreamPayload, nowMs: number): NewObservation[] {
    return (datastream.Observations ?? []).map((o, i) => {
      const observation = observationOf(o, datastreamId, { now: nowMs, maximumFutureSkewMilliseconds: this.options.maximumFutureSkewMilliseconds });
      if (typeof observation === 'string') throw new BadRequestError(`Observations.${i}: ${observation}`);
      return observation;
    });
  }

  private static nestedTimes(datastreams: DatastreamPayload[] | undefined): number[] {
    const times: number[] = [];
    for (const d of datastreams ?? []) for (const o of d.Observations ?? []) {
      const t = timeValue((o as { phenomenonTime?: unknown }).phenomenonTime);
      times.push(t ? t.startMs : Date.now());
    }
    return times;
  }

  createThing(thing: ThingPayload, nowMs = Date.now()): Promise<{ id: Id; written: WriteResult }> {
    return this.write(async (client) => {
      const id = await this.insertId(client, 'INSERT INTO things (name, description, properties) VALUES ($1, $2, $3)', [thing.name, thing.description, json(thing.properties)]);
      const locationIds: Id[] = [];
      for (const location of thing.Locations ?? []) {
        if ('@iot.id' in location) {
          await this.requireExisting(client, 'locations', location['@iot.id'], 'Location');
          locationIds.push(location['@iot.id']);
        } else locationIds.push(await this.insertLocation(client, location));
      }
      for (const locationId of locationIds) await this.linkLocation(client, id, locationId);
      if (locationIds.length) await this.insertHistoricalLocation(client, id, locationIds, nowMs);
      const observations: NewObservation[] = [];
      for (const datastream of thing.Datastreams ?? []) {
        const datastreamId = await this.insertDatastream(client, id, datastream);
        observations.push(...this.nestedObservations(Number(datastreamId), datastream, nowMs));
      }
      this.entitiesChanged();
      return { id, written: await this.storeAll(client, observations) };
    }, (r) => r.written, PostgresMonitoringStore.nestedTimes(thing.Datastreams));
  }

  createLocation(location: LocationPayload, nowMs = Date.now()): Promise<Id> {
    return this.write(async (client) => {
      const id = await this.insertLocation(client, location);
      for (const thing of location.Things ?? []) {
        await this.requireExisting(client, 'things', thing['@iot.id'], 'Thing');
        await this.linkLocation(client, thing['@iot.id'], id);
        await this.insertHistoricalLocation(client, thing['@iot.id'], [id], nowMs);
      }
      this.entitiesChanged();
      return id;
    });
  }

  createSensor(sensor: Parameters<MonitoringStore['createSensor']>[0]): Promise<Id> {
    return this.write((client) => this.createSensorRow(client, sensor));
  }

  createObservedProperty(property: Parameters<MonitoringStore['createObservedProperty']>[0]): Promise<Id> {
    return this.write((client) => this.createObservedPropertyRow(client, property));
  }

  createFeatureOfInterest(feature: FeatureOfInterestPayload): Promise<Id> {
    return this.write((client) => this.insertFeatureOfInterest(client, feature));
  }

  createHistoricalLocation(h: HistoricalLocationPayload, timeMs: number): Promise<Id> {
    return this.write(async (client) => {
      await this.requireExisting(client, 'things', h.Thing['@iot.id'], 'Thing');
      for (const l of h.Locations) await this.requireExisting(client, 'locations', l['@iot.id'], 'Location');
      return this.insertHistoricalLocation(client, h.Thing['@iot.id'], h.Locations.map((l) => l['@iot.id']), timeMs);
    });
  }

  createDatastream(thingId: Id, datastream: DatastreamPayload, nowMs = Date.now()): Promise<{ id: Id; written: WriteResult }> {
    return this.write(async (client) => {
      await this.requireExisting(client, 'things', thingId, 'Thing');
      const id = await this.insertDatastream(client, thingId, datastream);
      this.entitiesChanged();
      return { id, written: await this.storeAll(client, this.nestedObservations(Number(id), datastream, nowMs)) };
    }, (r) => r.written, PostgresMonitoringStore.nestedTimes([datastream]));
  }

  // ——— observations ———

  private async featureOfInterestOf(client: Client, o: NewObservation, info: DatastreamInfo): Promise<Id> {
    if (o.featureOfInterestId !== undefined) {
      await this.requireExisting(client, 'features_of_interest', o.featureOfInterestId, 'FeatureOfInterest');
      return o.featureOfInterestId;
    }
    if (o.featureOfInterest) return this.insertFeatureOfInterest(client, o.featureOfInterest);
    if (info.locationId === undefined) throw new BadRequestError(`FeatureOfInterest: the Thing of Datastream ${o.datastreamId} has no Location to take it from; give one ({"@iot.id": n} or a new one)`);
    info.featureOfInterestId ??= await this.featureOfInterestOfLocation(client, info.locationId);
    return info.featureOfInterestId;
  }

  /**
   * Check each row (its Datastream, its FeatureOfInterest), then store the good ones with one
   * INSERT, run the thresholds in order, and keep each Datastream's newest reading. A row that
   * fails its checks is answered with its error (`rowErrors`) or, without it, fails the write.
   */
  private async storeRows(client: Client, rows: (NewObservation | string)[], rowErrors: boolean): Promise<{ outcomes: RowOutcome[]; written: WriteResult }> {
    const outcomes: RowOutcome[] = new Array(rows.length);
    const good: { index: number; o: NewObservation; info: DatastreamInfo; featureOfInterestId: Id }[] = [];
    // The rows' Datastreams, and the FeaturesOfInterest of their Locations for the rows that name
    // none, for all rows at once (the cache holds them after): a few statements per write, not a few per row.
    const readings = rows.filter((row): row is NewObservation => typeof row !== 'string');
    const infos = await this.datastreams(client, readings.map((row) => row.datastreamId));
    const locations = new Set<number>();
    for (const row of readings) {
      const info = infos.get(row.datastreamId);
      if (info && row.featureOfInterestId === undefined && !row.featureOfInterest && info.locationId !== undefined && info.featureOfInterestId === undefined) locations.add(info.locationId);
    }
    if (locations.size) {
      const features = await this.featuresOfInterestOfLocations(client, [...locations]);
      for (const info of infos.values()) if (info.locationId !== undefined) info.featureOfInterestId ??= features.get(info.locationId);
    }
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (typeof row === 'string') {
        outcomes[i] = { error: row };
        continue;
      }
      try {
        const info = infos.get(row.datastreamId);
        if (!info) throw new BadRequestError(`Datastream ${row.datastreamId} does not exist`);
        good.push({ index: i, o: row, info, featureOfInterestId: await this.featureOfInterestOf(client, row, info) });
      } catch (error) {
        if (!rowErrors || !(error instanceof BadRequestError)) throw error;
        outcomes[i] = { error: error.message };
      }
    }
    const stored: StoredObservation[] = [];
    const changes = new Map<number, IncidentChangeRef>();
    if (good.length) {
      const { rows: ids } = await client.query<{ id: number }>("SELECT nextval('observations_id_seq') AS id FROM generate_series(1, $1) ORDER BY 1", [good.length]);
      const columns = { id: [] as number[], datastream: [] as number[], time: [] as number[], end: [] as (number | null)[], resultTime: [] as (number | null)[], result: [] as (number | null)[], resultJson: [] as (string | null)[], parameters: [] as (string | null)[], foi: [] as string[] };
      good.forEach((g, k) => {
        const [result, resultJson] = resultColumns(g.o.result);
        columns.id.push(ids[k]!.id);
        columns.datastream.push(g.o.datastreamId);
        columns.time.push(g.o.phenomenonTimeMs);
        columns.end.push(g.o.phenomenonTimeEndMs ?? null);
        columns.resultTime.push(g.o.resultTimeMs);
        columns.result.push(result);
        columns.resultJson.push(resultJson);
        columns.parameters.push(g.o.parameters ? JSON.stringify(g.o.parameters) : null);
        columns.foi.push(String(g.featureOfInterestId));
      });
      await client.query(
        `INSERT INTO observations (id, datastream_id, phenomenon_time, phenomenon_time_end, result_time, result, result_json, parameters, feature_of_interest_id)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::float8[], $7::text[], $8::text[], $9::bigint[])`,
        [columns.id, columns.datastream, columns.time, columns.end, columns.resultTime, columns.result, columns.resultJson, columns.parameters, columns.foi],
      );
      for (let k = 0; k < good.length; k++) {
        const { index, o, info } = good[k]!;
        const id = ids[k]!.id;
        const value = typeof o.result === 'number' ? o.result : Number.NaN;
        const { state, change } = await this.observe(client, info, id, value, o.phenomenonTimeMs);
        if (change) changes.set(change.incidentId, change);
        stored.push({ id, datastreamId: o.datastreamId, thingId: info.thingId, assetId: info.assetId, observedProperty: info.observedProperty, lonDegrees: info.lonDegrees, latDegrees: info.latDegrees, result: o.result, phenomenonTimeMs: o.phenomenonTimeMs, state });
        outcomes[index] = { id };
      }
      await this.keepLatest(client, stored.map((s, k) => ({ ...s, resultColumns: [columns.result[k]!, columns.resultJson[k]!] })));
    }
    const incidents: IncidentChange[] = [];
    for (const c of changes.values()) incidents.push({ ...c, incident: (await this.incidentJson(client, c.incidentId))! });
    return { outcomes, written: { observations: stored, incidents } };
  }

  /** Each Datastream's newest reading of this write into `datastream_latest`, unless one newer is there. */
  private async keepLatest(client: Client, stored: (StoredObservation & { resultColumns: [number | null, string | null] })[]): Promise<void> {
    const newest = new Map<number, (typeof stored)[number]>();
    for (const s of stored) {
      const seen = newest.get(s.datastreamId);
      if (!seen || s.phenomenonTimeMs > seen.phenomenonTimeMs || (s.phenomenonTimeMs === seen.phenomenonTimeMs && s.id > seen.id)) newest.set(s.datastreamId, s);
    }
    const rows = [...newest.values()];
    await client.query(
      `INSERT INTO datastream_latest (datastream_id, observation_id, phenomenon_time, result, result_json)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::float8[], $5::text[])
       ON CONFLICT (datastream_id) DO UPDATE SET observation_id = excluded.observation_id, phenomenon_time = excluded.phenomenon_time, result = excluded.result, result_json = excluded.result_json
       WHERE (excluded.phenomenon_time, excluded.observation_id) >= (datastream_latest.phenomenon_time, datastream_latest.observation_id)`,
      [rows.map((r) => r.datastreamId), rows.map((r) => r.id), rows.map((r) => r.phenomenonTimeMs), rows.map((r) => r.resultColumns[0]), rows.map((r) => r.resultColumns[1])],
    );
  }

  /** Read a Datastream's newest reading again (after a delete or a change of an observation). */
  private async recomputeLatest(client: Client, datastreamIds: Id[]): Promise<void> {
    for (const id of datastreamIds) {
      await client.query('DELETE FROM datastream_latest WHERE datastream_id = $1', [String(id)]);
      await client.query('INSERT INTO datastream_latest (datastream_id, observation_id, phenomenon_time, result, result_json) SELECT datastream_id, id, phenomenon_time, result, result_json FROM observations WHERE datastream_id = $1 ORDER BY phenomenon_time DESC, id DESC LIMIT 1', [String(id)]);
    }
  }

  private storeAll(client: Client, observations: NewObservation[]): Promise<WriteResult> {
    return this.storeRows(client, observations, false).then((r) => r.written);
  }

  insertObservations(observations: NewObservation[]): Promise<WriteResult> {
    return this.write((client) => this.storeAll(client, observations), (r) => r, observations.map((o) => o.phenomenonTimeMs));
  }

  insertObservationRows(rows: (NewObservation | string)[]): Promise<{ outcomes: RowOutcome[]; written: WriteResult }> {
    return this.write((client) => this.storeRows(client, rows, true), (r) => r.written, rows.flatMap((r) => (typeof r === 'string' ? [] : [r.phenomenonTimeMs])));
  }

  // ——— PATCH and DELETE ———

  update<S extends PatchSetName>(set: S, id: Id, patch: PatchPayload<S>, nowMs = Date.now()): Promise<boolean> {
    const table = TABLES[set];
    const p = patch as Record<string, unknown>;
    const time = set === 'Observations' && p.phenomenonTime !== undefined ? timeValue(p.phenomenonTime) : undefined;
    return this.write(async (client) => {
      const { rowCount } = await client.query(`SELECT 1 FROM ${table} WHERE id = $1`, [String(id)]);
      if (!rowCount) return false;
      const assignments: [string, unknown, string?][] = [];
      const link = async (key: string, column: string, linkedTable: string, what: string) => {
        const reference = p[key] as { '@iot.id': number } | undefined;
        if (!reference) return;
        await this.requireExisting(client, linkedTable, reference['@iot.id'], what);
        assignments.push([column, String(reference['@iot.id'])]);
      };
      for (const [key, column] of Object.entries(PATCH_COLUMNS[set])) {
        if (p[key] === undefined) continue;
        const value = p[key];
        assignments.push([column, typeof value === 'object' && value !== null ? JSON.stringify(value) : value]);
      }
      let datastreamsBefore: Id[] = [];
      switch (set) {
        case 'Locations':
        case 'FeaturesOfInterest': {
          const geometry = p[set === 'Locations' ? 'location' : 'feature'] as Parameters<typeof pointOf>[0] | undefined;
          if (geometry) {
            const [lon, lat] = pointOf(geometry);
            assignments.push(['lon', lon, 'float8'], ['lat', lat, 'float8'], ['geom', lon === undefined || lon === null ? null : JSON.stringify({ type: 'Point', coordinates: [lon, lat] }), 'geojson']);
          }
          break;
        }
        case 'Datastreams':
          await link('Thing', 'thing_id', 'things', 'Thing');
          await link('Sensor', 'sensor_id', 'sensors', 'Sensor');
          await link('ObservedProperty', 'observed_property_id', 'observed_properties', 'ObservedProperty');
          break;
        case 'Observations': {
          datastreamsBefore = (await client.query<{ d: string }>('SELECT CAST(datastream_id AS TEXT) AS d FROM observations WHERE id = $1', [String(id)])).rows.map((r) => idOf(r.d));
          await link('Datastream', 'datastream_id', 'datastreams', 'Datastream');
          await link('FeatureOfInterest', 'feature_of_interest_id', 'features_of_interest', 'FeatureOfInterest');
          if (time) assignments.push(['phenomenon_time', time.startMs], ['phenomenon_time_end', time.endMs]);
          if (p.resultTime !== undefined) assignments.push(['result_time', p.resultTime === null ? null : instantMilliseconds(p.resultTime)!]);
          if (p.result !== undefined) {
            const [result, resultJson] = resultColumns(p.result);
            assignments.push(['result', result, 'float8'], ['result_json', resultJson]);
          }
          break;
        }
        case 'HistoricalLocations': {
          await link('Thing', 'thing_id', 'things', 'Thing');
          if (p.time !== undefined) assignments.push(['time', instantMilliseconds(p.time)!]);
          const locations = p.Locations as { '@iot.id': number }[] | undefined;
          if (locations) {
            for (const l of locations) await this.requireExisting(client, 'locations', l['@iot.id'], 'Location');
            await client.query('DELETE FROM historical_location_locations WHERE historical_location_id = $1', [String(id)]);
            for (const l of locations) await client.query('INSERT INTO historical_location_locations (historical_location_id, location_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [String(id), String(l['@iot.id'])]);
          }
          break;
        }
        case 'Things': {
          const locations = p.Locations as { '@iot.id': number }[] | undefined;
          if (locations) {
            const ids = locations.map((l) => l['@iot.id']);
            for (const locationId of ids) await this.requireExisting(client, 'locations', locationId, 'Location');
            await client.query('DELETE FROM thing_locations WHERE thing_id = $1', [String(id)]);
            for (const locationId of ids) await this.linkLocation(client, id, locationId);
            if (ids.length) await this.insertHistoricalLocation(client, id, ids, nowMs);
          }
          break;
        }
      }
      if (assignments.length) {
        // Column names come from our own tables above, never from the request.
        const sets = assignments.map(([column, , type], i) => (type === 'geojson' ? `${column} = ST_SetSRID(ST_GeomFromGeoJSON($${i + 1}::text), 4326)` : `${column} = $${i + 1}${type ? `::${type}` : ''}`));
        await client.query(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = $${assignments.length + 1}`, [...assignments.map(([, value]) => value), String(id)]);
      }
      if (set === 'Observations') {
        const after = (await client.query<{ d: string }>('SELECT CAST(datastream_id AS TEXT) AS d FROM observations WHERE id = $1', [String(id)])).rows.map((r) => idOf(r.d));
        await this.recomputeLatest(client, [...new Set([...datastreamsBefore, ...after])]);
      }
      this.entitiesChanged();
      return true;
    }, undefined, time ? [time.startMs] : []);
  }

  delete(set: PatchSetName, id: Id): Promise<boolean> {
    const table = TABLES[set];
    return this.write(async (client) => {
      const { rowCount } = await client.query(`SELECT 1 FROM ${table} WHERE id = $1`, [String(id)]);
      if (!rowCount) return false;
      let datastreams: Id[] = [];
      if (set === 'Sensors') await client.query('DELETE FROM datastreams WHERE sensor_id = $1', [String(id)]);
      if (set === 'ObservedProperties') await client.query('DELETE FROM datastreams WHERE observed_property_id = $1', [String(id)]);
      if (set === 'Locations') {
        await client.query('DELETE FROM historical_locations WHERE id IN (SELECT historical_location_id FROM historical_location_locations WHERE location_id = $1) AND NOT EXISTS (SELECT 1 FROM historical_location_locations h WHERE h.historical_location_id = historical_locations.id AND h.location_id <> $1)', [String(id)]);
      }
      if (set === 'Observations') datastreams = (await client.query<{ d: string }>('SELECT CAST(datastream_id AS TEXT) AS d FROM observations WHERE id = $1', [String(id)])).rows.map((r) => idOf(r.d));
      if (set === 'FeaturesOfInterest') datastreams = (await client.query<{ d: string }>('SELECT DISTINCT CAST(datastream_id AS TEXT) AS d FROM observations WHERE feature_of_interest_id = $1', [String(id)])).rows.map((r) => idOf(r.d));
      // The rest follows the foreign keys (ON DELETE CASCADE).
      await client.query(`DELETE FROM ${table} WHERE id = $1`, [String(id)]);
      await this.recomputeLatest(client, datastreams);
      this.entitiesChanged();
      return true;
    });
  }

  // ——— incidents (incident-engine.ts, on PostgreSQL) ———

  stateOf(info: DatastreamInfo, value: number): SensorState {
    const rule = this.rules.get(info.observedProperty);
    return rule ? evaluateThreshold(rule, value) : 'normal';
  }

  ruleFor(observedProperty: string): ThresholdRule | undefined {
    return this.rules.get(observedProperty);
  }

  private async insertEvent(client: Client, incidentId: number, kind: string, status: string, level: number, actor: string, at: number, note: string | null, unit: string | null): Promise<number> {
    const { rows } = await client.query<{ id: number }>('INSERT INTO incident_events (incident_id, kind, status, level, actor, at, note, unit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id', [incidentId, kind, status, level, actor, at, note, unit]);
    return rows[0]!.id;
  }

  private async updateIncident(client: Client, level: number, status: string, assetIds: string, alarmActive: number, at: number, id: number): Promise<void> {
    await client.query('UPDATE incidents SET level = $1, status = $2, asset_ids = $3, alarm_active = $4, updated_at = $5 WHERE id = $6', [level, status, assetIds, alarmActive, at, id]);
  }

  private async upsertSource(client: Client, incidentId: number, datastreamId: number, state: number): Promise<void> {
    await client.query('INSERT INTO incident_sources (incident_id, datastream_id, state) VALUES ($1, $2, $3) ON CONFLICT (incident_id, datastream_id) DO UPDATE SET state = excluded.state', [incidentId, datastreamId, state]);
  }

  private async linkObservation(client: Client, incidentId: number, observationId: number): Promise<void> {
    await client.query('INSERT INTO incident_observations (incident_id, observation_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [incidentId, observationId]);
  }

  private async observe(client: Client, info: DatastreamInfo, observationId: number, value: number, timeMs: number): Promise<{ state: SensorState; change?: IncidentChangeRef }> {
    const rule = this.rules.get(info.observedProperty);
    if (!rule) return { state: 'normal' };
    const state = evaluateThreshold(rule, value);
    if (this.openSourcesStale) await this.readOpenSources(client);
    if (state === 'normal' && !this.openSources.has(info.id)) return { state };
    const open = this.openSources.get(info.id);
    if (open) {
      if (open.state === stateToNumber(state)) return { state };
      const previous = open.state;
      await this.upsertSource(client, open.id, info.id, stateToNumber(state));
      open.state = stateToNumber(state);
      if (state !== 'normal' && (previous === 0 || state < previous)) await this.linkObservation(client, open.id, observationId);
      return { state, change: await this.recompute(client, open.id, timeMs) };
    }
    if (state === 'normal' || info.lonDegrees === undefined || info.latDegrees === undefined) return { state };
    const type = incidentTypeFor(rule, info.assetKind);
    const candidates = (await client.query<IncidentRow>(`SELECT * FROM incidents WHERE type = $1 AND status IN ${OPEN}`, [type])).rows;
    const nearby = candidates
      .map((row) => ({ row, distance: pathLengthMetres([[row.lon, row.lat], [info.lonDegrees!, info.latDegrees!]]) }))
      .filter((c) => c.distance <= rule.groupingRadiusMetres)
      .sort((a, b) => a.distance - b.distance)[0];
    if (nearby) {
      this.openSources.set(info.id, { id: nearby.row.id, state: stateToNumber(state) });
      const incident = nearby.row;
      const assets = JSON.parse(incident.asset_ids) as string[];
      if (info.assetId && !assets.includes(info.assetId)) {
        assets.push(info.assetId);
        await this.updateIncident(client, incident.level, incident.status, JSON.stringify(assets), incident.alarm_active, timeMs, incident.id);
        await this.insertEvent(client, incident.id, 'asset-added', incident.status, incident.level, 'system', timeMs, info.assetId, null);
      }
      await this.upsertSource(client, incident.id, info.id, stateToNumber(state));
      await this.linkObservation(client, incident.id, observationId);
      return { state, change: await this.recompute(client, incident.id, timeMs) };
    }
    const { rows } = await client.query<{ id: number }>('INSERT INTO incidents (type, level, status, lon, lat, asset_ids, alarm_active, raised_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) RETURNING id', [
      type, state, 'raised', info.lonDegrees, info.latDegrees, JSON.stringify(info.assetId ? [info.assetId] : []), timeMs, timeMs,
    ]);
    const id = rows[0]!.id;
    this.openSources.set(info.id, { id, state: stateToNumber(state) });
    await this.upsertSource(client, id, info.id, stateToNumber(state));
    await this.linkObservation(client, id, observationId);
    const eventId = await this.insertEvent(client, id, 'raised', 'raised', state as number, 'system', timeMs, `${info.observedProperty} ${value} ${rule.unit}`, null);
    return { state, change: { incidentId: id, eventId } };
  }

  private async recompute(client: Client, id: number, timeMs: number): Promise<IncidentChangeRef> {
    const incident = (await client.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id])).rows[0]!;
    const states = (await client.query<{ state: number }>('SELECT state FROM incident_sources WHERE incident_id = $1', [id])).rows.map((r) => r.state).filter((s) => s > 0);
    const active = states.length > 0;
    const level = (active ? Math.min(...states) : incident.level) as WarningLevel;
    let kind: IncidentTransition['kind'] | undefined;
    if (level < incident.level) kind = 'escalated';
    else if (level > incident.level) kind = 'de-escalated';
    else if (!active && incident.alarm_active) kind = 'cleared';
    else if (active && !incident.alarm_active) kind = 'escalated';
    if (!kind) {
      const { rows } = await client.query<{ id: number }>('SELECT max(id) AS id FROM incident_events WHERE incident_id = $1', [id]);
      return { incidentId: id, eventId: rows[0]!.id };
    }
    await this.updateIncident(client, level, incident.status, incident.asset_ids, active ? 1 : 0, timeMs, id);
    const eventId = await this.insertEvent(client, id, kind, incident.status, level, 'system', timeMs, null, null);
    return { incidentId: id, eventId };
  }

  private async incidentJson(client: pg.ClientBase, id: number): Promise<IncidentJson | undefined> {
    const r = (await client.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id])).rows[0];
    if (!r) return undefined;
    return {
      '@iot.id': r.id,
      type: r.type,
      level: r.level,
      status: r.status,
      location: { type: 'Point', coordinates: [r.lon, r.lat] },
      assetIds: JSON.parse(r.asset_ids) as string[],
      alarmActive: r.alarm_active === 1,
      raisedAt: new Date(r.raised_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
      transitions: await readTransitionsPg(client, r.id),
    };
  }

  private incidentChange(result: IncidentChange | { error: string } | undefined): WriteResult | undefined {
    return result && !('error' in result) ? { observations: [], incidents: [result] } : undefined;
  }

  incidentAct(id: number, action: IncidentAction, by: string, note: string | undefined, timeMs: number): Promise<IncidentChange | { error: string } | undefined> {
    return this.write(async (client) => {
      const incident = (await client.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id])).rows[0];
      if (!incident) return undefined;
      const next = applyIncidentAction(incident.status, action);
      if ('error' in next) return next;
      await this.updateIncident(client, incident.level, next.status, incident.asset_ids, incident.alarm_active, timeMs, id);
      const eventId = await this.insertEvent(client, id, action, next.status, incident.level, by, timeMs, note ?? null, null);
      if (!isOpenStatus(next.status)) await this.readOpenSources(client);
      return { incidentId: id, eventId, incident: (await this.incidentJson(client, id))! };
    }, (r) => this.incidentChange(r));
  }

  incidentLog(id: number, action: IncidentLogAction, by: string, entry: { unit?: string; note?: string }, timeMs: number): Promise<IncidentChange | { error: string } | undefined> {
    return this.write(async (client) => {
      const incident = (await client.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id])).rows[0];
      if (!incident) return undefined;
      const problem = logEntryProblem({ status: incident.status, transitions: await readTransitionsPg(client, id) }, action, entry);
      if (problem) return { error: problem };
      await this.updateIncident(client, incident.level, incident.status, incident.asset_ids, incident.alarm_active, timeMs, id);
      const eventId = await this.insertEvent(client, id, action, incident.status, incident.level, by, timeMs, entry.note ?? null, entry.unit ?? null);
      return { incidentId: id, eventId, incident: (await this.incidentJson(client, id))! };
    }, (r) => this.incidentChange(r));
  }

  // ——— reads for the stream, the index and the routes ———

  readEntity(set: EntitySetName, id: Id, baseUrl: string): Promise<Record<string, unknown> | undefined> {
    return this.readOnly((client) => readEntityPg({ client, baseUrl, budget: new ReadBudget(), count: this.settings }, set, id, {}));
  }

  readEntities(set: EntitySetName, ids: readonly Id[], baseUrl: string): Promise<(Record<string, unknown> | undefined)[]> {
    return this.readOnly((client) => readEntitiesPg({ client, baseUrl, count: this.settings }, set, ids));
  }

  count(table: CountedTable): Promise<number> {
    return this.readOnly(async (client) => (await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  }

  observationsAfter(afterId: number, limit: number, upToId?: number): Promise<StoredObservation[]> {
    return this.readOnly(async (client) => {
      const { rows } = await client.query<{ id: number; datastream_id: number; phenomenon_time: number; result: number | null; result_json: string | null }>('SELECT id, datastream_id, phenomenon_time, result, result_json FROM observations WHERE id > $1 AND ($3::bigint IS NULL OR id <= $3) ORDER BY id LIMIT $2', [afterId, limit, upToId ?? null]);
      const out: StoredObservation[] = [];
      const infos = await this.datastreams(client, rows.map((r) => r.datastream_id));
      for (const r of rows) {
        const info = infos.get(r.datastream_id);
        if (!info) continue;
        const result = resultOf(r);
        out.push({ id: r.id, datastreamId: r.datastream_id, thingId: info.thingId, assetId: info.assetId, observedProperty: info.observedProperty, lonDegrees: info.lonDegrees, latDegrees: info.latDegrees, result, phenomenonTimeMs: r.phenomenon_time, state: this.stateOf(info, typeof result === 'number' ? result : Number.NaN) });
      }
      return out;
    });
  }

  observationIdAfter(afterId: number, offset: number): Promise<number | undefined> {
    return this.readOnly(async (client) => (await client.query<{ id: number }>('SELECT id FROM observations WHERE id > $1 ORDER BY id LIMIT 1 OFFSET $2', [afterId, offset])).rows[0]?.id);
  }

  lastObservationId(): Promise<number> {
    // Ids are given in commit order (one writer at a time): the largest is the newest committed.
    return this.readOnly(async (client) => (await client.query<{ n: number }>('SELECT coalesce(max(id), 0) AS n FROM observations')).rows[0]!.n);
  }

  incidentChangesAfter(afterEventId: number, limit = -1, upToEventId?: number): Promise<IncidentChange[]> {
    return this.readOnly(async (client) => {
      const { rows } = await client.query<{ incident_id: number; event_id: number }>('SELECT incident_id, max(id) AS event_id FROM incident_events WHERE id > $1 AND ($3::bigint IS NULL OR id <= $3) GROUP BY incident_id ORDER BY event_id LIMIT $2', [afterEventId, limit < 0 ? null : limit, upToEventId ?? null]);
      const changes: IncidentChange[] = [];
      for (const r of rows) changes.push({ incidentId: r.incident_id, eventId: r.event_id, incident: (await this.incidentJson(client, r.incident_id))! });
      return changes;
    });
  }

  incidentEventIdAfter(afterEventId: number, offset: number): Promise<number | undefined> {
    return this.readOnly(async (client) => (await client.query<{ id: number }>('SELECT id FROM incident_events WHERE id > $1 ORDER BY id LIMIT 1 OFFSET $2', [afterEventId, offset])).rows[0]?.id);
  }

  incidentEventTimeAfter(afterEventId: number): Promise<number | undefined> {
    return this.readOnly(async (client) => (await client.query<{ at: number }>('SELECT at FROM incident_events WHERE id > $1 ORDER BY id LIMIT 1', [afterEventId])).rows[0]?.at);
  }

  lastIncidentEventId(): Promise<number> {
    return this.readOnly(async (client) => (await client.query<{ n: number }>('SELECT coalesce(max(id), 0) AS n FROM incident_events')).rows[0]!.n);
  }

  /**
   * Every located sensor with its newest reading: one join over `datastream_latest` (no scan of the observations).
   * Without JIT: the planner's cost of this join at 85,000 sensors (about 10⁶, past jit_above_cost and the inlining and
   * optimising thresholds) made PostgreSQL compile it each time, 0.5–1.4 s of the read for a plan that runs in a few
   * hundred ms. Each Thing's newest location by one grouped scan (hash joins) rather than a probe per Thing; the rows
   * as arrays (no object per row).
   */
  latestSensors(): Promise<CompactSensor[]> {
    return this.readOnly(async (client) => {
      await client.query('BEGIN READ ONLY');
      try {
        // And the sort (85,000 rows of about 200 bytes) and the grouping in memory, not in temporary files (4 MB, the default, spilled both).
        await client.query("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'");
        const { rows } = await client.query<LatestRow>({
          text: `
            SELECT d.id, d.thing_id, d.name, d.unit::jsonb ->> 'symbol', t.properties::jsonb ->> 'assetId', t.properties::jsonb ->> 'assetKind',
                   p.name, l.lon, l.lat, x.result, x.phenomenon_time
            FROM datastreams d JOIN things t ON t.id = d.thing_id JOIN observed_properties p ON p.id = d.observed_property_id
            JOIN (SELECT thing_id, max(location_id) AS location_id FROM thing_locations GROUP BY thing_id) tl ON tl.thing_id = t.id
            JOIN locations l ON l.id = tl.location_id
            LEFT JOIN datastream_latest x ON x.datastream_id = d.id
            WHERE l.lon IS NOT NULL AND l.lat IS NOT NULL
            ORDER BY d.id`,
          rowMode: 'array',
        });
        await client.query('COMMIT');
        return compactSensorsOf(rows, (property) => this.rules.get(property));
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  sensorSignature(): Promise<string> {
    return this.readOnly(async (client) => {
      const { rows } = await client.query<{ d: number | null; l: number | null; p: number | null }>('SELECT (SELECT max(id) FROM datastreams) AS d, (SELECT max(seq) FROM thing_locations) AS l, (SELECT max(id) FROM locations) AS p');
      return `${rows[0]!.d}.${rows[0]!.l}.${rows[0]!.p}`;
    });
  }

  /** Retention: drop the month partitions that end before the time (whole partitions). Returns how many were dropped. */
  pruneObservations(beforeMs: number): Promise<number> {
    return this.serial(async () => {
      try {
        const { rows } = await this.pool.query<{ n: number }>('SELECT sta_drop_observation_partitions($1) AS n', [beforeMs]);
        for (const start of [...this.partitions]) if (start < beforeMs) this.partitions.delete(start);
        return rows[0]!.n;
      } catch (error) {
        throw storeError(error);
      }
    });
  }

  thingsIn([west, south, east, north]: Bbox4): Promise<{ id: number; lon: number; lat: number }[]> {
    return this.readOnly(async (client) => (await client.query<{ id: number; lon: number; lat: number }>(
      `SELECT DISTINCT tl.thing_id AS id, l.lon, l.lat FROM thing_locations tl JOIN locations l ON l.id = tl.location_id
       WHERE tl.location_id = (SELECT max(location_id) FROM thing_locations WHERE thing_id = tl.thing_id)
         AND l.geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)`, [west, south, east, north])).rows);
  }

  thingsInAlarm(): Promise<number[]> {
    return this.readOnly(async (client) => (await client.query<{ id: number }>(`SELECT DISTINCT d.thing_id AS id FROM incidents i JOIN incident_sources s ON s.incident_id = i.id JOIN datastreams d ON d.id = s.datastream_id WHERE i.${OPEN_INCIDENT}`)).rows.map((r) => r.id));
  }

  openIncidentsIn([west, south, east, north]: Bbox4): Promise<{ lon: number; lat: number }[]> {
    return this.readOnly(async (client) => (await client.query<{ lon: number; lat: number }>(`SELECT lon, lat FROM incidents WHERE ${OPEN_INCIDENT} AND lon BETWEEN $1 AND $2 AND lat BETWEEN $3 AND $4`, [west, east, south, north])).rows);
  }

  incidentsRaised(startMs: number, endMs: number, types: string[]): Promise<{ type: string; lon: number; lat: number; raisedAtMs: number }[]> {
    return this.readOnly(async (client) => (await client.query<{ type: string; lon: number; lat: number; raisedAtMs: number }>(`SELECT type, lon, lat, raised_at AS "raisedAtMs" FROM incidents WHERE raised_at >= $1 AND raised_at < $2 AND type = ANY($3)`, [startMs, endMs, types])).rows);
  }

  /** From `datastream_latest`: no scan of the history. */
  thingsWithLastReading(): Promise<{ id: number; lon: number; lat: number; lastMs: number | null }[]> {
    return this.readOnly(async (client) => (await client.query<{ id: number; lon: number; lat: number; lastMs: number | null }>(
      `SELECT t.id, l.lon, l.lat, (SELECT max(x.phenomenon_time) FROM datastreams d JOIN datastream_latest x ON x.datastream_id = d.id WHERE d.thing_id = t.id) AS "lastMs"
       FROM things t JOIN LATERAL (SELECT location_id FROM thing_locations WHERE thing_id = t.id ORDER BY location_id DESC LIMIT 1) tl ON true
       JOIN locations l ON l.id = tl.location_id WHERE l.lon IS NOT NULL AND l.lat IS NOT NULL`)).rows);
  }

  /** Reads of the SensorThings API on the pool (lifecycle reads go to `lifecycle`). */
  readExecutor(budget: Partial<ReadBudgetLimits> = {}, lifecycle?: ReadExecutor): ReadExecutor {
    return new PostgresReads(this, { ...DEFAULT_READ_BUDGET, ...budget }, lifecycle);
  }

  /** Tell every process of the cluster (their stream feeds) that a case or lifecycle record changed. */
  async announce(change: StreamChange): Promise<void> {
    try {
      await this.pool.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, JSON.stringify(change)]);
    } catch (error) {
      throw storeError(error);
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.maintenance);
    // Every queued write answered first (a group may put the next on the chain while it runs).
    let last: Promise<unknown>;
    do {
      last = this.writes;
      await last.catch(() => {});
    } while (last !== this.writes);
    await this.pool.end();
  }
}

function errorAnswer(status: number, message: string): ReadAnswer {
  return { status, headers: status === 503 ? { 'Retry-After': '5' } : undefined, body: JSON.stringify({ code: status, type: 'error', message }) };
}

/** GETs on PostgreSQL: each on a pooled connection, with the read's time bound as its statement timeout. */
export class PostgresReads implements ReadExecutor {
  constructor(private readonly store: PostgresMonitoringStore, readonly limits: ReadBudgetLimits, private readonly lifecycle?: ReadExecutor) {}

  async read(job: ReadJob): Promise<ReadAnswer> {
    if (job.api !== 'sensorthings') {
      if (!this.lifecycle) return errorAnswer(404, 'no lifecycle records on this server');
      return this.lifecycle.read(job);
    }
    const timeout = this.store.settings.readTimeoutMilliseconds ?? Math.min(this.limits.maximumReadMilliseconds, this.store.settings.statementTimeoutMilliseconds);
    let client: pg.PoolClient;
    try {
      client = await acquire(this.store.pool);
    } catch (error) {
      return errorAnswer(503, `the database is unreachable (${(error as Error).message}): try again shortly`);
    }
    let broken = false;
    try {
      await client.query(`SET statement_timeout = ${Math.max(1, Math.floor(timeout))}`);
      const response = await executeReadPg(client, job.request, new ReadBudget(this.limits), this.store.settings as CountPolicy);
      return { status: response.status, body: response.json };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '57014') return errorAnswer(503, `the read took longer than ${timeout} ms, the database's statement timeout: narrow it with a $filter (on phenomenonTime, for example) or a smaller $top, or try again when the server is less busy`);
      if (unavailable(error)) {
        broken = true;
        return errorAnswer(503, `the database is unreachable (${(error as Error).message}): try again shortly`);
      }
      throw error;
    } finally {
      if (!broken) await client.query(`SET statement_timeout = ${this.store.settings.statementTimeoutMilliseconds}`).catch(() => (broken = true));
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.lifecycle?.close();
  }
}
