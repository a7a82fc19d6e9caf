#!/usr/bin/env -S npx tsx
/**
 * `npx tsx scripts/measure-read-bounds.ts`: the worst reads the monitoring server allows, measured
 * (issue 20). A database like the demo's after some hours (1,739 sensors, N observations; N from
 * MEASURE_OBSERVATIONS, default 2,000,000), the server with its default bounds, then each heavy
 * read in turn while a small GET (`Things(1)`, in a read worker) and the service root (on the event
 * loop) are polled every 20 ms: the heavy read's status, time and size, how long the small GETs
 * waited, and the event loop's longest delay. The heavy reads are made by child processes, so the
 * event loop measured is the server's (and the small polls'). Then the stream: ten clients that
 * never read, each resuming 19,000 observations back (a paced replay) and ten resuming 200,000
 * back (a reset): the server's memory, a GET's time meanwhile, and who is still connected after
 * 13 s. Run it under the heavy-job lock.
 */
import { execFile } from 'node:child_process';
import { get, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createMonitoringServer } from '../src/server/sensorthings/index.ts';
import { MonitoringDatabase } from '../src/server/sensorthings/database.ts';
import { defaultThresholdRules } from '../src/server/sensorthings/index.ts';
import { storeLifecycles } from '../src/server/lifecycle/routes.ts';
import { generateLifecycles } from '../src/demo/lifecycle.ts';
import { generateDistrict } from '../src/demo/district.ts';

const SENSORS = 1_739;
const OBSERVATIONS = Number(process.env.MEASURE_OBSERVATIONS ?? 2_000_000);

function thing(i: number) {
  return {
    name: `sensor ${i}`,
    description: '',
    properties: { assetId: `440604-YS-${String(i).padStart(5, '0')}`, assetKind: 'manhole', simulator: 'cim-twin' },
    Locations: [{ name: `L${i}`, description: '', encodingType: 'application/geo+json' as const, location: { type: 'Point' as const, coordinates: [113.1 + (i % 50) * 0.001, 23.0 + Math.floor(i / 50) * 0.001] as [number, number] } }],
    Datastreams: [{ name: `methane ${i}`, description: '', observationType: 'OM_Measurement', unitOfMeasurement: { name: '%LEL', symbol: '%LEL', definition: 'x' }, Sensor: { name: 's', description: '', encodingType: 'text/plain', metadata: 'm' }, ObservedProperty: { name: 'methane', definition: 'urn:methane', description: '' } }],
  };
}

