/**
 * BENCH_ONLY=sta-pg: the SensorThings server on SQLite and on PostgreSQL, side by side, over HTTP
 * on loopback (the same routes and stores the server runs):
 *  - ingest: CreateObservations bodies of 1,000 rows from 4 writers at once, and single POSTs
 *    (2,000 from 4 writers, then 2,000 from 16);
 *  - current state of every sensor: the store's read of each Datastream's latest reading
 *    (PostgreSQL: the `datastream_latest` table; SQLite: the newest row per Datastream);
 *  - history: one sensor's 24 h chart query (`Datastreams(n)/Observations?$filter=phenomenonTime
 *    ge … and phenomenonTime lt …&$orderby=phenomenonTime&$top=1440`), p50/p95 of
 *    BENCH_STA_QUERIES (default 50) queries on random sensors and days, over a history loaded:
 *    - PostgreSQL: by COPY … FROM STDIN (pg-copy-streams), rows made in Node in time order (every
 *      sensor's reading of one time step, then the next), each sensor with its location's
 *      FeatureOfInterest, into month partitions made first; into an empty table the two secondary
 *      indexes and the two foreign keys are dropped before and made again after (PostgreSQL's advice
 *      for a first bulk load; BENCH_STA_LOAD_INDEXES=keep keeps them), then `datastream_latest` is filled from the history
 *      (one indexed probe per Datastream) and the table analysed: all of it counts as the load;
 *    - SQLite: one INSERT … SELECT (recursive CTEs) in the database; skipped past 10⁷ rows (a history of
 *      10⁸ is the PostgreSQL store's job, not the embedded default's);
 *  - `$count` of all Observations (PostgreSQL: the planner's estimate past 100,000, marked).
 * Scale: BENCH_STA_SENSORS (default 1,000) sensors, BENCH_STA_HISTORY (default 2,000,000)
 * observations of history, from 2025-01-28 (across a month's end), one every BENCH_STA_INTERVAL_MIN
 * minutes per sensor (default: one a minute, or wider so the history spans at least 7 days).
 * BENCH_STA_BACKENDS=postgres (or sqlite) runs one backend only. BENCH_STA_KEEP=1 keeps the PostgreSQL database
 * (its URL printed; drop it by hand) for a look at the loaded store afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createMonitoringServer } from '../../src/server/sensorthings/index.ts';
import { createTestDatabase, postgresReachable } from '../../src/server/assets/testing/postgres.ts';
import { thingPayload } from '../../src/server/sensorthings/testing/test-server.ts';
import { PostgresMonitoringStore } from '../../src/server/sensorthings/postgres-store.ts';

const KEY = 'bench-sta-pg';

export interface StaBackendResult {
  backend: string;
  sensors: number;
  history: number;
  batchObservationsPerSecond: number;
  singleObservationsPerSecond: number;
  single16ObservationsPerSecond: number;
  /** PostgreSQL's group commit: writes per transaction in those runs. */
  singleWritesPerCommit?: number;
  single16WritesPerCommit?: number;
  currentStateMs: number;
  historyP50Ms: number;
  historyP95Ms: number;
  countMs: number;
  count: number;
  countEstimated: boolean;
  loadSeconds: number;
  loadMethod: string;
  /** PostgreSQL: the COPY alone, and the index build after it. */
  copySeconds?: number;
  indexSeconds?: number;
  intervalMinutes: number;
}

/** SQLite's history is loaded up to this many rows. */
const SQLITE_HISTORY_LIMIT = 10_000_000;

/** The history's first time: midnight UTC, four days before a month's end (the history crosses into the next partition). */
const HISTORY_START = Date.parse('2025-01-28T00:00:00Z');

/** COPY text rows of the history in time order: every sensor's reading at one step, then the next step. */
function* copyRows(datastreams: readonly { d: string; f: string | null }[], perSensor: number, intervalMs: number): Generator<string> {
  const lines: string[] = [];
  for (let m = 0; m < perSensor; m++) {
    const time = HISTORY_START + m * intervalMs;
    const result = (0.2 + (m % 10) * 0.01).toFixed(2);
    for (const { d, f } of datastreams) {
      lines.push(`${d}\t${time}\t${result}\t${f ?? '\\N'}\n`);
      if (lines.length === 16_384) yield lines.splice(0).join('');
    }
  }
  if (lines.length > 0) yield lines.join('');
}

