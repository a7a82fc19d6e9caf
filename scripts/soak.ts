#!/usr/bin/env -S npx tsx
/**
 * `npm run soak`: the command-centre display under an accelerated load, to show it can run for
 * days. The demo server and the lifeline simulator at 10× the demo's rate (every sensor each
 * second, scenarios at 10× speed, cycling) feed `?mode=display` in Debian Chromium for
 * SOAK_MINUTES (default 10). Every 30 s, after a forced garbage collection: JS heap, DOM nodes,
 * frames drawn. Passes when heap and DOM nodes grow less than 5 % after the warm-up (the first
 * SOAK_WARMUP_MINUTES, default 2): the median of the last two minutes' samples against the
 * median of the two minutes after the warm-up (single samples swing with the incident the tour
 * shows); DOM nodes are counted outside the incident panel, whose size is its content's (lists
 * capped at 25 rows). Then the WebGL context is lost on purpose, and the scene must come back. Prints a
 * table; exits 1 on failure.
 */
import { chromium } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateDistrict } from '../src/demo/district.ts';
import { generateLifecycles } from '../src/demo/lifecycle.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { storeLifecycles } from '../src/server/lifecycle/routes.ts';
import { registerMonitoring } from '../src/server/sensorthings/index.ts';
import { createStaticServer } from '../src/server/static-server.ts';
import { planSites } from '../src/simulator/sites.ts';
import { LifelineSimulator } from '../src/simulator/simulator.ts';
import { buildViewerIfStale, prepareDemo } from './start.ts';

/** Precise heap figures and a callable GC, for the samples. */
const SOAK_ARGS = [...CHROMIUM_ARGS, '--enable-precise-memory-info', '--js-flags=--expose-gc'];
const SAMPLE_SECONDS = 30;
const GROWTH_LIMIT = 0.05;

interface Sample {
  minute: number;
  heapBytes: number;
  domNodes: number;
  /** DOM nodes outside the incident panel: that panel's size follows the incident the tour shows (its lists are capped). */
  frameNodes: number;
  frames: number;
  sensors: number;
  openIncidents: number;
}

