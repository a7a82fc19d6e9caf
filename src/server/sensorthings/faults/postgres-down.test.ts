/**
 * Fault (issue 17): PostgreSQL stopped during ingest, then started again. On a private,
 * throwaway cluster (src/server/testing/private-postgres.ts), never the machine's shared one.
 * While it is down every write gets a 503 with a message, never a 201 for a reading that was not
 * stored; the server reconnects by itself once it is back (no restart); afterwards every
 * acknowledged reading is stored and no refused one is; the stream client stays connected
 * through it and gets each stored reading once, with no gap and no duplicate.
 *
 * It runs when the monitoring server stores in PostgreSQL (harness.ts probes it on the shared
 * cluster); until then it skips with the reason.
 */
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { StreamClient } from '../../../monitoring/stream-client.ts';
import { privateClusterSupport, startPrivateCluster, type PrivateCluster } from '../../testing/private-postgres.ts';
import { post, postgresSkipReason, registerSensors, startServerProcess, until, type ServerProcess } from './harness.ts';
import { allObservations } from './store.ts';

const skipReason = (await postgresSkipReason()) ?? (await privateClusterSupport());
if (skipReason) console.warn(`PostgreSQL-down fault test: skipping: ${skipReason}`);

let cluster: PrivateCluster | undefined;
afterAll(async () => {
  await cluster?.destroy();
});

describe('PostgreSQL stopped during ingest', () => {
  test.skipIf(skipReason !== undefined)('writes get a 503 with a message while it is down, the server reconnects by itself, and nothing is lost, invented or streamed twice', async () => {
    cluster = await startPrivateCluster();
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE stafaults');
    await admin.end();
    const setup = new pg.Client({ connectionString: cluster.urlOf('stafaults') });
    await setup.connect();
    await setup.query('CREATE EXTENSION IF NOT EXISTS postgis');
    await setup.end();

    const server: ServerProcess = await startServerProcess(cluster.urlOf('stafaults'));
    let stream: StreamClient | undefined;
    try {
      const datastreams = await registerSensors(server.base, 2);
      const streamed: number[] = [];
      stream = new StreamClient({ url: `${server.base}/Stream`, onUpdate: (u) => streamed.push(...u.observations.map((o) => o.result as number)), initialBackoffMilliseconds: 100, maximumBackoffMilliseconds: 1_000 });
      stream.start();
      await until(() => stream!.state === 'live', 10_000, 'the stream live');

      const acknowledged = new Map<number, number>();
      const refused: number[] = [];
      const refusals: string[] = [];
      let phase: 'up' | 'down' | 'back' = 'up';
      let acknowledgedWhileDown = 0;
      let k = 0;
      let stopped = false;
      const write = async () => {
        while (!stopped) {
          const single = k % 3 !== 0;
          // Unique markers below methane's thresholds.
          const results = single ? [k++ / 1e6] : Array.from({ length: 5 }, () => k++ / 1e6);
          const response = single
            ? await post(server.base, 'Observations', { Datastream: { '@iot.id': datastreams[k % 2] }, result: results[0] })
            : await post(server.base, 'CreateObservations', [{ Datastream: { '@iot.id': datastreams[k % 2] }, components: ['result'], dataArray: results.map((r) => [r]) }]);
          if (response.status === 503) {
            const body = (await response.json()) as { message?: string };
            expect(body.message, 'a 503 carries a message').toMatch(/\w/);
            refusals.push(body.message!);
            refused.push(...results);
            await new Promise((r) => setTimeout(r, 50));
            continue;
          }
          expect(response.status, `${phase}: ${await response.clone().text()}`).toBe(201);
          if (phase === 'down') acknowledgedWhileDown++;
          if (single) {
            acknowledged.set(((await response.json()) as { '@iot.id': number })['@iot.id'], results[0]!);
          } else {
            const links = (await response.json()) as string[];
            links.forEach((link, i) => {
              const id = /Observations\((\d+)\)$/.exec(link);
              if (!id) throw new Error(`row refused: ${link}`);
              acknowledged.set(Number(id[1]), results[i]!);
            });
          }
        }
      };
      const failures: unknown[] = [];
      const writers = [write(), write()].map((w) => w.catch((error: unknown) => void failures.push(error)));
      const healthy = () => {
        if (failures.length) throw failures[0];
      };
      await until(() => (healthy(), acknowledged.size >= 200), 30_000, '200 readings stored');
      phase = 'down';
      await cluster.stop('fast');
      const refusedBefore = refused.length;
      await until(() => (healthy(), refused.length >= refusedBefore + 20), 30_000, 'writes refused with 503 while PostgreSQL is down');
      const storedWhileUp = acknowledged.size;
      await new Promise((r) => setTimeout(r, 2_000));
      await cluster.start();
      phase = 'back';
      // Reconnects by itself: writes succeed again without a restart of the server.
      await until(() => (healthy(), acknowledged.size >= storedWhileUp + 200), 60_000, 'writes stored again after PostgreSQL is back');
      stopped = true;
      await Promise.all(writers);
      healthy();

      // "Down" here began when the stop returned: writes in flight as it stopped may have been
      // stored before; the count of 201s while down is only reported.
      if (acknowledgedWhileDown) console.warn(`PostgreSQL-down fault test: ${acknowledgedWhileDown} writes acknowledged after the stop was issued (stored before it took effect; checked below)`);
      const rows = await allObservations(server.base);
      const stored = new Map(rows.map((r) => [r.id, r.result as number]));
      const lost = [...acknowledged].filter(([id, result]) => stored.get(id) !== result);
      expect(lost.slice(0, 5), `${lost.length} acknowledged readings missing`).toEqual([]);
      const storedResults = new Set(stored.values());
      const storedRefused = refused.filter((r) => storedResults.has(r));
      expect(storedRefused.slice(0, 5), 'readings answered 503 but stored').toEqual([]);
      expect(rows.length).toBe(acknowledged.size);
      // The stream: each stored reading once.
      await until(() => streamed.length >= acknowledged.size, 30_000, 'every stored reading on the stream');
      await new Promise((r) => setTimeout(r, 500));
      expect(streamed.length).toBe(acknowledged.size);
      expect([...streamed].sort()).toEqual([...acknowledged.values()].sort());
      expect(refusals.length).toBeGreaterThan(0);
    } finally {
      stream?.stop();
      await server.kill();
    }
  }, 180_000);
});
