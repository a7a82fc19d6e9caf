/**
 * The compact sensor index and the per-view stream: what a city-scale viewer loads at start and
 * what the stream sends it (values in its view and for its open panel, states everywhere else).
 */
import { gunzipSync } from 'node:zlib';
import { request } from 'node:http';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { decodeCompactSensors, type CompactSensors } from '../../domain/monitoring/compact-sensors.ts';
import { StreamClient } from '../../monitoring/stream-client.ts';
import type { StreamUpdate } from '../../monitoring/types.ts';
import { SensorThingsClient } from '../../monitoring/rest-client.ts';
import { parseView } from './stream.ts';
import { startTestServer, testBackends, thingPayload, type Backend, type TestServer } from './testing/test-server.ts';

async function until(condition: () => boolean, timeoutMilliseconds = 10_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMilliseconds) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cleanups: (() => unknown)[] = [];
// Both backends (one that cannot run is named with its reason and left out); `backend` is the one of the block running.
const BACKENDS = (await testBackends('sensor index')).filter((b) => !b.skipReason);
let backend: Backend = 'sqlite';
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Datastreams 1–2 in the district (IN-1, IN-2), 3–4 far away (OUT-3, OUT-4), all methane. */
async function cityServer(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer({ backend, ...options });
  cleanups.push(() => server.close());
  for (const [asset, lon] of [['IN-1', 113.12], ['IN-2', 113.121], ['OUT-3', 113.5], ['OUT-4', 113.501]] as const) {
    expect((await server.post('Things', thingPayload(asset, 'methane', lon, 23.02))).status).toBe(201);
  }
  return server;
}

const DISTRICT: [number, number, number, number] = [113.1, 23.0, 113.2, 23.1];
const observe = (server: TestServer, datastreamId: number, result: number, time: string) => server.post('Observations', { Datastream: { '@iot.id': datastreamId }, result, phenomenonTime: time });

function viewClient(server: TestServer, view: ConstructorParameters<typeof StreamClient>[0]['view'], lastEventId?: string) {
  const updates: StreamUpdate[] = [];
  const client = new StreamClient({ url: `${server.base}/Stream`, view, lastEventId, onUpdate: (u) => updates.push(u), initialBackoffMilliseconds: 100 });
  client.start();
  cleanups.push(() => client.stop());
  const values = () => updates.flatMap((u) => u.observations.map((o) => `${o.assetId}=${String(o.result)}`));
  const states = () => updates.flatMap((u) => (u.states ?? []).map(([, d, , s]) => `${d}:${s}`));
  return { client, updates, values, states };
}

