/**
 * BENCH_ONLY=sta-pg: the SensorThings server on SQLite and on PostgreSQL, side by side, over HTTP
 * on loopback (the same routes and stores the server runs):
 *  - ingest: CreateObservations bodies of 1,000 rows from 4 writers at once, and single POSTs
 *    (2,000 from 4 writers, then 2,000 from 16);
 *  - current state of every sensor: the store's read of each Datastream's latest reading
 *    (PostgreSQL: the `datastream_latest` table; SQLite: the newest row per Datastream);
 *  - history: one sensor's 24 h chart query (`Datastreams(n)/Observations?$filter=phenomenonTime
 *    ge … and phenomenonTime lt …&$orderby=phenomenonTime&$top=1440`) over a history loaded in
 *    the database by one server-side INSERT … SELECT generate_series per backend (COPY-class speed),
 *    p50/p95 of 50 queries on random sensors and days;
 *  - `$count` of all Observations (PostgreSQL: the planner's estimate past 100,000, marked).
 * Scale: BENCH_STA_SENSORS (default 1,000) sensors, BENCH_STA_HISTORY (default 2,000,000)
 * observations of history, one a minute per sensor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
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
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function benchBackend(name: 'SQLite' | 'PostgreSQL', sensors: number, history: number): Promise<StaBackendResult> {
  const directory = mkdtempSync(join(tmpdir(), 'bench-sta-'));
  const database = name === 'PostgreSQL' ? await createTestDatabase(['postgis']) : undefined;
  const databasePath = database?.url ?? join(directory, 'monitoring.sqlite');
  const { app, monitoring } = await createMonitoringServer({ databasePath, apiKeys: [KEY], reads: { workers: 2 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/v1.1`;
  const post = (path: string, body: string) => fetch(`${base}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': KEY }, body });
  try {
    // Sensors: water pressure (few incidents), deep inserts.
    for (let i = 0; i < sensors; i++) {
      const response = await post('Things', JSON.stringify(thingPayload(`B-${i}`, 'water-pressure', 113 + (i % 100) * 0.001, 23 + Math.floor(i / 100) * 0.001, 'segment')));
      if (response.status !== 201) throw new Error(`Things: ${response.status} ${await response.text()}`);
    }
    // History first (old readings, from 2025-01-01 on), one a minute per sensor, in the database itself.
    const start = Date.parse('2025-01-01T00:00:00Z');
    const perSensor = Math.ceil(history / sensors);
    const loadStarted = performance.now();
    if (database) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query('SELECT sta_ensure_observation_partitions($1, $2)', [start, start + perSensor * 60_000]);
      await client.query(`INSERT INTO observations (datastream_id, phenomenon_time, result, feature_of_interest_id)
        SELECT d, ${start} + m * 60000, 0.2 + (m % 10) * 0.01, (SELECT id FROM features_of_interest LIMIT 1)
        FROM generate_series(1, ${perSensor}) AS m, generate_series(1, ${sensors}) AS d`);
      await client.query('ANALYZE observations');
      await client.end();
    } else {
      const db = monitoring.database!.db;
      db.exec(`WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < ${perSensor}), d(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM d WHERE j < ${sensors})
        INSERT INTO observations (datastream_id, phenomenon_time, result, feature_of_interest_id)
        SELECT j, ${start} + i * 60000, 0.2 + (i % 10) * 0.01, (SELECT id FROM features_of_interest LIMIT 1) FROM m, d`);
      db.exec('ANALYZE');
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
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
    const days = Math.max(1, Math.floor(perSensor / 1440));
    const historyTimes: number[] = [];
    for (let q = 0; q < 50; q++) {
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
    };
  } finally {
    await app.close();
    await database?.drop();
    rmSync(directory, { recursive: true, force: true });
  }
}

export async function benchStaPostgres(): Promise<StaBackendResult[]> {
  const sensors = Number(process.env.BENCH_STA_SENSORS ?? 1_000);
  const history = Number(process.env.BENCH_STA_HISTORY ?? 2_000_000);
  const results = [await benchBackend('SQLite', sensors, history)];
  const reachability = await postgresReachable();
  if (reachability.reachable) results.push(await benchBackend('PostgreSQL', sensors, history));
  else console.warn(`sta-pg: PostgreSQL skipped: ${reachability.reason}`);
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
    ['history load, server-side INSERT … SELECT (s)', (r) => r.loadSeconds.toFixed(1)],
  ];
  const first = results[0]!;
  return [
    `SensorThings store: ${first.sensors.toLocaleString('en')} sensors, ${first.history.toLocaleString('en')} observations of history (one a minute per sensor)`,
    `| measure | ${results.map((r) => r.backend).join(' | ')} |`,
    `|---|${results.map(() => '---').join('|')}|`,
    ...rows.map(([label, value]) => `| ${label} | ${results.map(value).join(' | ')} |`),
  ];
}
