/**
 * Fault tests of the live stream: resuming after a drop, a server killed with SIGKILL in the
 * middle of a stream and restarted, and a slow client beside fast ones.
 */
import { get } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { StreamClient } from '../../monitoring/stream-client.ts';
import type { StreamObservation } from '../../monitoring/types.ts';
import { startTestServer, temporaryDatabase, testBackends, TEST_KEY, thingPayload } from './testing/test-server.ts';
import { randomPort, startMonitoringProcess } from './testing/server-process.ts';

async function until(condition: () => boolean, timeoutMilliseconds = 20_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMilliseconds) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function collector(url: string, lastEventId?: string) {
  const received: StreamObservation[] = [];
  const states: string[] = [];
  const client = new StreamClient({ url, lastEventId, onUpdate: (u) => received.push(...u.observations), onState: (s) => states.push(s), initialBackoffMilliseconds: 100, maximumBackoffMilliseconds: 500 });
  client.start();
  return { client, received, states };
}

const cleanups: (() => unknown)[] = [];
// The stream reads the store when a client resumes: both backends (one that cannot run is named with its reason and left out).
const BACKENDS = (await testBackends('stream')).filter((b) => !b.skipReason);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.each(BACKENDS)('on $name', ({ backend }) => {
  describe('resuming', () => {
    test('a client that reconnects with its cursor gets what it missed, once', async () => {
      const server = await startTestServer({ backend });
      cleanups.push(() => server.close());
      await server.post('Things', thingPayload('MH-1', 'methane', 113.12, 23.01));
      const post = (result: number) => server.post('Observations', { Datastream: { '@iot.id': 1 }, result });
      const first = collector(`${server.base}/Stream`);
      await until(() => first.client.state === 'live', 5000, 'live');
      await post(1);
      await post(2);
      await until(() => first.received.length === 2);
      const cursor = first.client.lastEventId;
      first.client.stop();
      await post(3);
      await post(4);
      const second = collector(`${server.base}/Stream`, cursor);
      cleanups.push(() => second.client.stop());
      await until(() => second.received.length === 2, 5000, 'the missed observations');
      await post(5);
      await until(() => second.received.length === 3);
      expect(second.received.map((o) => o.result)).toEqual([3, 4, 5]);
    });

    test('a client that reconnects while writes keep coming gets every observation once, in order', async () => {
      const server = await startTestServer({ backend });
      cleanups.push(() => server.close());
      await server.post('Things', thingPayload('MH-2', 'methane', 113.12, 23.01));
      const post = (result: number) => server.post('Observations', { Datastream: { '@iot.id': 1 }, result });
      const first = collector(`${server.base}/Stream`);
      await until(() => first.client.state === 'live', 5000, 'live');
      await post(0);
      await until(() => first.received.length === 1);
      const cursor = first.client.lastEventId;
      first.client.stop();
      for (let i = 1; i <= 20; i++) await post(i / 100);
      // Writes go on while the second client replays and joins.
      const writing = (async () => {
        for (let i = 21; i <= 60; i++) await post(i / 100);
      })();
      const second = collector(`${server.base}/Stream`, cursor);
      cleanups.push(() => second.client.stop());
      await writing;
      await until(() => second.received.length >= 60, 10_000, 'every observation');
      await new Promise((r) => setTimeout(r, 200));
      expect(second.received.map((o) => Math.round(o.result as number * 100))).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    });

    test('bbox and types filter the stream', async () => {
      const server = await startTestServer({ backend });
      cleanups.push(() => server.close());
      await server.post('Things', thingPayload('IN', 'methane', 113.12, 23.01));
      await server.post('Things', thingPayload('OUT', 'methane', 113.5, 23.01));
      await server.post('Things', thingPayload('OTHER', 'water-pressure', 113.12, 23.01));
      const received: StreamObservation[] = [];
      const client = new StreamClient({ url: `${server.base}/Stream`, bbox: [113.1, 23.0, 113.2, 23.1], types: ['methane'], onUpdate: (u) => received.push(...u.observations) });
      client.start();
      cleanups.push(() => client.stop());
      await until(() => client.state === 'live');
      for (const id of [1, 2, 3]) await server.post('Observations', { Datastream: { '@iot.id': id }, result: id });
      await server.post('Observations', { Datastream: { '@iot.id': 1 }, result: 9 });
      await until(() => received.length === 2);
      expect(received.map((o) => [o.assetId, o.result])).toEqual([['IN', 1], ['IN', 9]]);
    });
  });
});