/** PostgreSQL: the history by COPY; returns the COPY's and the index build's seconds. */
async function copyHistory(url: string, sensors: number, perSensor: number, intervalMs: number): Promise<{ copySeconds: number; indexSeconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Each sensor's FeatureOfInterest: its location's (what the store makes on the first reading).
    await client.query(`INSERT INTO features_of_interest (name, description, encoding_type, feature, lon, lat, geom, location_id)
      SELECT name, description, encoding_type, location, lon, lat, geom, id FROM locations l
      WHERE NOT EXISTS (SELECT 1 FROM features_of_interest f WHERE f.location_id = l.id)`);
    const { rows: datastreams } = await client.query<{ d: string; f: string | null }>(`
      SELECT d.id::text AS d, (SELECT f.id::text FROM thing_locations tl JOIN features_of_interest f ON f.location_id = tl.location_id
                               WHERE tl.thing_id = d.thing_id ORDER BY tl.location_id DESC LIMIT 1) AS f
      FROM datastreams d ORDER BY d.id`);
    if (datastreams.length !== sensors) throw new Error(`history: ${datastreams.length} Datastreams, not ${sensors}`);
    await client.query('SELECT sta_ensure_observation_partitions($1, $2)', [HISTORY_START, HISTORY_START + perSensor * intervalMs]);
    // A first bulk load into an empty table builds the secondary indexes after the COPY (the primary key stays: its
    // keys come in order).
    const empty = (await client.query('SELECT 1 FROM observations LIMIT 1')).rowCount === 0;
    const rebuild = empty && process.env.BENCH_STA_LOAD_INDEXES !== 'keep';
    const indexes = rebuild
      ? (await client.query<{ name: string; definition: string }>(`SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
          FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'observations'::regclass AND NOT i.indisprimary`)).rows
      : [];
    // And its foreign keys: checked row by row in a COPY (about 9× slower: 75,000 rows/s with them, 660,000 without, in
    // a throw-away test), checked by one join each when added back.
    const foreignKeys = rebuild
      ? (await client.query<{ name: string; definition: string }>(`SELECT conname AS name, pg_get_constraintdef(oid) AS definition
          FROM pg_constraint WHERE conrelid = 'observations'::regclass AND contype = 'f'`)).rows
      : [];
    for (const { name } of foreignKeys) await client.query(`ALTER TABLE observations DROP CONSTRAINT ${name}`);
    for (const { name } of indexes) await client.query(`DROP INDEX ${name}`);
    const copyStarted = performance.now();
    await pipeline(Readable.from(copyRows(datastreams, perSensor, intervalMs)),
      client.query(copyFrom('COPY observations (datastream_id, phenomenon_time, result, feature_of_interest_id) FROM STDIN')));
    const copySeconds = (performance.now() - copyStarted) / 1000;
    const indexStarted = performance.now();
    await client.query("SET maintenance_work_mem = '1GB'");
    // pg_get_indexdef names a partitioned table's index ON ONLY the parent: built here on every partition.
    for (const { definition } of indexes) await client.query(definition.replace(' ON ONLY ', ' ON '));
    const invalid = await client.query("SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname LIKE 'observations%' AND NOT i.indisvalid");
    if (invalid.rowCount !== 0) throw new Error('history: an index of the observations is not valid after the load');
    for (const { name, definition } of foreignKeys) await client.query(`ALTER TABLE observations ADD CONSTRAINT ${name} ${definition}`);
    const indexSeconds = (performance.now() - indexStarted) / 1000;
    // Each Datastream's newest reading, as the store keeps it.
    await client.query(`INSERT INTO datastream_latest (datastream_id, observation_id, phenomenon_time, result, result_json)
      SELECT d.id, o.id, o.phenomenon_time, o.result, o.result_json FROM datastreams d
      CROSS JOIN LATERAL (SELECT id, phenomenon_time, result, result_json FROM observations WHERE datastream_id = d.id
                          ORDER BY phenomenon_time DESC, id DESC LIMIT 1) o
      ON CONFLICT (datastream_id) DO UPDATE SET observation_id = excluded.observation_id, phenomenon_time = excluded.phenomenon_time,
        result = excluded.result, result_json = excluded.result_json
      WHERE (excluded.phenomenon_time, excluded.observation_id) >= (datastream_latest.phenomenon_time, datastream_latest.observation_id)`);
    await client.query('ANALYZE observations');
    return { copySeconds, indexSeconds };
  } finally {
    await client.end();
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function benchBackend(name: 'SQLite' | 'PostgreSQL', sensors: number, history: number, intervalMinutes: number): Promise<StaBackendResult> {
  const directory = mkdtempSync(join(tmpdir(), 'bench-sta-'));
  const database = name === 'PostgreSQL' ? await createTestDatabase(['postgis']) : undefined;
  const databasePath = database?.url ?? join(directory, 'monitoring.sqlite');
  const startServer = async () => {
    const server = await createMonitoringServer({ databasePath, apiKeys: [KEY], reads: { workers: 2 } });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    return { ...server, base: `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}/v1.1` };
  };
  let { app, monitoring, base } = await startServer();
  const post = (path: string, body: string) => fetch(`${base}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': KEY }, body });
  try {
    // Sensors: water pressure (few incidents), deep inserts, 8 at a time.
    let made = 0;
    const thingsStarted = performance.now();
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (made < sensors) {
        const i = made++;
        const response = await post('Things', JSON.stringify(thingPayload(`B-${i}`, 'water-pressure', 113 + (i % 100) * 0.001, 23 + Math.floor(i / 100) * 0.001, 'segment')));
        if (response.status !== 201) throw new Error(`Things: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      }
    }));
    console.log(`sta-pg ${name}: ${sensors.toLocaleString('en')} Things in ${((performance.now() - thingsStarted) / 1000).toFixed(1)} s`);
    // History first (old readings, from HISTORY_START on), one every intervalMinutes per sensor, in the database.
    const start = HISTORY_START;
    const intervalMs = intervalMinutes * 60_000;
    const perSensor = Math.ceil(history / sensors);
    const loadStarted = performance.now();
    let copy: { copySeconds: number; indexSeconds: number } | undefined;
    if (database) {
      copy = await copyHistory(database.url, sensors, perSensor, intervalMs);
    } else {
      const db = monitoring.database!.db;
      db.exec(`WITH RECURSIVE m(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM m WHERE i < ${perSensor - 1}), d(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM d WHERE j < ${sensors})
        INSERT INTO observations (datastream_id, phenomenon_time, result, feature_of_interest_id)
        SELECT j, ${start} + i * ${intervalMs}, 0.2 + (i % 10) * 0.01, (SELECT id FROM features_of_interest LIMIT 1) FROM m, d`);
      db.exec('ANALYZE');
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    console.log(`sta-pg ${name}: history of ${(perSensor * sensors).toLocaleString('en')} rows loaded in ${loadSeconds.toFixed(1)} s${copy ? ` (COPY ${copy.copySeconds.toFixed(1)} s, indexes and foreign keys ${copy.indexSeconds.toFixed(1)} s)` : ''}`);
    // The server again, on the loaded database, as after any bulk load behind its back: a running
    // PostgreSQL server's stream feed would otherwise read the whole history back and hand it to
    // its stream (its cursor was taken before the load), and every write would wait up to 2 s for
    // the stream to reach it (85,000 sensors and 10⁷ rows: 1,900 obs/s then, 42,340 with this).
    await app.close();
    ({ app, monitoring, base } = await startServer());
    // Ingest: 100 bodies of 1,000 rows, 4 writers.
    const now = Date.now() - 3_600_000;
    const bodies = Array.from({ length: 100 }, (_, b) => JSON.stringify(Array.from({ length: 10 }, (_, g) => ({
      Datastream: { '@iot.id': 1 + ((b * 10 + g) % sensors) },
      components: ['phenomenonTime', 'result'],
      dataArray: Array.from({ length: 100 }, (_, r) => [new Date(now + b * 1000 + r).toISOString(), 0.3]),
    }))));
    let next = 0;
    const batchStarted = performance.now();
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < bodies.length) {
        const response = await post('CreateObservations', bodies[next++]!);
        if (response.status !== 201) throw new Error(`CreateObservations: ${response.status}`);
        await response.arrayBuffer();
      }
    }));
    const batchObservationsPerSecond = (bodies.length * 1000) / ((performance.now() - batchStarted) / 1000);
    // Single POSTs, 4 writers then 16 (PostgreSQL: group commit gathers the writes that wait).
    const singlesPerSecond = async (writers: number, offset: number) => {
      const singles = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ Datastream: { '@iot.id': 1 + (i % sensors) }, result: 0.3, phenomenonTime: new Date(now + offset + i).toISOString() }));
      let taken = 0;
      const before = groups ? { ...groups } : undefined;
      const started = performance.now();
      await Promise.all(Array.from({ length: writers }, async () => {
        while (taken < singles.length) {
          const response = await post('Observations', singles[taken++]!);
          if (response.status !== 201) throw new Error(`Observations: ${response.status}`);
          await response.arrayBuffer();
        }
      }));
      const perSecond = singles.length / ((performance.now() - started) / 1000);
      const perCommit = groups && before ? (groups.writes - before.writes) / Math.max(1, groups.groups - before.groups) : undefined;
      return { perSecond, perCommit };
    };
    const groups = monitoring.store instanceof PostgresMonitoringStore ? monitoring.store.groupStatistics : undefined;
    const single4 = await singlesPerSecond(4, 200_000);
    const single16 = await singlesPerSecond(16, 300_000);
    // Current state of every sensor.
    const stateTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const all = await monitoring.store.latestSensors();
      stateTimes.push(performance.now() - t);
      if (all.length !== sensors) throw new Error(`current state: ${all.length} sensors, not ${sensors}`);
    }
    // One sensor's 24 h chart over the history.
    const days = Math.max(1, Math.floor((perSensor * intervalMinutes) / 1440));
    const historyTimes: number[] = [];
    const queries = Number(process.env.BENCH_STA_QUERIES ?? 50);
    for (let q = 0; q < queries; q++) {
      const sensor = 1 + Math.floor(Math.random() * sensors);
      const from = start + Math.floor(Math.random() * days) * 86_400_000;
      const filter = encodeURIComponent(`phenomenonTime ge ${new Date(from).toISOString()} and phenomenonTime lt ${new Date(from + 86_400_000).toISOString()}`);
      const t = performance.now();
      const response = await fetch(`${base}/Datastreams(${sensor})/Observations?$filter=${filter}&$orderby=phenomenonTime&$top=1440&$select=phenomenonTime,result`);
      const body = (await response.json()) as { value: unknown[] };
      historyTimes.push(performance.now() - t);
      if (response.status !== 200 || body.value.length === 0) throw new Error(`history: ${response.status}`);
    }
    const countStarted = performance.now();
    const counted = (await (await fetch(`${base}/Observations?$count=true&$top=1`)).json()) as { '@iot.count': number; '@cim-twin.countEstimated'?: boolean };
    const countMs = performance.now() - countStarted;
    return {
      backend: name,
      sensors,
      history: perSensor * sensors,
      batchObservationsPerSecond,
      singleObservationsPerSecond: single4.perSecond,
      single16ObservationsPerSecond: single16.perSecond,
      singleWritesPerCommit: single4.perCommit,
      single16WritesPerCommit: single16.perCommit,
      currentStateMs: percentile(stateTimes, 0.5),
      historyP50Ms: percentile(historyTimes, 0.5),
      historyP95Ms: percentile(historyTimes, 0.95),
      countMs,
      count: counted['@iot.count'],
      countEstimated: counted['@cim-twin.countEstimated'] === true,
      loadSeconds,
      loadMethod: copy ? 'COPY' : 'INSERT … SELECT',
      copySeconds: copy?.copySeconds,
      indexSeconds: copy?.indexSeconds,
      intervalMinutes,
    };
  } finally {
    await app.close();
    if (database && process.env.BENCH_STA_KEEP === '1') console.log(`sta-pg ${name}: database kept: ${database.url}`);
    else await database?.drop();
    rmSync(directory, { recursive: true, force: true });
  }
}

