/**
 * What only the PostgreSQL store has: monthly partitions of the observations (made ahead, and on
 * demand for a month far away), retention by dropping whole partitions, the latest-observation
 * row per Datastream kept in the insert's transaction (and read by the SensorIndex), the
 * estimated `$count`, the statement timeout as a 503, and writes while the database is
 * unreachable (a 503, nothing stored; the pool reconnects by itself).
 *
 * Runs on a throwaway database of the PostgreSQL server at TEST_POSTGRES_URL; skipped with the
 * reason when none answers (CI must have one). The shared cluster is never stopped: "unreachable"
 * is a TCP relay in front of it that the test closes and opens again.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import { startTestServer, testBackends, thingPayload, type TestServer } from './testing/test-server.ts';
import { createTestDatabase, type TestDatabase } from '../assets/testing/postgres.ts';
import { StreamClient } from '../../monitoring/stream-client.ts';
import type { StreamObservation } from '../../monitoring/types.ts';
import { BadRequestError, type NewObservation } from './database.ts';
import { PostgresMonitoringStore } from './postgres-store.ts';
import { thingSchema } from './payloads.ts';
import { StoreUnavailableError } from './store.ts';

type Collection = { value: Record<string, unknown>[]; '@iot.count'?: number; '@cim-twin.countEstimated'?: boolean };

const POSTGRES = (await testBackends('PostgreSQL store')).filter((b) => b.backend === 'postgres' && !b.skipReason);

async function sql<R extends Record<string, unknown>>(url: string, text: string, parameters: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, parameters)).rows;
  } finally {
    await client.end();
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMilliseconds = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMilliseconds) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The live stream's observations, as a client receives them. */
async function streamed(server: TestServer) {
  const received: StreamObservation[] = [];
  const client = new StreamClient({ url: `${server.base}/Stream`, onUpdate: (u) => received.push(...u.observations) });
  client.start();
  await until(() => client.state === 'live', 'the stream live');
  return { client, received };
}

const pgStore = (server: TestServer) => server.monitoring.store as PostgresMonitoringStore;
const reading = (datastreamId: number, result: number, extra: Partial<NewObservation> = {}): NewObservation => ({ datastreamId, result, phenomenonTimeMs: Date.parse('2026-11-20T00:00:00Z') + result * 1000, resultTimeMs: null, ...extra });

const observe = (server: TestServer, datastream: number, result: number, time: string) => server.post('Observations', { Datastream: { '@iot.id': datastream }, result, phenomenonTime: time });

