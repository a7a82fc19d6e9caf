/**
 * Monitoring benchmarks for `npm run bench`:
 *  - ingest: observations per second through the HTTP API (single POSTs and CreateObservations
 *    batches), against raw better-sqlite3 inserts of the same rows in the same run;
 *  - stream fan-out: 200 SSE clients while 5,000 observations a second are posted; delivery latency;
 *  - end to end in the browser: POST → marker colour on screen, over 200 updates;
 *  - viewer frame time with 10,000 sensors updating at 1 Hz against the overlay off.
 */
import type { Browser } from '@playwright/test';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDistrict } from '../../src/demo/district.ts';
import { generateNetwork } from '../../src/demo/network.ts';
import { StreamClient } from '../../src/monitoring/stream-client.ts';
import { migrate } from '../../src/server/sensorthings/schema.ts';
import { randomPort, startMonitoringProcess } from '../../src/server/sensorthings/testing/server-process.ts';
import { thingPayload } from '../../src/server/sensorthings/testing/test-server.ts';
import { LifelineSimulator } from '../../src/simulator/simulator.ts';
import { planSites, scaleSites } from '../../src/simulator/sites.ts';

const KEY = 'bench-key';

export interface IngestResult {
  singlePerSecond: number;
  /** One request at a time: bound by each round trip. */
  batchedPerSecond: number;
  /** `concurrency` requests in flight, as several gateways post at once: the server's throughput. */
  concurrentPerSecond: number;
  concurrency: number;
  rawPerSecond: number;
  batchSize: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function withServer<T>(run: (base: string) => Promise<T>): Promise<T> {
  const directory = mkdtempSync(join(tmpdir(), 'cim-twin-bench-monitoring-'));
  const port = randomPort();
  const server = await startMonitoringProcess(join(directory, 'monitoring.sqlite'), port, KEY);
  try {
    return await run(`http://127.0.0.1:${port}/v1.1`);
  } finally {
    server.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
}

/** POST a body already serialised (the ingest benchmark serialises before its clock starts). */
const postText = (base: string, path: string, text: string) =>
  fetch(`${base}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': KEY }, body: text });

const post = (base: string, path: string, body: unknown) => postText(base, path, JSON.stringify(body));

/** Sensors on 100 manholes (methane), so every reading is also checked against its threshold. */
async function registerSensors(base: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await post(base, 'Things', thingPayload(`BENCH-${i}`, 'methane', 113.11 + (i % 50) * 0.0004, 23.01 + Math.floor(i / 50) * 0.0004));
    if (response.status !== 201) throw new Error(`register: ${response.status}`);
  }
}

export async function benchIngest(): Promise<IngestResult> {
  const sensors = 100;
  const batchSize = 1000;
  const batches = 60;
  const singles = 2000;
  return withServer(async (base) => {
    await registerSensors(base, sensors);
    let started = performance.now();
    for (let i = 0; i < singles; i++) {
      const response = await post(base, 'Observations', { Datastream: { '@iot.id': (i % sensors) + 1 }, result: 1 + (i % 3) * 0.1 });
      if (response.status !== 201) throw new Error(`single: ${response.status}`);
    }
    const singlePerSecond = singles / ((performance.now() - started) / 1000);
    const batch = (b: number) =>
      Array.from({ length: sensors }, (_, s) => ({
        Datastream: { '@iot.id': s + 1 },
        components: ['phenomenonTime', 'result'],
        dataArray: Array.from({ length: batchSize / sensors }, (_, k) => [new Date(Date.UTC(2026, 10, 25) + (b * batchSize + k) * 10).toISOString(), 1 + (k % 5) * 0.1]),
      }));
    const bodies = Array.from({ length: batches }, (_, b) => batch(b));
    // Serialised before the clock starts: the server's throughput, not the client's JSON.stringify.
    const texts = bodies.map((body) => JSON.stringify(body));
    started = performance.now();
    for (const text of texts) {
      const response = await postText(base, 'CreateObservations', text);
      if (response.status !== 201) throw new Error(`batch: ${response.status}`);
      await response.arrayBuffer();
    }
    const batchedPerSecond = (batches * batchSize) / ((performance.now() - started) / 1000);
    // The same again with requests in flight together: the server's own throughput.
    const concurrency = 4;
    const concurrentTexts = Array.from({ length: batches }, (_, b) => JSON.stringify(batch(batches + b)));
    let next = 0;
    started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < concurrentTexts.length) {
          const response = await postText(base, 'CreateObservations', concurrentTexts[next++]!);
          if (response.status !== 201) throw new Error(`batch: ${response.status}`);
          await response.arrayBuffer();
        }
      }),
    );
    const concurrentPerSecond = (batches * batchSize) / ((performance.now() - started) / 1000);

    // The same rows straight into the same schema with better-sqlite3, a transaction per batch.
    const directory = mkdtempSync(join(tmpdir(), 'cim-twin-bench-raw-'));
    try {
      const db = new Database(join(directory, 'raw.sqlite'));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = OFF');
      migrate(db);
      const insert = db.prepare('INSERT INTO observations (datastream_id, phenomenon_time, result_time, result, parameters) VALUES (?, ?, ?, ?, NULL)');
      const insertBatch = db.transaction((body: ReturnType<typeof batch>) => {
        for (const group of body) for (const [time, result] of group.dataArray) insert.run(group.Datastream['@iot.id'], Date.parse(time as string), Date.now(), result);
      });
      started = performance.now();
      for (const body of bodies) insertBatch(body);
      const rawPerSecond = (batches * batchSize) / ((performance.now() - started) / 1000);
      db.close();
      return { singlePerSecond, batchedPerSecond, concurrentPerSecond, concurrency, rawPerSecond, batchSize };
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
}

export interface FanOutResult {
  clients: number;
  observationsPerSecond: number;
  seconds: number;
  p50Milliseconds: number;
  p95Milliseconds: number;
  delivered: number;
  expected: number;
}

export async function benchFanOut(clients = 200, observationsPerSecond = 5000, seconds = 10): Promise<FanOutResult> {
  return withServer(async (base) => {
    await registerSensors(base, 100);
    const latencies: number[] = [];
    let delivered = 0;
    const streams = Array.from({ length: clients }, () => {
      const stream = new StreamClient({
        url: `${base}/Stream`,
        onUpdate: (update) => {
          const now = Date.now();
          delivered += update.observations.length;
          // Each batch's observations were all sent at the time in their phenomenonTime.
          const sent = update.observations[0] ? Date.parse(update.observations[0].phenomenonTime) : undefined;
          if (sent !== undefined) latencies.push(now - sent);
        },
      });
      stream.start();
      return stream;
    });
    const started = Date.now();
    while (streams.some((s) => s.state !== 'live')) {
      if (Date.now() - started > 60_000) throw new Error('fan-out: clients did not connect');
      await new Promise((r) => setTimeout(r, 50));
    }
    const tickMilliseconds = 100;
    const perTick = (observationsPerSecond * tickMilliseconds) / 1000;
    const ticks = (seconds * 1000) / tickMilliseconds;
    const begin = Date.now();
    for (let tick = 0; tick < ticks; tick++) {
      const due = begin + tick * tickMilliseconds;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      const time = new Date().toISOString();
      const body = Array.from({ length: 100 }, (_, s) => ({ Datastream: { '@iot.id': s + 1 }, components: ['phenomenonTime', 'result'], dataArray: Array.from({ length: perTick / 100 }, () => [time, 1.1]) }));
      await post(base, 'CreateObservations', body);
    }
    const expected = clients * perTick * ticks;
    const waitStarted = Date.now();
    while (delivered < expected && Date.now() - waitStarted < 30_000) await new Promise((r) => setTimeout(r, 100));
    for (const stream of streams) stream.stop();
    return { clients, observationsPerSecond, seconds, p50Milliseconds: percentile(latencies, 50), p95Milliseconds: percentile(latencies, 95), delivered, expected };
  });
}

export interface EndToEndResult {
  updates: number;
  /** The render quality asked for in the URL ("auto" follows the renderer). */
  quality: 'auto' | 'high';
  /** What was drawn: auto is smooth on a software renderer. */
  effectiveQuality: string;
  /** Until the marker's colour is set in the scene, before any frame is drawn. */
  appliedP50Milliseconds: number;
  appliedP95Milliseconds: number;
  p50Milliseconds: number;
  p95Milliseconds: number;
}

/** POST → the marker's new colour drawn on screen (the frame after the change), in the browser. */
export async function benchEndToEnd(browser: Browser, viewerBase: string, quality: 'auto' | 'high', updates = 200): Promise<EndToEndResult> {
  return withServer(async (base) => {
    await registerSensors(base, 1);
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    try {
      await page.goto(`${viewerBase}/?layers=demo-buildings&monitoring=${encodeURIComponent(base)}&view=113.1105,23.0105,600,0,-60${quality === 'auto' ? '' : `&quality=${quality}`}`);
      await page.waitForFunction(() => document.body.dataset.ready === 'tiles' && window.__cimTwin?.store.getState().connection === 'live', null, { timeout: 300_000 });
      const effectiveQuality = await page.getByTestId('render-quality').getAttribute('data-effective') ?? 'unknown';
      // In the page: note when the marker's colour changes and when the next frame is drawn after it.
      await page.evaluate(() => {
        const engine = window.__cimTwin!.engine()!;
        const w = window as unknown as { __drawn: number[]; __applied: number[] };
        w.__drawn = [];
        w.__applied = [];
        let last = engine.sensors.colourOf(1);
        let changed = false;
        // The colour is set when the store's update reaches the engine (a subscription, not a frame).
        window.__cimTwin!.store.subscribe(() => {
          const now = engine.sensors.colourOf(1);
          if (now !== last) {
            last = now;
            changed = true;
            w.__applied.push(Date.now());
          }
        });
        engine.viewer.scene.postRender.addEventListener(() => {
          if (changed) {
            changed = false;
            // postRender is when the frame's commands are issued; reading a pixel back waits until
            // the GPU (SwiftShader) has drawn them: the colour is then on the canvas.
            const canvas = engine.viewer.scene.canvas;
            const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl'))!;
            gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
            w.__drawn.push(Date.now());
          }
        });
      });
      const latencies: number[] = [];
      const applied: number[] = [];
      for (let i = 0; i < updates; i++) {
        const before = await page.evaluate(() => (window as unknown as { __drawn: number[] }).__drawn.length);
        const sent = Date.now();
        await post(base, 'Observations', { Datastream: { '@iot.id': 1 }, result: i % 2 ? 1 : 60 });
        await page.waitForFunction((n) => (window as unknown as { __drawn: number[] }).__drawn.length > n, before, { timeout: 30_000, polling: 'raf' });
        const [drawn, set] = await page.evaluate(() => {
          const w = window as unknown as { __drawn: number[]; __applied: number[] };
          return [w.__drawn.at(-1)!, w.__applied.at(-1)!];
        });
        latencies.push(drawn - sent);
        applied.push(set - sent);
      }
      return { updates, quality, effectiveQuality, p50Milliseconds: percentile(latencies, 50), p95Milliseconds: percentile(latencies, 95), appliedP50Milliseconds: percentile(applied, 50), appliedP95Milliseconds: percentile(applied, 95) };
    } finally {
      await page.close();
    }
  });
}

/** Two frame measures of one page: forced back-to-back frames, and frames while the page runs normally. */
export interface FrameMeasure {
  /** Median of forced renders in one task (no update is handled between them): the drawing alone. */
  forcedMilliseconds: number;
  /** Wall time per frame while rendering every animation frame for a window, with the stream's updates handled in between. */
  continuousMilliseconds: number;
}

export interface OverlayFrameResult {
  sensors: number;
  /** Monitoring on, 10,000 sensors updating, overlay drawn. */
  on: FrameMeasure;
  /** The same stream and client, the sensor overlay switched off (`&sensors=0`). */
  hidden: FrameMeasure;
  /** No monitoring connection at all (`&monitoring=off`). */
  off: FrameMeasure;
}

/**
 * Frame time with 10,000 sensors updating at 1 Hz, against the overlay switched off on the same
 * stream, and against no monitoring at all; alternated rounds, medians.
 */
export async function benchOverlayFrames(viewerBase: string, measureFrame: (url: string, waitExpression: string) => Promise<FrameMeasure>, sensors = 10_000, rounds = 3): Promise<OverlayFrameResult> {
  return withServer(async (base) => {
    const district = generateDistrict();
    const network = generateNetwork(district);
    const simulator = new LifelineSimulator({ baseUrl: base, apiKey: KEY, sites: scaleSites(planSites(district, network), sensors), network, intervalMilliseconds: 1000 });
    await simulator.bootstrap();
    simulator.start();
    try {
      const view = '113.1200152,23.0037627,1346.9,0,-35';
      const on: FrameMeasure[] = [];
      const hidden: FrameMeasure[] = [];
      const off: FrameMeasure[] = [];
      const live = `window.__cimTwin.store.getState().sensors.size >= ${sensors} && window.__cimTwin.store.getState().connection === 'live'`;
      // At full quality, as the earlier figures were measured (auto would draw SwiftShader at half resolution).
      const monitored = `${viewerBase}/?layers=demo-buildings&quality=high&view=${view}&monitoring=${encodeURIComponent(base)}`;
      for (let round = 0; round < rounds; round++) {
        const runs = [
          async () => on.push(await measureFrame(monitored, live)),
          async () => hidden.push(await measureFrame(`${monitored}&sensors=0`, live)),
          async () => off.push(await measureFrame(`${viewerBase}/?layers=demo-buildings&quality=high&view=${view}&monitoring=off`, 'true')),
        ];
        if (round % 2) runs.reverse();
        for (const run of runs) await run();
      }
      const median = (values: FrameMeasure[]): FrameMeasure => ({ forcedMilliseconds: percentile(values.map((v) => v.forcedMilliseconds), 50), continuousMilliseconds: percentile(values.map((v) => v.continuousMilliseconds), 50) });
      return { sensors, on: median(on), hidden: median(hidden), off: median(off) };
    } finally {
      simulator.stop();
    }
  });
}