describe.each(BACKENDS)('on $name', (b) => {
  beforeAll(() => {
    backend = b.backend;
  });

  describe('SensorIndex', () => {
    test('every located sensor with its latest reading and state, as the compact form; gzip when asked; kept up to date by writes', async () => {
      const server = await cityServer();
      await observe(server, 1, 2, '2026-12-06T04:00:00Z');
      await observe(server, 1, 55, '2026-12-06T04:01:00Z');
      await observe(server, 1, 3, '2026-12-06T03:00:00Z'); // older, arriving late: not the latest
      await observe(server, 3, 12, '2026-12-06T04:00:00Z');
      const document = await server.json<CompactSensors>('SensorIndex');
      const sensors = decodeCompactSensors(document);
      expect(sensors.map((s) => [s.datastreamId, s.assetId, s.value, s.state])).toEqual([[1, 'IN-1', 55, 1], [2, 'IN-2', undefined, 'normal'], [3, 'OUT-3', 12, 3], [4, 'OUT-4', undefined, 'normal']]);
      expect(sensors[0]!.timeMs).toBe(Date.parse('2026-12-06T04:01:00Z'));
      expect(sensors[2]).toMatchObject({ observedProperty: 'methane', assetKind: 'manhole', lonDegrees: 113.5, latDegrees: 23.02, name: 'methane OUT-3' });
      // Later writes are in the next read (from memory, kept up to date as the stream is).
      await observe(server, 1, 1, '2026-12-06T04:02:00Z');
      expect(decodeCompactSensors(await server.json<CompactSensors>('SensorIndex'))[0]).toMatchObject({ value: 1, state: 'normal' });
      // A sensor added later is read from the database again.
      await server.post('Things', thingPayload('IN-5', 'methane', 113.13, 23.02));
      expect(decodeCompactSensors(await server.json<CompactSensors>('SensorIndex')).map((s) => s.assetId)).toEqual(['IN-1', 'IN-2', 'OUT-3', 'OUT-4', 'IN-5']);

      const gzipped = await new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
        request(`${server.base}/SensorIndex`, { headers: { 'Accept-Encoding': 'gzip, br' } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }));
        }).on('error', reject).end();
      });
      expect(gzipped.encoding).toBe('gzip');
      expect(decodeCompactSensors(JSON.parse(gunzipSync(gzipped.body).toString()) as CompactSensors)).toHaveLength(5);
    });

    test('the viewer client loads it, and falls back to expanded Things from a server without it', async () => {
      const server = await cityServer();
      await observe(server, 2, 30, '2026-12-06T04:00:00Z');
      const compact = await new SensorThingsClient(server.base).loadSensorIndex();
      expect(compact.compact).toBe(true);
      expect(compact.sensors.find((s) => s.datastreamId === 2)).toMatchObject({ assetId: 'IN-2', value: 30, time: '2026-12-06T04:00:00.000Z', unitSymbol: 'u' });
      // A plain SensorThings server answers 404 to SensorIndex.
      const plain = new SensorThingsClient(server.base, (input, init) => (String(input).endsWith('/SensorIndex') ? Promise.resolve(new Response('{}', { status: 404 })) : fetch(input, init)));
      const expanded = await plain.loadSensorIndex();
      expect(expanded.compact).toBe(false);
      expect(expanded.sensors.map((s) => s.assetId)).toEqual(compact.sensors.map((s) => s.assetId));
    });
  });

  describe('the stream, per view', () => {
    test('values in the view and for the watched sensor; out of it only state changes; every incident', async () => {
      const server = await cityServer();
      const { client, values, states, updates } = viewClient(server, { bbox: DISTRICT, watch: [4] });
      await until(() => client.state === 'live', 5000, 'live');
      await observe(server, 1, 2, '2026-12-06T04:00:00Z'); // in view
      await observe(server, 3, 2, '2026-12-06T04:00:00Z'); // out, its first reading (none when the view was set): sent as a state
      await observe(server, 3, 2.5, '2026-12-06T04:01:00Z'); // out, still normal: not sent
      await observe(server, 4, 3, '2026-12-06T04:01:00Z'); // out but watched: its value
      await observe(server, 3, 60, '2026-12-06T04:02:00Z'); // out, normal → level I: its state, and the incident
      await until(() => states().includes('3:1') && values().includes('OUT-4=3'), 5000, 'the state change and the watched value');
      expect(values()).toEqual(['IN-1=2', 'OUT-4=3']);
      expect(states()).toEqual(['3:0', '3:1']);
      expect(updates.flatMap((u) => u.incidents.map((i) => i.assetIds[0]))).toContain('OUT-3');
    });

    test('the view moves by POST …/Stream/View with the stream id; a bad view is refused and an unknown stream is 404', async () => {
      const server = await cityServer();
      const { client, values, states } = viewClient(server, { bbox: DISTRICT });
      await until(() => client.state === 'live', 5000, 'live');
      client.setView({ bbox: [113.4, 23.0, 113.6, 23.1] });
      // The move is acknowledged when a reading in the new view arrives with its value.
      await until(() => client.viewInEffect, 5000, 'the view sent');
      await observe(server, 3, 2, '2026-12-06T04:00:00Z');
      await observe(server, 1, 2, '2026-12-06T04:00:00Z');
      await observe(server, 1, 2, '2026-12-06T04:01:00Z');
      await until(() => values().length === 1 && states().length === 1, 5000, 'the moved view');
      expect(values()).toEqual(['OUT-3=2']);
      expect(states()).toEqual(['1:0']);
      const post = (body: unknown) => fetch(`${server.base}/Stream/View`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post({ stream: 'no-such-stream', bbox: DISTRICT })).status).toBe(404);
      expect((await post({ stream: 'x', bbox: [114, 23, 113, 24] })).status).toBe(400);
      expect((await post({ stream: 'x', bbox: [1, 2, 3] })).status).toBe(400);
      expect((await fetch(`${server.base}/Stream?view=1,2,3`)).status).toBe(400);
    });

    test('a sensor out of view that keeps its state is still sent now and then, so it stays online', async () => {
      const server = await cityServer({ stream: { stateRefreshMilliseconds: 5 * 60_000 } });
      await observe(server, 3, 2, '2026-12-06T04:00:00Z');
      const { client, states } = viewClient(server, { bbox: DISTRICT });
      await until(() => client.state === 'live', 5000, 'live');
      for (let minute = 1; minute <= 11; minute++) await observe(server, 3, 2, `2026-12-06T04:${String(minute).padStart(2, '0')}:00Z`);
      await until(() => states().length === 2, 5000, 'two refreshes');
      expect(states()).toEqual(['3:0', '3:0']); // at 04:05 and 04:10, five minutes after the reading known at the start
    });

    test('a view client that reconnects with its cursor gets no gap and no duplicate: values in view, and out of it each sensor\'s newest state', async () => {
      const server = await cityServer();
      const first = viewClient(server, { bbox: DISTRICT });
      await until(() => first.client.state === 'live', 5000, 'live');
      await observe(server, 1, 1, '2026-12-06T04:00:00Z');
      await until(() => first.values().length === 1, 5000, 'the first value');
      const cursor = first.client.lastEventId;
      first.client.stop();
      await observe(server, 1, 2, '2026-12-06T04:01:00Z');
      await observe(server, 3, 60, '2026-12-06T04:01:00Z');
      await observe(server, 3, 2, '2026-12-06T04:02:00Z');
      await observe(server, 4, 30, '2026-12-06T04:02:00Z');
      const second = viewClient(server, { bbox: DISTRICT }, cursor);
      await until(() => second.client.state === 'live', 5000, 'live again');
      await observe(server, 1, 3, '2026-12-06T04:03:00Z');
      await until(() => second.values().length === 2, 5000, 'the replay and the live value');
      expect(second.values()).toEqual(['IN-1=2', 'IN-1=3']);
      expect(second.states()).toEqual(['3:0', '4:2']);
    });

    test('view and watch query parameters', () => {
      expect(parseView({})).toBeUndefined();
      expect(parseView({ view: '1,2,3,4', watch: '5,6' })).toEqual({ bbox: [1, 2, 3, 4], watch: new Set([5, 6]) });
      expect(parseView({ view: 'none' })).toEqual({ watch: new Set() });
      expect(parseView({ view: '3,2,1,4' })).toMatch(/view must be/);
      expect(parseView({ view: 'none', watch: '1,x' })).toMatch(/watch must be/);
    });
  });
});