export async function benchStaPostgres(): Promise<StaBackendResult[]> {
  const sensors = Number(process.env.BENCH_STA_SENSORS ?? 1_000);
  const history = Number(process.env.BENCH_STA_HISTORY ?? 2_000_000);
  const backends = (process.env.BENCH_STA_BACKENDS ?? 'sqlite,postgres').toLowerCase().split(',').map((b) => b.trim());
  const perSensor = Math.ceil(history / sensors);
  const intervalMinutes = Number(process.env.BENCH_STA_INTERVAL_MIN ?? Math.max(1, Math.ceil((7 * 1440) / perSensor)));
  const results: StaBackendResult[] = [];
  if (!backends.includes('sqlite')) console.log('sta-pg: SQLite skipped (BENCH_STA_BACKENDS)');
  else if (history > SQLITE_HISTORY_LIMIT) console.log(`sta-pg: SQLite skipped: a history past ${SQLITE_HISTORY_LIMIT.toLocaleString('en')} rows is the PostgreSQL store's job, not the embedded default's`);
  else results.push(await benchBackend('SQLite', sensors, history, intervalMinutes));
  if (backends.includes('postgres')) {
    const reachability = await postgresReachable();
    if (reachability.reachable) results.push(await benchBackend('PostgreSQL', sensors, history, intervalMinutes));
    else console.warn(`sta-pg: PostgreSQL skipped: ${reachability.reason}`);
  }
  return results;
}