async function main(): Promise<void> {
  const minutes = Number(process.env.SOAK_MINUTES ?? 10);
  const warmupMinutes = Number(process.env.SOAK_WARMUP_MINUTES ?? 2);
  await prepareDemo((line) => process.stderr.write(`${line}\n`));
  buildViewerIfStale((line) => process.stderr.write(`${line}\n`));
  const directory = mkdtempSync(join(tmpdir(), 'cim-twin-soak-'));
  const server = await createStaticServer();
  const key = 'soak';
  // The simulator runs at 10× speed: its readings' times run ahead of the clock by 9× the time elapsed.
  const maximumFutureSkewMilliseconds = (warmupMinutes + minutes + 5) * 60_000 * 9;
  const monitoring = registerMonitoring(server, { databasePath: join(directory, 'monitoring.sqlite'), apiKeys: [key], retentionDays: 2, maximumFutureSkewMilliseconds });
  const district = generateDistrict();
  storeLifecycles(monitoring.database.db, generateLifecycles(district));
  await server.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  const network = generateNetwork(district);
  const simulator = new LifelineSimulator({ baseUrl: `${base}/v1.1`, apiKey: key, sites: planSites(district, network), network, intervalMilliseconds: 1000, speed: 10, cycle: true, log: () => {} });
  await simulator.bootstrap();
  simulator.start();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: SOAK_ARGS });
  const samples: Sample[] = [];
  let recovered: boolean;
  try {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
    await page.goto(`${base}/?mode=display&tour=20`);
    await page.waitForFunction(() => document.body.dataset.ready === 'tiles', null, { timeout: 300_000 });
    // Count frames drawn (the engine renders on request: every change is a frame).
    await page.evaluate(() => {
      const w = window as unknown as { __frames: number };
      w.__frames = 0;
      window.__cimTwin!.engine()!.viewer.scene.postRender.addEventListener(() => w.__frames++);
    });
    const started = Date.now();
    for (let t = 0; t <= minutes * 60; t += SAMPLE_SECONDS) {
      const wait = started + t * 1000 - Date.now();
      if (wait > 0) await sleep(wait);
      const sample = await page.evaluate(() => {
        const w = window as unknown as { gc?: () => void; __frames: number };
        w.gc?.();
        const state = window.__cimTwin!.store.getState();
        return {
          heapBytes: (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize,
          domNodes: document.getElementsByTagName('*').length,
          frameNodes: document.getElementsByTagName('*').length - (document.querySelector('[data-testid="incident-panel"]')?.getElementsByTagName('*').length ?? 0),
          frames: w.__frames,
          sensors: state.sensors.size,
          openIncidents: state.incidents.filter((i) => i.status === 'raised' || i.status === 'acknowledged' || i.status === 'dispatched').length,
        };
      });
      samples.push({ minute: t / 60, ...sample });
      process.stderr.write(`${(t / 60).toFixed(1)} min: heap ${(sample.heapBytes / 2 ** 20).toFixed(1)} MiB, ${sample.domNodes} DOM nodes (${sample.frameNodes} outside the incident panel), ${sample.frames} frames, ${sample.openIncidents} open incidents\n`);
    }
    // A GPU reset: the scene must come back.
    await page.evaluate(() => {
      const canvas = window.__cimTwin!.engine()!.viewer.scene.canvas;
      (canvas.getContext('webgl2') ?? canvas.getContext('webgl'))!.getExtension('WEBGL_lose_context')!.loseContext();
    });
    recovered = await page
      .waitForFunction(() => document.body.dataset.readyGeneration === '1', null, { timeout: 300_000 })
      .then(() => true)
      .catch(() => false);
  } finally {
    await browser.close();
    simulator.stop();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }

  const windowMinutes = 2;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const end = samples[samples.length - 1]!.minute;
  const early = samples.filter((s) => s.minute >= warmupMinutes && s.minute <= warmupMinutes + windowMinutes);
  const late = samples.filter((s) => s.minute >= end - windowMinutes);
  const warm = { heapBytes: median(early.map((s) => s.heapBytes)), frameNodes: median(early.map((s) => s.frameNodes)) };
  const last = { heapBytes: median(late.map((s) => s.heapBytes)), frameNodes: median(late.map((s) => s.frameNodes)) };
  const growth = (key: 'heapBytes' | 'frameNodes') => (last[key] - warm[key]) / warm[key];
  const lines = [
    `Soak: ?mode=display, simulator at 10× (1,739 sensors every second, scenarios at 10× speed), ${minutes} min, samples every ${SAMPLE_SECONDS} s after a forced GC; warm-up ${warmupMinutes} min; limit +5 %`,
    '',
    '| minute | JS heap | DOM nodes | outside the incident panel | frames drawn (total) | open incidents |',
    '|---:|---:|---:|---:|---:|---:|',
    ...samples.map((s) => `| ${s.minute.toFixed(1)} | ${(s.heapBytes / 2 ** 20).toFixed(1)} MiB | ${s.domNodes} | ${s.frameNodes} | ${s.frames} | ${s.openIncidents} |`),
    '',
    `| measure (median of ${windowMinutes} min) | after warm-up | at the end | growth | pass |`,
    '|---|---:|---:|---:|---|',
    `| JS heap | ${(warm.heapBytes / 2 ** 20).toFixed(1)} MiB | ${(last.heapBytes / 2 ** 20).toFixed(1)} MiB | ${(growth('heapBytes') * 100).toFixed(1)} % | ${growth('heapBytes') < GROWTH_LIMIT ? 'yes' : 'no'} |`,
    `| DOM nodes outside the incident panel | ${warm.frameNodes} | ${last.frameNodes} | ${(growth('frameNodes') * 100).toFixed(1)} % | ${growth('frameNodes') < GROWTH_LIMIT ? 'yes' : 'no'} |`,
    `| scene back after a lost WebGL context | | | | ${recovered ? 'yes' : 'no'} |`,
  ];
  console.log(lines.join('\n'));
  if (!(growth('heapBytes') < GROWTH_LIMIT && growth('frameNodes') < GROWTH_LIMIT && recovered)) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
