/**
 * Fault (issue 17): a slow SSE client among 200 does not slow the others, on each backend, with
 * the server in a process of its own and its default stream bounds. (stream.test.ts has the
 * in-process SQLite test, one slow client beside one fast one, with a lowered buffer bound.)
 * One client connects and never reads; 199 read. Readings are posted at 2,000/s for 25 s. Every
 * reading client gets every update on its first connection, within seconds of the last POST; the
 * one that does not read is dropped: when it reads at last, its stream ends short of the end.
 */
import { get, type IncomingMessage } from 'node:http';
import { afterAll, describe, expect, test } from 'vitest';
import { monitoringBackends, post, registerSensors, startServerProcess, until, type ServerProcess } from './harness.ts';

const backends = await monitoringBackends('slow SSE client fault test');
afterAll(async () => {
  for (const backend of backends) await backend.tearDown();
});

const FAST_CLIENTS = 199;
const POST_EVERY_MILLISECONDS = 50;
const PER_POST = 100;
const SECONDS = 25;

/** An SSE reader that only follows the events' cursors (`id: <observation>.<incident>`), not their JSON. */
interface Reader {
  response: IncomingMessage;
  /** Observation part of the last cursor seen. */
  lastObservation: number;
  /** Observation part of every update's cursor. */
  cursors: number[];
  closed: boolean;
  lastAt: number;
}

function connect(url: string, read: boolean): Promise<Reader> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`Stream: ${response.statusCode}`));
      const reader: Reader = { response, lastObservation: 0, cursors: [], closed: false, lastAt: 0 };
      let tail = '';
      const onData = (chunk: Buffer) => {
        const text = tail + chunk.toString('utf8');
        const end = text.lastIndexOf('\n');
        tail = text.slice(end + 1);
        for (const match of text.slice(0, end + 1).matchAll(/^id: (\d+)\.\d+\nevent: update$/gm)) {
          reader.lastObservation = Number(match[1]);
          reader.cursors.push(reader.lastObservation);
          reader.lastAt = Date.now();
        }
      };
      response.on('data', onData);
      response.on('close', () => (reader.closed = true));
      if (!read) response.pause();
      resolve(reader);
    });
    request.on('error', reject);
  });
}

describe.each(backends)('a slow SSE client among 200 ($name)', (backend) => {
  test.skipIf(backend.skipReason !== undefined)('does not slow the other 199: they get every update on their first connection; it is dropped', async () => {
    const server: ServerProcess = await startServerProcess(await backend.fresh());
    const readers: Reader[] = [];
    try {
      const [datastream] = await registerSensors(server.base, 1);
      const slow = await connect(`${server.base}/Stream`, false);
      for (let i = 0; i < FAST_CLIENTS; i++) readers.push(await connect(`${server.base}/Stream`, true));
      // Every reader is attached before the first write (a hello or a ping would not show it: post and watch).
      let lastProbe = 0;
      await until(async () => {
        const response = await post(server.base, 'Observations', { Datastream: { '@iot.id': datastream }, result: 0.1 });
        lastProbe = ((await response.json()) as { '@iot.id': number })['@iot.id'];
        return readers.every((r) => r.cursors.length > 0);
      }, 20_000, 'every reader attached');
      let posts = 0;
      let lastId = 0;
      const started = Date.now();
      let k = 0;
      while (Date.now() - started < SECONDS * 1000) {
        const tick = Date.now();
        const response = await post(server.base, 'CreateObservations', [{ Datastream: { '@iot.id': datastream }, components: ['result'], dataArray: Array.from({ length: PER_POST }, () => [(k++ % 900) / 1000]) }]);
        expect(response.status).toBe(201);
        const links = (await response.json()) as string[];
        lastId = Number(/\((\d+)\)$/.exec(links.at(-1)!)![1]);
        posts++;
        await new Promise((r) => setTimeout(r, Math.max(0, POST_EVERY_MILLISECONDS - (Date.now() - tick))));
      }
      const lastPostAt = Date.now();
      await until(() => readers.every((r) => r.lastObservation >= lastId), 30_000, 'every reading client to get the last update');
      const behind = Math.max(...readers.map((r) => r.lastAt)) - lastPostAt;
      // Not a benchmark: only that no reader was held back by the slow one until a timeout.
      expect(behind, 'the slowest reader got the last update this long after it was posted').toBeLessThan(10_000);
      readers.forEach((r, i) => {
        expect(r.closed, `reader ${i} was disconnected`).toBe(false);
        const batches = r.cursors.filter((c) => c > lastProbe);
        expect(batches.length, `reader ${i}'s updates after the probes`).toBe(posts);
        expect(batches.every((c, j) => j === 0 || c > batches[j - 1]!), `reader ${i}'s updates in order`).toBe(true);
      });
      // The one that never read: reading now, its stream ends, short of the last update.
      slow.response.resume();
      await until(() => slow.closed, 20_000, 'the slow client dropped by the server');
      expect(slow.lastObservation).toBeLessThan(lastId);
    } finally {
      for (const r of readers) r.response.destroy();
      await server.kill();
    }
  }, 180_000);
});