const perCommit = (writes: number | undefined) => (writes === undefined ? '' : ` (${writes.toFixed(1)} writes/commit)`);

export function staPostgresLines(results: StaBackendResult[]): string[] {
  const rows: [string, (r: StaBackendResult) => string][] = [
    ['ingest, CreateObservations ×1,000 rows, 4 writers (obs/s)', (r) => Math.round(r.batchObservationsPerSecond).toLocaleString('en')],
    ['ingest, single POSTs, 4 writers (obs/s)', (r) => `${Math.round(r.singleObservationsPerSecond).toLocaleString('en')}${perCommit(r.singleWritesPerCommit)}`],
    ['ingest, single POSTs, 16 writers (obs/s)', (r) => `${Math.round(r.single16ObservationsPerSecond).toLocaleString('en')}${perCommit(r.single16WritesPerCommit)}`],
    [`current state of all sensors (ms, median of 5)`, (r) => r.currentStateMs.toFixed(1)],
    ['one sensor, 24 h chart query p50 (ms)', (r) => r.historyP50Ms.toFixed(1)],
    ['one sensor, 24 h chart query p95 (ms)', (r) => r.historyP95Ms.toFixed(1)],
    ['$count of all Observations (ms)', (r) => `${r.countMs.toFixed(1)} (${r.count.toLocaleString('en')}${r.countEstimated ? ', estimate' : ''})`],
    ['history load (s)', (r) => `${r.loadSeconds.toFixed(1)} (${r.loadMethod}${r.copySeconds === undefined ? '' : `: COPY ${r.copySeconds.toFixed(1)}, indexes and foreign keys ${r.indexSeconds!.toFixed(1)}`})`],
    ['history load (rows/s)', (r) => Math.round(r.history / r.loadSeconds).toLocaleString('en')],
  ];
  const first = results[0];
  if (!first) return ['SensorThings store: no backend run'];
  return [
    `SensorThings store: ${first.sensors.toLocaleString('en')} sensors, ${first.history.toLocaleString('en')} observations of history (one every ${first.intervalMinutes} min per sensor, from 2025-01-28)`,
    `| measure | ${results.map((r) => r.backend).join(' | ')} |`,
    `|---|${results.map(() => '---').join('|')}|`,
    ...rows.map(([label, value]) => `| ${label} | ${results.map(value).join(' | ')} |`),
  ];
}
