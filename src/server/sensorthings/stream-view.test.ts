/**
 * Issue 17: a client sent little (a narrow view or bbox while the city's sensors post elsewhere)
 * reads everything it is sent, and must not be taken for one that does not read. It was: every
 * write left output corked in the socket until the next tick, that started the stall clock, and
 * no `drain` ever stopped it (one comes only after a refused write), so the client was dropped
 * every `stallMilliseconds`, reconnected further behind each time, and was soon sent a `reset`
 * instead of what it missed. A replay of such a client hung the same way, waiting for a `drain`.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { StreamClient, type StreamClientOptions } from '../../monitoring/stream-client.ts';
import { startTestServer, testBackends, thingPayload, type Backend, type TestServer } from './testing/test-server.ts';

async function until(condition: () => boolean, timeoutMilliseconds = 20_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMilliseconds) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cleanups: (() => unknown)[] = [];
const BACKENDS = (await testBackends('stream')).filter((b) => !b.skipReason);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One sensor inside the view, four outside it (datastreams 1 and 2-5). */
const VIEW: [number, number, number, number] = [113.1, 23.0, 113.2, 23.1];
const OUTSIDE = [2, 3, 4, 5];

async function district(backend: Backend, stream: NonNullable<Parameters<typeof startTestServer>[0]>['stream']): Promise<TestServer> {
  const server = await startTestServer({ backend, stream });
  cleanups.push(() => server.close());
  expect((await server.post('Things', thingPayload('IN', 'methane', 113.12, 23.01))).status).toBe(201);
  for (const [i] of OUTSIDE.entries()) expect((await server.post('Things', thingPayload(`OUT-${i}`, 'methane', 113.5 + i * 0.01, 23.3))).status).toBe(201);
  return server;
}

/** `count` readings out of the view, then one in it: reading `round`/10 %LEL (all normal, so no incident). */
async function postRound(server: TestServer, count: number, round: number): Promise<void> {
  const groups = OUTSIDE.map((id) => ({ Datastream: { '@iot.id': id }, components: ['result'], dataArray: Array.from({ length: count / OUTSIDE.length }, () => [0.5]) }));
  expect((await server.post('CreateObservations', groups)).status).toBe(201);
  expect((await server.post('Observations', { Datastream: { '@iot.id': 1 }, result: round / 10 })).status).toBe(201);
}

function narrowClient(server: TestServer, narrow: Pick<StreamClientOptions, 'view' | 'bbox'>, lastEventId?: string) {
  const received: number[] = [];
  const states: string[] = [];
  let resets = 0;
  const client = new StreamClient({
    url: `${server.base}/Stream`,
    ...narrow,
    lastEventId,
    // The rounds the readings in the view were posted in.
    onUpdate: (u) => received.push(...u.observations.map((o) => Math.round((o.result as number) * 10))),
    onState: (s, detail) => states.push(detail.error ? `${s}(${detail.error})` : s),
    onReset: () => resets++,
    initialBackoffMilliseconds: 100,
    maximumBackoffMilliseconds: 500,
  });
  client.start();
  cleanups.push(() => client.stop());
  return { client, received, states, resets: () => resets };
}

const NARROW: [string, Pick<StreamClientOptions, 'view' | 'bbox'>][] = [
  ['a view', { view: { bbox: VIEW } }],
  ['a bbox', { bbox: VIEW }],
];

describe.each(BACKENDS)('on $name', ({ backend }) => {
  test.each(NARROW)('a client with %s that reads is never dropped, and gets every observation in it once, while many are posted elsewhere', async (_, narrow) => {
    // A short stall time, so a client wrongly taken for stalled is dropped many times over in this test.
    const server = await district(backend, { stallMilliseconds: 300, maximumReplay: 2_000 });
    const { client, received, states, resets } = narrowClient(server, narrow);
    await until(() => client.state === 'live', 5_000, 'live');
    const rounds = 30;
    const started = Date.now();
    for (let i = 0; i < rounds; i++) {
      await postRound(server, 400, i);
      await new Promise((r) => setTimeout(r, 50));
    }
    // 12,000 out of the view, six times the replay limit, over many times the stall time.
    expect(Date.now() - started).toBeGreaterThan(5 * 300);
    await until(() => received.length >= rounds, 10_000, 'the observations in the view');
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual(Array.from({ length: rounds }, (_, i) => i));
    expect(server.monitoring.hub.droppedSlowClients, 'clients dropped as not reading').toBe(0);
    expect(states, 'the connection was never lost').toEqual(['connecting', 'live']);
    expect(resets()).toBe(0);
  }, 60_000);

  test.each(NARROW)('a client with %s resuming through many replay chunks, each with little for it, is not held up waiting for a drain', async (_, narrow) => {
    // A stall time longer than the test: a replay that waits for a `drain` never finishes.
    const server = await district(backend, { stallMilliseconds: 120_000, replayChunk: 100 });
    const rounds = 10;
    for (let i = 0; i < rounds; i++) await postRound(server, 100, i);
    const { client, received, resets } = narrowClient(server, narrow, '0.0');
    await until(() => client.state === 'live' && received.length >= rounds, 10_000, 'the replay of the observations in the view');
    // And the live ones after it.
    await postRound(server, 100, 40);
    await until(() => received.length >= rounds + 1, 5_000, 'the live observation');
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual([...Array.from({ length: rounds }, (_, i) => i), 40]);
    expect(resets()).toBe(0);
    expect(server.monitoring.hub.droppedSlowClients).toBe(0);
  }, 60_000);
});