/** GET a URL from a child process: its status, bytes and time there. */
function fetchElsewhere(url: string): Promise<{ status: number; bytes: number; ms: number }> {
  const code = `const t = performance.now(); const r = await fetch(${JSON.stringify(url)}); const b = await r.arrayBuffer(); console.log(JSON.stringify({ status: r.status, bytes: b.byteLength, ms: performance.now() - t }));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', code], { maxBuffer: 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as { status: number; bytes: number; ms: number })));
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

async function main() {
  const directory = mkdtempSync(join(tmpdir(), 'cim-twin-measure-'));
  const databasePath = join(directory, 'monitoring.sqlite');
  try {
    const setup = new MonitoringDatabase({ path: databasePath, rules: defaultThresholdRules() });
    const started = performance.now();
    for (let i = 0; i < SENSORS; i++) setup.createThing(thing(i) as never);
    const now = Date.now();
    for (let done = 0; done < OBSERVATIONS; done += 50_000) {
      const batch = Array.from({ length: Math.min(50_000, OBSERVATIONS - done) }, (_, k) => {
        const n = done + k;
        return { datastreamId: 1 + (n % SENSORS), phenomenonTimeMs: now - (OBSERVATIONS - n) * 10, resultTimeMs: null, result: (n % 17) * 0.1 };
      });
      setup.insertObservations(batch);
    }
    storeLifecycles(setup.db, generateLifecycles(generateDistrict()));
    setup.close();
    console.error(`database: ${SENSORS} sensors, ${OBSERVATIONS} observations, demo lifecycle records (${((performance.now() - started) / 1000).toFixed(0)} s)`);

    const { app } = await createMonitoringServer({ databasePath, apiKeys: ['measure'] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    // Warm the workers.
    await (await fetch(`${base}/v1.1/Things(1)`)).arrayBuffer();

    const cases: [string, string][] = [
      ['baseline: the service root (the noise floor)', '/v1.1'],
      ['widest allowed: 50 × 999 expanded', '/v1.1/Datastreams?$top=50&$expand=Observations($top=999)'],
      ['10,000 with three levels', '/v1.1/Observations?$top=10000&$expand=Datastream($expand=Thing($expand=Locations))'],
      ['unindexed filter, full scan, count', '/v1.1/Observations?$filter=result%20eq%20-1&$count=true'],
      ['sort on result, $skip 100,000', '/v1.1/Observations?$orderby=result%20desc&$skip=100000&$top=10000'],
      ['issue 20 #1: $expand six deep', '/v1.1/Observations?$top=1&$expand=Datastream/Observations/Datastream/Observations/Datastream/Observations'],
      ['issue 20 #2: nested $top=10000', '/v1.1/Observations?$top=60&$expand=Datastream($expand=Observations($top=10000))'],
      ['lifecycle summary (4,815 buildings, first read)', '/api/lifecycle/summary'],
    ];
    const rows: string[] = ['| read | status | time | bytes | small GET in a worker: max / p50 | service root: max | event loop max delay |', '|---|---|---|---|---|---|---|'];
    for (const [name, path] of cases) {
      const small: number[] = [];
      const root: number[] = [];
      let running = true;
      const poll = async (url: string, into: number[]) => {
        while (running) {
          const t = performance.now();
          await (await fetch(url)).arrayBuffer();
          into.push(performance.now() - t);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const pollers = [poll(`${base}/v1.1/Things(1)`, small), poll(`${base}/v1.1`, root)];
      await new Promise((r) => setTimeout(r, 50));
      const { status, bytes, ms: took } = await fetchElsewhere(`${base}${path}`);
      running = false;
      await Promise.all(pollers);
      delay.disable();
      rows.push(`| ${name} | ${status} | ${took.toFixed(0)} ms | ${bytes.toLocaleString('en')} | ${Math.max(...small).toFixed(0)} / ${percentile(small, 0.5).toFixed(0)} ms | ${Math.max(...root).toFixed(0)} ms | ${(delay.max / 1e6).toFixed(0)} ms |`);
      console.error(rows.at(-1));
    }
    // Four of the widest at once: both workers busy, the small GET queues behind them.
    {
      const small: number[] = [];
      let running = true;
      const poller = (async () => {
        while (running) {
          const t = performance.now();
          await (await fetch(`${base}/v1.1/Things(1)`)).arrayBuffer();
          small.push(performance.now() - t);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const t = performance.now();
      const statuses = (await Promise.all(Array.from({ length: 4 }, () => fetchElsewhere(`${base}${cases[1]![1]}`)))).map((r) => r.status);
      const took = performance.now() - t;
      running = false;
      await poller;
      rows.push(`| 4 × the widest at once | ${statuses.join(', ')} | ${took.toFixed(0)} ms | | ${Math.max(...small).toFixed(0)} / ${percentile(small, 0.5).toFixed(0)} ms | | |`);
    }
    // The stream: clients that never read.
    const streamRows: string[] = [];
    {
      const rss = () => process.memoryUsage().rss / 1024 / 1024;
      global.gc?.();
      const before = rss();
      const last = OBSERVATIONS;
      const sockets: IncomingMessage[] = [];
      for (const back of [...Array(10).fill(19_000), ...Array(10).fill(200_000)] as number[]) {
        sockets.push(await new Promise<IncomingMessage>((resolve) => get(`${base}/v1.1/Stream`, { headers: { 'Last-Event-ID': `${last - back}.0` } }, (response) => {
          response.pause();
          resolve(response);
        })));
      }
      let peak = rss();
      const sampler = setInterval(() => (peak = Math.max(peak, rss())), 50);
      const t = performance.now();
      await (await fetch(`${base}/v1.1/Things?$top=100`)).arrayBuffer();
      const getMs = performance.now() - t;
      await new Promise((r) => setTimeout(r, 13_000));
      clearInterval(sampler);
      const connected = sockets.filter((s) => !s.destroyed && !s.readableEnded && !s.socket?.destroyed).length;
      streamRows.push(`| 10 clients 19,000 back + 10 clients 200,000 back, none reading | RSS ${before.toFixed(0)} → peak ${peak.toFixed(0)} MiB | a GET meanwhile: ${getMs.toFixed(0)} ms | still connected after 13 s: ${connected} of 20 (the 10 sent a reset hold no replay; they are dropped once their socket stops draining) |`);
      sockets.forEach((s) => s.destroy());
    }
    await app.close();
    console.log(`${SENSORS} sensors, ${OBSERVATIONS.toLocaleString('en')} observations; default bounds; 2 read workers.\n`);
    console.log(rows.join('\n'));
    console.log(`\n| stream | memory | | |\n|---|---|---|---|\n${streamRows.join('\n')}`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