describe('a server killed in the middle of a stream', () => {
  test('SIGKILL, restart: the client catches up with no gap and no duplicate, and no acknowledged write is lost', async () => {
    const database = temporaryDatabase();
    cleanups.push(() => database.remove());
    const port = randomPort();
    const base = `http://127.0.0.1:${port}/v1.1`;
    let child = await startMonitoringProcess(database.path, port, TEST_KEY);
    cleanups.push(() => child.kill('SIGKILL'));
    const post = (path: string, body: unknown) => fetch(`${base}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': TEST_KEY }, body: JSON.stringify(body) });
    expect((await post('Things', thingPayload('MH-1', 'methane', 113.12, 23.01))).status).toBe(201);
    const { client, received, states } = collector(`${base}/Stream`);
    cleanups.push(() => client.stop());
    await until(() => client.state === 'live');

    const acknowledged: number[] = [];
    let next = 1;
    const writeSome = async (count: number) => {
      for (let i = 0; i < count; i++, next++) {
        try {
          const response = await post('CreateObservations', [{ Datastream: { '@iot.id': 1 }, components: ['result'], dataArray: [[next]] }]);
          if (response.status === 201) acknowledged.push(next);
        } catch {
          // the server is down: not acknowledged
        }
      }
    };
    await writeSome(50);
    // Kill it while writes are in flight.
    const writing = writeSome(50);
    await new Promise((r) => setTimeout(r, 30));
    child.kill('SIGKILL');
    await writing;
    await until(() => client.state === 'stale', 5000, 'stale');
    child = await startMonitoringProcess(database.path, port, TEST_KEY);
    await writeSome(50);
    await until(() => received.length >= acknowledged.length && client.state === 'live', 20_000, 'catch-up');
    await new Promise((r) => setTimeout(r, 300));

    const results = received.map((o) => o.result as number);
    expect(new Set(results).size).toBe(results.length); // no duplicate
    for (const value of acknowledged) expect(results).toContain(value); // no acknowledged write lost
    const ids = received.map((o) => o.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const stored = (await (await fetch(`${base}/Observations?$count=true&$top=1`)).json()) as { '@iot.count': number };
    expect(stored['@iot.count']).toBe(results.length); // no gap: everything stored was delivered
    expect(states).toContain('stale');
    expect(acknowledged.length).toBeGreaterThan(100);
  }, 60_000);
});

describe.each(BACKENDS)('on $name', ({ backend }) => {
  describe('a slow client', () => {
    test('does not slow the others: it is dropped and the fast client gets everything', async () => {
      const server = await startTestServer({ backend, stream: { maximumBufferedBytes: 2 * 1024 * 1024 } });
      cleanups.push(() => server.close());
      await server.post('Things', thingPayload('MH-1', 'methane', 113.12, 23.01));
      // A client that connects and never reads.
      const slow = await new Promise<import('node:http').IncomingMessage>((resolve) => get(`${server.base}/Stream`, (response) => {
        response.pause();
        resolve(response);
      }));
      cleanups.push(() => slow.destroy());
      const fast = collector(`${server.base}/Stream`);
      cleanups.push(() => fast.client.stop());
      await until(() => fast.client.state === 'live');
      const batches = 120;
      const perBatch = 1000;
      const started = Date.now();
      for (let b = 0; b < batches; b++) {
        const dataArray = Array.from({ length: perBatch }, (_, i) => [b * perBatch + i]);
        const response = await server.post('CreateObservations', [{ Datastream: { '@iot.id': 1 }, components: ['result'], dataArray }]);
        expect(response.status).toBe(201);
      }
      await until(() => fast.received.length === batches * perBatch, 30_000, 'the fast client');
      const elapsed = Date.now() - started;
      expect(server.monitoring.hub.droppedSlowClients).toBe(1);
      expect(fast.states, 'the fast client was never dropped').not.toContain('stale');
      expect(fast.received.at(-1)!.result).toBe(batches * perBatch - 1);
      // Not a timing assertion on speed, only that the fast client was not held up until a timeout.
      expect(elapsed).toBeLessThan(30_000);
    }, 60_000);
  });
});
