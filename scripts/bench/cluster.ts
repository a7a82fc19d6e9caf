/**
 * The monitoring server as 1, 2 and 4 processes on one PostgreSQL database (issue 21), for
 * `npm run bench` (BENCH_ONLY=cluster; not in the full run). Per process count, on a fresh
 * database, with BENCH_CLUSTER_SENSORS sensors (default 1,000) registered:
 *  - ingest: 4 writers posting CreateObservations of 500 readings, each request to the next
 *    process in turn, for BENCH_CLUSTER_SECONDS (default 20): observations/s stored;
 *  - POST → SSE: during the same load, a probe reading every 200 ms posted to process i and
 *    timed to its arrival on the stream of process i+1 (another process whenever there are two or
 *    more), through a stream that watches only the probe: p50 and p95.
 * The ratio column is against the single process of the same run. On a 2-core machine the
 * processes share the cores with PostgreSQL and the load generator: it is the cost of running
 * N > 1 that this shows, not a speed-up.
 */
import { StreamClient } from '../../src/monitoring/stream-client.ts';
import { createTestDatabase, postgresReachable } from '../../src/server/assets/testing/postgres.ts';
import { getJson, post, startServerProcess, type ServerProcess } from '../../src/server/sensorthings/faults/harness.ts';
import { thingPayload } from '../../src/server/sensorthings/testing/test-server.ts';

export interface ClusterRun {
  processes: number;
  sensors: number;
  seconds: number;
  observationsPerSecond: number;
  latencyP50Milliseconds: number;
  latencyP95Milliseconds: number;
  probes: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;
};

async function registerSensors(base: string, count: number): Promise<number[]> {
  const ids: number[] = [];
  // A deep insert each; 16 at a time.
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const i = next++;
        const response = await post(base, 'Things', thingPayload(`CLUSTER-${i}`, 'water-pressure', 117.1 + (i % 100) * 0.001, 31.8 + Math.floor(i / 100) * 0.001));
        if (response.status !== 201) throw new Error(`register ${i}: ${response.status} ${await response.text()}`);
      }
    }),
  );
  const page = await getJson<{ value: { '@iot.id': number }[] }>(base, `Datastreams?$select=id&$top=${count + 10}&$orderby=id`);
  for (const d of page.value) ids.push(d['@iot.id']);
  return ids;
}

async function runWith(processes: number, sensorCount: number, seconds: number): Promise<ClusterRun> {
  const database = await createTestDatabase(['postgis']);
  const servers: ServerProcess[] = [];
  try {
    for (let i = 0; i < processes; i++) servers.push(await startServerProcess(database.url));
    const sensors = await registerSensors(servers[0]!.base, sensorCount);
    const probeResponse = await post(servers[0]!.base, 'Things', thingPayload('CLUSTER-PROBE', 'water-pressure', 100, 10));
    if (probeResponse.status !== 201) throw new Error(`probe: ${probeResponse.status}`);
    const probe = (await getJson<{ value: { '@iot.id': number }[] }>(servers[0]!.base, `Datastreams?$select=id&$orderby=id desc&$top=1`)).value[0]!['@iot.id'];
    // One watcher per process, each seeing only the probe's values.
    const sent = new Map<number, number>();
    const latencies: number[] = [];
    const watchers = servers.map((server, i) => {
      const client = new StreamClient({
        url: `${server.base}/Stream?view=none&watch=${probe}`,
        onUpdate: (update) => {
          const at = performance.now();
          for (const o of update.observations) {
            const key = o.result as number;
            // Timed on the process after the one it was posted to.
            if (o.datastreamId === probe && Math.round(key) % processes === (i + processes - 1) % processes && sent.has(key)) latencies.push(at - sent.get(key)!);
          }
        },
      });
      client.start();
      return client;
    });
    const deadline = performance.now() + 20_000;
    while (watchers.some((w) => w.state !== 'live')) {
      if (performance.now() > deadline) throw new Error('the streams did not go live');
      await new Promise((r) => setTimeout(r, 50));
    }
    let stored = 0;
    let request = 0;
    let offset = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    let probeNumber = 0;
    const probing = (async () => {
      while (performance.now() < until) {
        const n = probeNumber++;
        // Its value is its number, which also picks the process it goes to (n mod processes).
        const value = n;
        sent.set(value, performance.now());
        const response = await post(servers[n % processes]!.base, 'Observations', { Datastream: { '@iot.id': probe }, result: value, phenomenonTime: new Date().toISOString() });
        if (response.status !== 201) throw new Error(`probe post: ${response.status}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (performance.now() < until) {
          const server = servers[request++ % processes]!;
          const now = Date.now() - 1000;
          const body = [];
          for (let k = 0; k < 500; k++) {
            const datastream = sensors[(offset + k) % sensors.length]!;
            body.push({ Datastream: { '@iot.id': datastream }, components: ['phenomenonTime', 'result'], dataArray: [[new Date(now - k).toISOString(), 0.3]] });
          }
          offset += 500;
          const response = await post(server.base, 'CreateObservations', JSON.stringify(body));
          if (response.status !== 201) throw new Error(`ingest: ${response.status} ${await response.text()}`);
          stored += ((await response.json()) as string[]).filter((l) => l !== 'error').length;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    await probing;
    await new Promise((r) => setTimeout(r, 1000));
    for (const w of watchers) w.stop();
    return { processes, sensors: sensorCount, seconds, observationsPerSecond: stored / elapsed, latencyP50Milliseconds: percentile(latencies, 50), latencyP95Milliseconds: percentile(latencies, 95), probes: latencies.length };
  } finally {
    for (const server of servers) await server.kill();
    await database.drop();
  }
}

export async function benchCluster(): Promise<ClusterRun[] | string> {
  const reachable = await postgresReachable();
  if (!reachable.reachable) return `skipped: ${reachable.reason}`;
  const sensors = Number(process.env.BENCH_CLUSTER_SENSORS ?? 1_000);
  const seconds = Number(process.env.BENCH_CLUSTER_SECONDS ?? 20);
  const runs: ClusterRun[] = [];
  for (const processes of [1, 2, 4]) runs.push(await runWith(processes, sensors, seconds));
  return runs;
}

export function clusterLines(runs: ClusterRun[] | string): string[] {
  if (typeof runs === 'string') return [`cluster: ${runs}`];
  const one = runs.find((r) => r.processes === 1)!;
  const lines = [
    `Monitoring cluster on one PostgreSQL (${runs[0]!.sensors.toLocaleString('en')} sensors, ${runs[0]!.seconds} s of 4 writers × CreateObservations of 500, round-robin over the processes; POST → SSE timed on the next process)`,
    '| processes | observations/s | ratio to 1 | POST → SSE p50 | p95 | probes |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of runs) {
    lines.push(`| ${r.processes} | ${Math.round(r.observationsPerSecond).toLocaleString('en')} | ${(r.observationsPerSecond / one.observationsPerSecond).toFixed(2)} | ${Math.round(r.latencyP50Milliseconds)} ms | ${Math.round(r.latencyP95Milliseconds)} ms | ${r.probes} |`);
  }
  return lines;
}