describe.each(POSTGRES)('PostgreSQL store', () => {
  describe('partitions, retention and the latest observation', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ backend: 'postgres' });
      expect((await server.post('Things', thingPayload('PG-1', 'methane', 113.12, 23.01))).status).toBe(201);
      expect((await server.post('Things', thingPayload('PG-2', 'methane', 113.13, 23.01))).status).toBe(201);
    });
    afterAll(() => server.close());

    test('the months around now are partitioned ahead; an observation far away gets its own month, never the default partition', async () => {
      const months = await sql<{ partition: string }>(server.databasePath, 'SELECT partition FROM observation_partitions ORDER BY from_ms');
      const now = new Date();
      const name = (d: Date) => `observations_p${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
      expect(months.map((m) => m.partition)).toContain(name(now));
      expect(months.map((m) => m.partition)).toContain(name(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 3, 1))));
      expect((await observe(server, 1, 1, '2019-03-15T12:00:00Z')).status).toBe(201);
      expect((await observe(server, 1, 2, '2026-11-25T00:00:00Z')).status).toBe(201);
      const placed = await sql<{ partition: string; result: number }>(server.databasePath, 'SELECT tableoid::regclass::text AS partition, result FROM observations ORDER BY phenomenon_time');
      expect(placed).toEqual([
        { partition: 'observations_p201903', result: 1 },
        { partition: 'observations_p202611', result: 2 },
      ]);
      expect((await sql<{ n: number }>(server.databasePath, 'SELECT count(*)::int AS n FROM observations_default'))[0]!.n).toBe(0);
      // The partition key (phenomenon time) is changed by a PATCH too: the row moves to its new month.
      const id = ((await server.json<Collection>('Observations?$orderby=phenomenonTime&$top=1')).value[0]!['@iot.id']) as number;
      const patched = await fetch(`${server.base}/Observations(${id})`, { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-API-Key': 'test-key-5f1c' }, body: JSON.stringify({ phenomenonTime: '2018-07-01T00:00:00Z' }) });
      expect(patched.status).toBe(200);
      expect((await sql<{ partition: string }>(server.databasePath, `SELECT tableoid::regclass::text AS partition FROM observations WHERE id = ${id}`))[0]!.partition).toBe('observations_p201807');
    });

    test('the latest observation of each Datastream is kept with the insert: an older reading arriving late leaves it; a refused batch leaves it; a delete reads it again', async () => {
      const latest = async () => (await sql<{ datastream_id: number; result: number; phenomenon_time: number }>(server.databasePath, 'SELECT datastream_id, result, phenomenon_time FROM datastream_latest ORDER BY datastream_id')).map((r) => [Number(r.datastream_id), r.result, new Date(Number(r.phenomenon_time)).toISOString()]);
      const batch = await server.post('CreateObservations', [
        { Datastream: { '@iot.id': 2 }, components: ['phenomenonTime', 'result'], dataArray: [['2026-11-25T01:02:00Z', 7], ['2026-11-25T01:00:00Z', 5], ['2026-11-25T01:01:00Z', 6]] },
      ]);
      expect(batch.status).toBe(201);
      expect(await latest()).toEqual([
        [1, 2, '2026-11-25T00:00:00.000Z'],
        [2, 7, '2026-11-25T01:02:00.000Z'],
      ]);
      expect((await observe(server, 2, 4, '2026-11-25T00:30:00Z')).status).toBe(201);
      // A deep insert refused for one bad observation: nothing of it, its latest row neither.
      const refused = await server.post('Datastreams', { ...thingPayload('PG-3', 'methane', 113.14, 23.01).Datastreams[0]!, Thing: { '@iot.id': 2 }, Observations: [{ result: 9, phenomenonTime: '2026-11-25T02:00:00Z' }, { result: 9, FeatureOfInterest: { '@iot.id': 999999 } }] });
      expect(refused.status).toBe(400);
      expect(await latest()).toEqual([
        [1, 2, '2026-11-25T00:00:00.000Z'],
        [2, 7, '2026-11-25T01:02:00.000Z'],
      ]);
      // The index the viewer loads reads it.
      const index = (await server.json<{ datastreamIds: number[]; values: (number | null)[] }>('SensorIndex')) as unknown as Record<string, unknown>;
      expect(JSON.stringify(index)).toContain('7');
      const newest = (await server.json<Collection>('Datastreams(2)/Observations?$orderby=phenomenonTime desc&$top=1')).value[0]!['@iot.id'] as number;
      expect((await fetch(`${server.base}/Observations(${newest})`, { method: 'DELETE', headers: { 'X-API-Key': 'test-key-5f1c' } })).status).toBe(200);
      expect(await latest()).toEqual([
        [1, 2, '2026-11-25T00:00:00.000Z'],
        [2, 6, '2026-11-25T01:01:00.000Z'],
      ]);
    });

    test('retention drops whole month partitions before a time (a function of the schema, and the store\'s prune)', async () => {
      expect((await server.json<Collection>('Observations?$count=true&$top=0'))['@iot.count']).toBe(5);
      const dropped = await server.monitoring.store.pruneObservations(Date.parse('2020-01-01T00:00:00Z'));
      expect(dropped).toBe(2); // 2018-07 and 2019-03
      const left = await sql<{ partition: string }>(server.databasePath, "SELECT partition FROM observation_partitions WHERE partition < 'observations_p2020'");
      expect(left).toEqual([]);
      expect((await sql<{ n: number }>(server.databasePath, "SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('observations_p201807', 'observations_p201903')"))[0]!.n).toBe(0);
      // The one reading before 2020 (moved to 2018-07 above) went with its partition.
      expect((await server.json<Collection>('Observations?$count=true&$top=0'))['@iot.count']).toBe(4);
      // A month in the partition's range is made again when a reading for it comes.
      expect((await observe(server, 1, 3, '2019-03-16T00:00:00Z')).status).toBe(201);
      expect((await sql<{ n: number }>(server.databasePath, 'SELECT sta_drop_observation_partitions($1) AS n', [Date.parse('2019-04-01T00:00:00Z')]))[0]!.n).toBe(1);
    });
  });

  describe('$count and the statement timeout', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ backend: 'postgres', postgres: { exactCountLimit: 1_000 } });
      await server.post('Things', thingPayload('CNT-1', 'methane', 113.12, 23.01));
      await server.post('Observations', { Datastream: { '@iot.id': 1 }, result: 1, phenomenonTime: '2026-11-01T00:00:00Z' });
      // 50,000 more readings in one statement, then the planner's statistics.
      await server.sql(`INSERT INTO observations (datastream_id, phenomenon_time, result, feature_of_interest_id)
        SELECT 1, ${Date.parse('2026-11-01T00:00:00Z')} + i * 1000, i % 100, (SELECT feature_of_interest_id FROM observations LIMIT 1) FROM generate_series(1, 50000) AS i;
        ANALYZE observations`);
    });
    afterAll(() => server.close());

    test('exact up to the limit; past it the planner\'s estimate, marked as one', async () => {
      const small = await server.json<Collection>(`Observations?$count=true&$top=1&$filter=${encodeURIComponent('result eq 7')}`);
      expect(small['@iot.count']).toBe(500);
      expect(small['@cim-twin.countEstimated']).toBeUndefined();
      const big = await server.json<Collection>('Observations?$count=true&$top=1');
      expect(big['@cim-twin.countEstimated']).toBe(true);
      // The estimate is the planner's (from ANALYZE): near the truth, and never below the limit.
      expect(big['@iot.count']).toBeGreaterThan(1_000);
      expect(Math.abs(big['@iot.count']! - 50_001) / 50_001).toBeLessThan(0.2);
    });

    test('a read that passes the statement timeout is a 503 with a message, at once, and the server goes on', async () => {
      const tight = await startTestServer({ backend: 'postgres', databasePath: server.databasePath, postgres: { readTimeoutMilliseconds: 1 } });
      try {
        const started = Date.now();
        const response = await tight.get(`Observations?$count=true&$filter=${encodeURIComponent('result mul 3 add phenomenonTime div 7 gt 1e300')}`);
        expect(response.status).toBe(503);
        expect(((await response.json()) as { message: string }).message).toMatch(/statement timeout/);
        expect(Date.now() - started).toBeLessThan(3_000);
      } finally {
        await tight.close();
      }
      expect((await server.get('Things(1)')).status).toBe(200);
    });
  });

  describe('group commit', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ backend: 'postgres' });
      // A property without a threshold rule: no incidents, only the readings.
      expect((await server.post('Things', thingPayload('GC-1', 'gc-level', 113.12, 23.01))).status).toBe(201);
      expect((await server.post('Things', thingPayload('GC-2', 'gc-level', 113.13, 23.01))).status).toBe(201);
    });
    afterAll(() => server.close());

    test('200 single POSTs at once: each stored and answered with its own id, sharing commits; the stream gets each once, in id order', async () => {
      const stream = await streamed(server);
      try {
        const before = { ...pgStore(server).groupStatistics };
        const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => observe(server, 1 + (i % 2), i, new Date(Date.parse('2026-11-21T00:00:00Z') + i * 1000).toISOString())));
        expect(responses.map((r) => r.status)).toEqual(Array(200).fill(201));
        const answered = await Promise.all(responses.map(async (r) => (await r.json()) as { '@iot.id': number; result: number }));
        // Each answer is its own request's observation: its id holds its result.
        expect(answered.map((a) => a.result)).toEqual(Array.from({ length: 200 }, (_, i) => i));
        const ids = answered.map((a) => a['@iot.id']);
        expect(new Set(ids).size).toBe(200);
        const stored = await sql<{ id: number; result: number; datastream_id: number }>(server.databasePath, 'SELECT id::int AS id, result, datastream_id::int AS datastream_id FROM observations WHERE phenomenon_time >= $1 ORDER BY id', [Date.parse('2026-11-21T00:00:00Z')]);
        expect(stored.length).toBe(200);
        for (const a of answered) expect(stored.find((r) => r.id === a['@iot.id'])).toMatchObject({ result: a.result, datastream_id: 1 + (a.result % 2) });
        // The writes shared transactions: fewer commits than writes.
        const after = pgStore(server).groupStatistics;
        expect(after.writes - before.writes).toBe(200);
        expect(after.groups - before.groups).toBeLessThan(200);
        expect(after.largest).toBeGreaterThan(1);
        // The stream: every one, once, in id (commit) order.
        await until(() => stream.received.length >= 200, 'the 200 observations on the stream');
        await new Promise((r) => setTimeout(r, 200));
        expect(stream.received.map((o) => o.id)).toEqual([...ids].sort((a, b) => a - b));
      } finally {
        stream.client.stop();
      }
    });

    test('in one group, a write that fails (a violated constraint, a value out of range, an unknown Datastream) gets its error alone; the others commit together and are streamed in order', async () => {
      // A third sensor with one reading (the store now knows its Datastream), then deleted behind the store's back:
      // its next reading passes the store's checks and breaks the foreign key in the database.
      expect((await server.post('Things', thingPayload('GC-3', 'gc-level', 113.14, 23.01))).status).toBe(201);
      expect((await server.post('Observations', { Datastream: { '@iot.id': 3 }, result: 1, phenomenonTime: '2026-11-19T00:00:00Z' })).status).toBe(201);
      await server.sql('DELETE FROM datastreams WHERE id = 3');
      const stream = await streamed(server);
      try {
        const store = pgStore(server);
        const before = { ...store.groupStatistics };
        // Called in one go: they queue together and run as one group.
        const outcomes = await Promise.allSettled([
          store.insertObservations([reading(1, 1001)]),
          store.insertObservations([reading(3, 1900)]),
          store.insertObservations([reading(2, 1002)]),
          store.insertObservations([reading(1, 1901, { featureOfInterestId: 10n ** 20n })]),
          store.insertObservations([reading(999, 1902)]),
          store.insertObservations([reading(2, 1003), reading(1, 1004)]),
        ]);
        expect(store.groupStatistics.groups - before.groups).toBe(1);
        expect(store.groupStatistics.writes - before.writes).toBe(6);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
        const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
        for (const error of errors) expect(error).toBeInstanceOf(BadRequestError);
        expect(errors[0]!.message).toMatch(/linked entity does not exist/);
        expect(errors[1]!.message).toMatch(/out of range/);
        expect(errors[2]!.message).toMatch(/Datastream 999 does not exist/);
        const answeredIds = outcomes.flatMap((o) => (o.status === 'fulfilled' ? o.value.observations.map((x) => x.id) : []));
        const stored = await sql<{ id: number; result: number }>(server.databasePath, 'SELECT id::int AS id, result FROM observations WHERE result >= 1000 ORDER BY id');
        expect(stored.map((r) => r.result)).toEqual([1001, 1002, 1003, 1004]);
        expect(stored.map((r) => r.id)).toEqual(answeredIds);
        await until(() => stream.received.length >= 4, 'the 4 stored observations on the stream');
        await new Promise((r) => setTimeout(r, 200));
        expect(stream.received.map((o) => [o.id, o.result])).toEqual(stored.map((r) => [r.id, r.result]));
        // The store goes on: the next write is stored.
        expect((await observe(server, 1, 1005, '2026-11-22T00:00:00Z')).status).toBe(201);
      } finally {
        stream.client.stop();
      }
    });
  });

  describe('a write of readings from many sensors not seen yet', () => {
    let server: TestServer;
    /** Statements sent on the store's pool while `counting` (the write, and the stream feed reading it back). */
    let statements = 0;
    let counting = false;
    const wrapped = new WeakSet<object>();
    beforeAll(async () => {
      server = await startTestServer({ backend: 'postgres' });
      const store = pgStore(server);
      // 300 sensors of a property without a threshold rule, each with its own Location.
      await Promise.all(Array.from({ length: 300 }, (_, i) => store.createThing(thingSchema.parse(thingPayload(`MANY-${i}`, 'gc-level', 113 + i * 0.001, 23.01)))));
      store.pool.on('acquire', (client) => {
        if (wrapped.has(client)) return;
        wrapped.add(client);
        const query = client.query.bind(client) as (...parameters: unknown[]) => unknown;
        (client as { query: unknown }).query = (...parameters: unknown[]) => {
          if (counting) statements++;
          return query(...parameters);
        };
      });
    });
    afterAll(() => server.close());

    const count = async <T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> => {
      statements = 0;
      counting = true;
      try {
        return { result: await work(), statements };
      } finally {
        counting = false;
      }
    };

    test('300 Datastreams in one write: a few statements, not a few per row; each reading gets its Location\'s FeatureOfInterest, made once; an unknown Datastream is that row\'s error', async () => {
      const store = pgStore(server);
      const ids = (await sql<{ id: number }>(server.databasePath, 'SELECT id::int AS id FROM datastreams ORDER BY id')).map((r) => r.id);
      expect(ids.length).toBe(300);
      const rows = [...ids.map((id, i) => reading(id, i)), reading(99_999, 5000), ...ids.map((id, i) => reading(id, 1000 + i))];
      const first = await count(() => store.insertObservationRows(rows));
      expect(first.result.outcomes.filter((o) => 'id' in o).length).toBe(600);
      expect(first.result.outcomes[300]).toEqual({ error: 'Datastream 99999 does not exist' });
      // One row at a time took three statements per new sensor (its Datastream, its FeatureOfInterest looked up, then made): over 900.
      expect(first.statements).toBeLessThan(40);
      // Every reading's FeatureOfInterest is the one made from its Thing's Location, one per Location.
      const features = await sql<{ n: number; wrong: number; observations: number }>(server.databasePath, `
        SELECT (SELECT count(*)::int FROM features_of_interest) AS n,
               (SELECT count(*)::int FROM observations) AS observations,
               (SELECT count(*)::int FROM observations o JOIN datastreams d ON d.id = o.datastream_id JOIN thing_locations tl ON tl.thing_id = d.thing_id
                JOIN features_of_interest f ON f.id = o.feature_of_interest_id WHERE f.location_id IS DISTINCT FROM tl.location_id) AS wrong`);
      expect(features).toEqual([{ n: 300, wrong: 0, observations: 600 }]);
      // Again: the Datastreams and their FeaturesOfInterest are known, nothing new is made.
      const again = await count(() => store.insertObservationRows(ids.map((id, i) => reading(id, 2000 + i))));
      expect(again.result.outcomes.every((o) => 'id' in o)).toBe(true);
      expect(again.statements).toBeLessThanOrEqual(first.statements);
      expect((await sql<{ n: number }>(server.databasePath, 'SELECT count(*)::int AS n FROM features_of_interest'))[0]!.n).toBe(300);
      // The stream feed read the writes back with the Datastreams it knows: their Things and places.
      const latest = await store.latestSensors();
      expect(latest.length).toBe(300);
    });
  });

  describe('the database unreachable', () => {
    let database: TestDatabase;
    let relay: Server;
    let port: number;
    const sockets = new Set<Socket>();
    /** A TCP relay to the PostgreSQL server, on a fixed port: closing it is the database going away. */
    const openRelay = () =>
      new Promise<void>((resolve) => {
        relay = createServer((client) => {
          const upstream = connect(5432, '127.0.0.1');
          sockets.add(client).add(upstream);
          client.pipe(upstream).pipe(client);
          const end = () => {
            client.destroy();
            upstream.destroy();
          };
          client.on('error', end).on('close', end);
          upstream.on('error', end).on('close', end);
        });
        relay.listen(port, '127.0.0.1', () => resolve());
      });
    const closeRelay = () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        relay.close(() => resolve());
      });

    beforeAll(async () => {
      database = await createTestDatabase(['postgis']);
      port = 30_000 + Math.floor(Math.random() * 20_000);
      await openRelay();
    });
    afterAll(async () => {
      await closeRelay().catch(() => {});
      await database.drop();
    });

    test('writes get a 503 with a message while it is away, nothing is stored, and the server reconnects by itself', async () => {
      const url = new URL(database.url);
      url.host = `127.0.0.1:${port}`;
      const server = await startTestServer({ backend: 'postgres', databasePath: url.toString(), postgres: { connectionTimeoutMilliseconds: 1_000 } });
      try {
        expect((await server.post('Things', thingPayload('DOWN-1', 'methane', 113.12, 23.01))).status).toBe(201);
        expect((await observe(server, 1, 1, '2026-11-25T00:00:00Z')).status).toBe(201);
        await closeRelay();
        const refused = await observe(server, 1, 2, '2026-11-25T00:01:00Z');
        expect(refused.status).toBe(503);
        expect(((await refused.json()) as { message: string }).message).toMatch(/unreachable.*nothing was stored/);
        const batch = await server.post('CreateObservations', [{ Datastream: { '@iot.id': 1 }, components: ['phenomenonTime', 'result'], dataArray: [['2026-11-25T00:02:00Z', 3]] }]);
        expect(batch.status).toBe(503);
        const read = await server.get('Observations');
        expect(read.status).toBe(503);
        await openRelay();
        expect((await observe(server, 1, 4, '2026-11-25T00:03:00Z')).status).toBe(201);
        const stored = await sql<{ result: number }>(database.url, 'SELECT result FROM observations ORDER BY id');
        expect(stored.map((r) => r.result)).toEqual([1, 4]);
      } finally {
        await server.close();
      }
    });
    test('a group cut off in the middle: every write of it gets the 503, nothing of it is stored', async () => {
      const url = new URL(database.url);
      url.host = `127.0.0.1:${port}`;
      const server = await startTestServer({ backend: 'postgres', databasePath: url.toString(), postgres: { connectionTimeoutMilliseconds: 1_000 } });
      const locker = new pg.Client({ connectionString: database.url });
      await locker.connect();
      try {
        expect((await server.post('Things', thingPayload('CUT-1', 'gc-level', 113.12, 23.01))).status).toBe(201);
        const ds = (await sql<{ id: number }>(database.url, 'SELECT max(id)::int AS id FROM datastreams'))[0]!.id;
        expect((await observe(server, ds, 1, '2026-11-25T00:00:00Z')).status).toBe(201);
        const store = pgStore(server);
        // The group's last write waits for a row lock; the connection goes while it waits, after the first two were written.
        const sensor = (await sql<{ id: number }>(database.url, 'SELECT max(id)::int AS id FROM sensors'))[0]!.id;
        await locker.query(`BEGIN; SELECT 1 FROM sensors WHERE id = ${sensor} FOR UPDATE`);
        const group = [
          store.insertObservations([reading(ds, 2)]),
          store.insertObservations([reading(ds, 3)]),
          store.update('Sensors', sensor, { name: 'cut' }),
        ].map((p) => p.then(() => undefined, (error: unknown) => error));
        // Waiting on the locker's transaction (its row lock).
        await until(async () => (await locker.query('SELECT 1 FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY (pg_blocking_pids(pid))')).rowCount === 1, 'the group waiting for the lock');
        await closeRelay();
        const errors = await Promise.all(group);
        for (const error of errors) {
          expect(error).toBeInstanceOf(StoreUnavailableError);
          expect((error as Error).message).toMatch(/unreachable.*nothing was stored/);
        }
        await locker.query('ROLLBACK');
        // Over HTTP too, a burst while it is away: a 503 each.
        const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => observe(server, ds, 10 + i, '2026-11-25T00:05:00Z')));
        expect(burst.map((r) => r.status)).toEqual(Array(10).fill(503));
        await openRelay();
        expect((await observe(server, ds, 4, '2026-11-25T00:03:00Z')).status).toBe(201);
        const stored = await sql<{ result: number }>(database.url, 'SELECT result FROM observations WHERE datastream_id = $1 ORDER BY id', [ds]);
        expect(stored.map((r) => r.result)).toEqual([1, 4]);
        expect((await sql<{ n: number }>(database.url, "SELECT count(*)::int AS n FROM sensors WHERE name = 'cut'"))[0]!.n).toBe(0);
        expect(store.groupStatistics.largest).toBe(1);
      } finally {
        await locker.end();
        await server.close();
      }
    });
  });
});
