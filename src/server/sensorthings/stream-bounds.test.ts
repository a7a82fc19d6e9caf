/**
 * Issue 20 §3: stream replays are bounded by count and by bytes buffered; a client further behind
 * is told where to resume from the REST API; a client that does not read is dropped, replay or
 * not; and a client that reads gets every observation once, in order, across the replay and the
 * live messages written meanwhile.
 */
import { get, type IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterEach, describe, expect, test } from 'vitest';
import { StreamClient } from '../../monitoring/stream-client.ts';
import type { StreamObservation } from '../../monitoring/types.ts';
import { startTestServer, thingPayload, type TestServer } from './testing/test-server.ts';

async function until(condition: () => boolean, timeoutMilliseconds = 20_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMilliseconds) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serverWith(observations: number, stream: NonNullable<Parameters<typeof startTestServer>[0]>['stream']): Promise<TestServer> {
  const server = await startTestServer({ stream });
  cleanups.push(() => server.close());
  expect((await server.post('Things', thingPayload('MH-1', 'methane', 113.12, 23.01))).status).toBe(201);
  for (let done = 0; done < observations; done += 10_000) {
    const dataArray = Array.from({ length: Math.min(10_000, observations - done) }, (_, i) => [(done + i) % 3]);
    expect((await server.post('CreateObservations', [{ Datastream: { '@iot.id': 1 }, components: ['result'], dataArray }])).status).toBe(201);
  }
  return server;
}

/** The events of a stream until `stop` says so. */
async function readEvents(url: string, lastEventId: string, stop: (events: EventSourceMessage[]) => boolean): Promise<{ events: EventSourceMessage[]; abort(): void }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { 'Last-Event-ID': lastEventId }, signal: abort.signal });
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  while (!stop(events)) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(value);
  }
  return { events, abort: () => abort.abort() };
}

/** Bytes the server holds unsent for its stream clients (live and replaying). */
function bufferedBytes(server: TestServer): number {
  const hub = server.monitoring.hub as unknown as Record<string, Set<{ reply: { raw: { writableLength: number } } }> | undefined>;
  let bytes = 0;
  for (const set of [hub.clients, hub.replaying]) for (const client of set ?? []) bytes += client.reply.raw.writableLength;
  return bytes;
}

describe('a replay is bounded by count', () => {
  test('a client further behind gets a reset naming the REST queries that page through what it missed, then the live stream', async () => {
    const server = await serverWith(1_200, { maximumReplay: 500 });
    const { events, abort } = await readEvents(`${server.base}/Stream`, '0.0', (e) => e.some((x) => x.event === 'hello'));
    cleanups.push(abort);
    const reset = events.find((e) => e.event === 'reset')!;
    expect(reset, 'a reset event').toBeDefined();
    const data = JSON.parse(reset.data) as { reason: string; cursor: string; resume: { observations: string } };
    expect(data.reason).toMatch(/more than 500 observations behind, the limit of one replay/);
    expect(data.cursor).toBe('1200.0');
    expect(reset.id).toBe('1200.0');
    expect(events.filter((e) => e.event === 'update')).toHaveLength(0);
    // The REST query pages through exactly what was missed.
    const ids: number[] = [];
    let next: string | undefined = data.resume.observations;
    while (next) {
      const page = (await (await fetch(next)).json()) as { value: { '@iot.id': number }[]; '@iot.nextLink'?: string };
      ids.push(...page.value.map((o) => o['@iot.id']));
      next = page['@iot.nextLink'];
    }
    expect(ids).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
  });

  test('a client further behind in incident changes gets a reset with the REST query for the incidents it missed', async () => {
    const server = await startTestServer({ stream: { maximumIncidentReplay: 2 } });
    cleanups.push(() => server.close());
    // Three manholes kilometres apart: three incidents.
    for (let i = 0; i < 3; i++) expect((await server.post('Things', thingPayload(`MH-${i}`, 'methane', 113.1 + i * 0.05, 23.01))).status).toBe(201);
    for (let i = 1; i <= 3; i++) expect((await server.post('Observations', { Datastream: { '@iot.id': i }, result: 30 })).status).toBe(201);
    const { events, abort } = await readEvents(`${server.base}/Stream`, '0.0', (e) => e.some((x) => x.event === 'hello'));
    cleanups.push(abort);
    const data = JSON.parse(events.find((e) => e.event === 'reset')!.data) as { reason: string; resume: { incidents?: string } };
    expect(data.reason).toMatch(/more than 2 incident changes behind/);
    const page = (await (await fetch(data.resume.incidents!)).json()) as { value: { assetIds: string[] }[] };
    expect(page.value.map((i) => i.assetIds[0]).sort()).toEqual(['MH-0', 'MH-1', 'MH-2']);
  });

  test("a view client's reset names only its share: values in its view, of the datastreams it watches, and of its types", async () => {
    const server = await startTestServer({ stream: { maximumReplay: 5 } });
    cleanups.push(() => server.close());
    // Three sensors kilometres apart (datastreams 1, 2, 3), and a fourth of another type beside the first (4).
    for (let i = 0; i < 3; i++) expect((await server.post('Things', thingPayload(`MH-${i}`, 'methane', 113.1 + i * 0.05, 23.01))).status).toBe(201);
    expect((await server.post('Things', thingPayload('WP-0', 'water-pressure', 113.1001, 23.0101))).status).toBe(201);
    const dataArray = Array.from({ length: 5 }, () => [1]);
    for (let d = 1; d <= 4; d++) expect((await server.post('CreateObservations', [{ Datastream: { '@iot.id': d }, components: ['result'], dataArray }])).status).toBe(201);
    const resumeOf = async (query: string) => {
      const { events, abort } = await readEvents(`${server.base}/Stream?${query}`, '0.0', (e) => e.some((x) => x.event === 'hello'));
      abort();
      const data = JSON.parse(events.find((e) => e.event === 'reset')!.data) as { resume: { observations?: string } };
      if (!data.resume.observations) return undefined;
      const datastreams = new Set<number>();
      let next: string | undefined = `${data.resume.observations}&$expand=Datastream($select=id)`;
      while (next) {
        const page = (await (await fetch(next)).json()) as { value: { Datastream: { '@iot.id': number } }[]; '@iot.nextLink'?: string };
        if (!page.value) throw new Error(`${next}: ${JSON.stringify(page)}`);
        for (const o of page.value) datastreams.add(o.Datastream['@iot.id']);
        next = page['@iot.nextLink'];
      }
      return [...datastreams].sort();
    };
    // Everything: all four. A view around the first place: 1 and 4; watching 3 too: 1, 3, 4.
    expect(await resumeOf('')).toEqual([1, 2, 3, 4]);
    expect(await resumeOf('view=113.09,23.0,113.11,23.02')).toEqual([1, 4]);
    expect(await resumeOf('view=113.09,23.0,113.11,23.02&watch=3')).toEqual([1, 3, 4]);
    // Of one type, inside a bbox: 1 only.
    expect(await resumeOf('bbox=113.09,23.0,113.11,23.02&types=methane')).toEqual([1]);
    // A view of nothing is sent no values: no observations to page through.
    expect(await resumeOf('view=none')).toBeUndefined();
  });

  test('the client library reloads on the reset and then gets the live messages', async () => {
    const server = await serverWith(1_200, { maximumReplay: 500 });
    const received: StreamObservation[] = [];
    let resets = 0;
    const client = new StreamClient({ url: `${server.base}/Stream`, lastEventId: '0.0', onUpdate: (u) => received.push(...u.observations), onReset: () => resets++ });
    client.start();
    cleanups.push(() => client.stop());
    await until(() => client.state === 'live', 10_000, 'live');
    expect(resets).toBe(1);
    await server.post('Observations', { Datastream: { '@iot.id': 1 }, result: 2 });
    await until(() => received.length === 1, 10_000, 'the live observation');
    expect(received[0]!.id).toBe(1201);
  });
});

