/**
 * The stream feed (PostgreSQL) after rows loaded behind a running server's back (COPY or INSERT:
 * they take ids and notify nobody, so the next write's notification names them all):
 *  - up to `maximumFeedGap` rows: they reach the stream in reads of `feedChunkSize`, each
 *    delivered before the next is read, all of them, in order, once, then the write;
 *  - past it: none of them is read; the client is sent a `reset` naming the REST query of exactly
 *    those rows, then the write comes on the stream as usual.
 * Skipped, with the reason, only where no PostgreSQL answers (CI has one; then it must run).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { StreamClient } from '../../monitoring/stream-client.ts';
import { postgresReachable } from '../assets/testing/postgres.ts';
import { until } from '../sensorthings/faults/harness.ts';
import { startTestServer, thingPayload, type TestServer } from '../sensorthings/testing/test-server.ts';
import type { StreamReset } from '../sensorthings/stream.ts';

const reachable = await postgresReachable();
if (!reachable.reachable) {
  if (process.env.CI) throw new Error(`CI must run the cluster tests: ${reachable.reason}`);
  console.warn(`stream feed after a bulk load: skipped: ${reachable.reason}`);
}

const CHUNK = 500;
const GAP = 3_000;

describe.runIf(reachable.reachable)('stream feed after a bulk load behind the server\'s back', () => {
  let server: TestServer;
  let datastream: number;

  beforeAll(async () => {
    server = await startTestServer({ backend: 'postgres', stream: { feedChunkSize: CHUNK, maximumFeedGap: GAP } });
    const response = await server.post('Things', thingPayload('BULK-1', 'water-pressure', 113.1, 23.1));
    expect(response.status).toBe(201);
    const thing = (await response.json()) as { '@iot.id': number };
    datastream = (await server.json<{ value: { '@iot.id': number }[] }>(`Things(${thing['@iot.id']})/Datastreams?$select=id`)).value[0]!['@iot.id'];
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  /** Rows straight into the table (no notification), from now back; their ids. */
  async function load(rows: number): Promise<{ first: number; last: number }> {
    const start = Date.now() - 7_200_000;
    await server.sql(`INSERT INTO observations (datastream_id, phenomenon_time, result) SELECT ${datastream}, ${start} + i * 100, 0.3 FROM generate_series(1, ${rows}) i`);
    const ids = await server.json<{ value: { '@iot.id': number }[] }>(`Observations?$orderby=id desc&$top=1&$select=id`);
    const last = ids.value[0]!['@iot.id'];
    return { first: last - rows + 1, last };
  }

  function listen() {
    const received = { updates: [] as number[][], resets: 0 };
    const client = new StreamClient({
      url: `${server.base}/Stream`,
      onUpdate: (update) => received.updates.push(update.observations.map((o) => o.id)),
      onReset: () => received.resets++,
    });
    client.start();
    return { client, received };
  }

  const write = (second: number) =>
    server.post('Observations', { Datastream: { '@iot.id': datastream }, result: 0.4, phenomenonTime: new Date(Date.now() - 60_000 + second * 1000).toISOString() });

  test('a load under the bound reaches the stream chunk by chunk: all rows, in order, once, then the write', async () => {
    const { client, received } = listen();
    await until(() => client.state === 'live', 20_000, 'a live stream');
    const loaded = await load(2_000);
    const before = server.monitoring.cluster!.feed.statistics.largestChunk;
    const response = await write(1);
    expect(response.status).toBe(201);
    const written = ((await response.json()) as { '@iot.id': number })['@iot.id'];
    await until(() => received.updates.flat().includes(written), 20_000, 'the write on the stream');
    client.stop();
    const ids = received.updates.flat();
    expect(ids).toEqual([...Array.from({ length: 2_000 }, (_, i) => loaded.first + i), written]);
    // Read and sent in chunks, not whole: no update larger than a chunk.
    expect(Math.max(...received.updates.map((u) => u.length))).toBeLessThanOrEqual(CHUNK);
    expect(Math.max(before, server.monitoring.cluster!.feed.statistics.largestChunk)).toBeLessThanOrEqual(CHUNK);
    expect(received.resets).toBe(0);
  }, 60_000);

  test('a load past the bound is not read: the client gets a reset naming those rows, then the write', async () => {
    const events: { event: string; data: string }[] = [];
    const { client, received } = listen();
    await until(() => client.state === 'live', 20_000, 'a live stream');
    // The raw events too, for the reset's REST query.
    const raw = await fetch(`${server.base}/Stream`);
    const reader = raw.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += value;
        for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data });
        }
      }
    })().catch(() => {});
    await until(() => events.some((e) => e.event === 'hello'), 20_000, 'the raw stream');
    const skippedBefore = server.monitoring.cluster!.feed.statistics.skipped;
    const loaded = await load(GAP + 500);
    const response = await write(2);
    expect(response.status).toBe(201);
    const written = ((await response.json()) as { '@iot.id': number })['@iot.id'];
    await until(() => received.updates.flat().includes(written), 20_000, 'the write on the stream');
    await until(() => events.some((e) => e.event === 'update'), 5_000, 'the write on the raw stream');
    client.stop();
    await reader.cancel();
    await reading;
    expect(received.resets).toBe(1);
    // None of the loaded rows on the stream: only the write.
    expect(received.updates.flat()).toEqual([written]);
    expect(server.monitoring.cluster!.feed.statistics.skipped).toBe(skippedBefore + 1);
    const reset = JSON.parse(events.find((e) => e.event === 'reset')!.data) as StreamReset;
    expect(reset.cursor.split('.')[0]).toBe(String(loaded.last));
    // The reset's REST query pages through exactly the rows not sent.
    const paged: number[] = [];
    for (let next: string | undefined = reset.resume.observations!; next; ) {
      const page = (await (await fetch(next)).json()) as { value: { '@iot.id': number }[]; '@iot.nextLink'?: string };
      paged.push(...page.value.map((o) => o['@iot.id']));
      next = page['@iot.nextLink'];
    }
    expect(paged).toEqual(Array.from({ length: GAP + 500 }, (_, i) => loaded.first + i));
    expect(events.filter((e) => e.event === 'update').flatMap((e) => (JSON.parse(e.data) as { observations: { id: number }[] }).observations.map((o) => o.id))).toEqual([written]);
  }, 60_000);
});
