/**
 * Fault (issue 17): kill -9 of the server during ingest. Four writers at once (two posting single
 * Observations, two posting CreateObservations batches), each reading a unique marker as its
 * result; the server is SIGKILLed while they write and started again on the same database.
 * Every observation whose request was acknowledged (a 201, and for a batch each row's selfLink)
 * is there afterwards, with its id and its marker; nothing is there that no writer sent.
 * On each backend (harness.ts: PostgreSQL once the server stores there).
 */
import { afterAll, describe, expect, test } from 'vitest';
import { monitoringBackends, post, registerSensors, startServerProcess, type ServerProcess } from './harness.ts';
import { allObservations } from './store.ts';

const backends = await monitoringBackends('kill -9 fault test');
afterAll(async () => {
  for (const backend of backends) await backend.tearDown();
});

const SENSORS = 8;
const BATCH = 50;

/** A unique marker below every threshold (methane is normal below 1): writer w, sequence k. */
const marker = (writer: number, k: number) => (writer * 100_000 + k) / 1_000_000;

describe.each(backends)('kill -9 during ingest ($name)', (backend) => {
  test.skipIf(backend.skipReason !== undefined)('every acknowledged observation is there after a restart, with its marker; nothing unsent is', async () => {
    const location = await backend.fresh();
    let server: ServerProcess = await startServerProcess(location);
    const port = server.port;
    try {
      const datastreams = await registerSensors(server.base, SENSORS);
      const base = server.base;
      /** id → marker of every acknowledged observation. */
      const acknowledged = new Map<number, number>();
      const sent = new Set<number>();
      let stopped = false;
      const singleWriter = async (w: number) => {
        for (let k = 0; !stopped; k++) {
          const result = marker(w, k);
          sent.add(result);
          let response: Response;
          try {
            response = await post(base, 'Observations', { Datastream: { '@iot.id': datastreams[k % SENSORS] }, result });
          } catch {
            return; // the server is gone: this one was never acknowledged
          }
          if (response.status !== 201) throw new Error(`POST Observations: ${response.status} ${await response.text()}`);
          const body = (await response.json()) as { '@iot.id': number; result: number };
          acknowledged.set(body['@iot.id'], result);
        }
      };
      const batchWriter = async (w: number) => {
        for (let b = 0; !stopped; b++) {
          const groups = datastreams.map((id, s) => ({
            Datastream: { '@iot.id': id },
            components: ['result'],
            dataArray: Array.from({ length: BATCH / SENSORS + 1 }, (_, r) => [marker(w, b * 1000 + s * 100 + r)]),
          }));
          const results = groups.flatMap((g) => g.dataArray.map((row) => row[0]!));
          for (const r of results) sent.add(r);
          let links: string[];
          try {
            const response = await post(base, 'CreateObservations', groups);
            if (response.status !== 201) throw new Error(`CreateObservations: ${response.status} ${await response.text()}`);
            links = (await response.json()) as string[];
          } catch (error) {
            if ((error as Error).message.startsWith('CreateObservations')) throw error;
            return;
          }
          expect(links).toHaveLength(results.length);
          links.forEach((link, i) => {
            const id = /Observations\((\d+)\)$/.exec(link);
            if (!id) throw new Error(`row ${i} refused: ${link}`);
            acknowledged.set(Number(id[1]), results[i]!);
          });
        }
      };
      const failures: unknown[] = [];
      const writers = [singleWriter(1), singleWriter(2), batchWriter(3), batchWriter(4)].map((w) => w.catch((error: unknown) => void failures.push(error)));
      // Kill once a good share has been acknowledged, with every writer mid-request.
      while (acknowledged.size < 2_000 && failures.length === 0) await new Promise((r) => setTimeout(r, 5));
      await server.kill();
      stopped = true;
      await Promise.all(writers);
      if (failures.length) throw failures[0];
      const before = acknowledged.size;
      expect(before).toBeGreaterThanOrEqual(2_000);

      server = await startServerProcess(location, { port });
      const rows = await allObservations(server.base);
      const stored = new Map(rows.map((r) => [r.id, r.result]));
      const missing = [...acknowledged].filter(([id, result]) => stored.get(id) !== result);
      expect(missing.slice(0, 5), `${missing.length} acknowledged observations missing or changed after kill -9`).toEqual([]);
      const strangers = rows.filter((r) => !sent.has(r.result as number));
      expect(strangers.slice(0, 5), 'observations no writer sent').toEqual([]);
      // The restarted server takes writes again.
      const after = await post(server.base, 'Observations', { Datastream: { '@iot.id': datastreams[0] }, result: 0.5 });
      expect(after.status).toBe(201);
    } finally {
      await server.kill();
    }
  }, 120_000);
});