describe('a replay is bounded by bytes buffered, and a client that does not read is dropped', () => {
  test('ten clients replaying 30,000 observations each that never read hold about one chunk each, and are dropped', async () => {
    const server = await serverWith(30_000, { maximumReplay: 50_000, stallMilliseconds: 1_500 });
    const sockets: IncomingMessage[] = [];
    for (let i = 0; i < 10; i++) {
      sockets.push(await new Promise<IncomingMessage>((resolve) => get(`${server.base}/Stream`, { headers: { 'Last-Event-ID': '0.0' } }, (response) => {
        response.pause();
        resolve(response);
      })));
    }
    cleanups.push(() => sockets.forEach((s) => s.destroy()));
    await new Promise((r) => setTimeout(r, 500));
    // A whole replay is about 6 MB a client; paced, one chunk of 1,000 (about 200 KB) at most.
    expect(bufferedBytes(server)).toBeLessThan(10 * 512 * 1024);
    // The server answers meanwhile.
    expect((await server.get('Things')).status).toBe(200);
    await until(() => server.monitoring.hub.clientCount === 0, 10_000, 'the clients that do not read to be dropped');
    expect(server.monitoring.hub.droppedSlowClients).toBe(10);
  }, 60_000);

  test('a live client that does not read is dropped once its socket has not drained for the stall time, below the buffer limit', async () => {
    const server = await serverWith(0, { maximumBufferedBytes: 256 * 1024 * 1024, stallMilliseconds: 500 });
    const slow = await new Promise<IncomingMessage>((resolve) => get(`${server.base}/Stream`, (response) => {
      response.pause();
      resolve(response);
    }));
    cleanups.push(() => slow.destroy());
    await until(() => server.monitoring.hub.clientCount === 1, 5_000, 'connected');
    // Enough to fill the kernel's socket buffers, far below the 256 MiB limit.
    for (let b = 0; b < 20 && server.monitoring.hub.clientCount > 0; b++) {
      const dataArray = Array.from({ length: 5000 }, (_, i) => [i % 3]);
      expect((await server.post('CreateObservations', [{ Datastream: { '@iot.id': 1 }, components: ['result'], dataArray }])).status).toBe(201);
    }
    await until(() => server.monitoring.hub.clientCount === 0, 10_000, 'the client that does not read to be dropped');
    expect(server.monitoring.hub.droppedSlowClients).toBe(1);
  }, 60_000);
});

describe('a paced replay loses nothing', () => {
  test('a client that reads gets every observation once and in order, through a replay of many chunks and writes made during it', async () => {
    const server = await serverWith(3_000, { replayChunk: 100 });
    const received: StreamObservation[] = [];
    const client = new StreamClient({ url: `${server.base}/Stream`, lastEventId: '0.0', onUpdate: (u) => received.push(...u.observations) });
    client.start();
    cleanups.push(() => client.stop());
    // Writes while the replay runs.
    for (let i = 0; i < 20; i++) {
      expect((await server.post('CreateObservations', [{ Datastream: { '@iot.id': 1 }, components: ['result'], dataArray: Array.from({ length: 50 }, () => [1]) }])).status).toBe(201);
    }
    await until(() => received.length === 4_000, 20_000, 'every observation');
    await new Promise((r) => setTimeout(r, 200));
    expect(received.map((o) => o.id)).toEqual(Array.from({ length: 4_000 }, (_, i) => i + 1));
    expect(client.state).toBe('live');
  });
});
