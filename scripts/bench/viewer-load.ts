/**
 * The viewer under a city's sustained monitoring load (issue 17), for `npm run bench`
 * (BENCH_ONLY=viewer-load; not in the full run): BENCH_SENSORS sensors (default 85,000) in the
 * simulator's city layout, seeded into a monitoring server of its own (SQLite, its own process),
 * and the production viewer connected to it at the demo district.
 *
 * Two phases of BENCH_LOAD_SECONDS each (default 60), on the same page, alternated BENCH_ROUNDS
 * times (default 2): idle (the stream open, nothing posted), and loaded (every sensor a reading a
 * minute, 1,417 a second at 85,000, posted evenly as CreateObservations, as a city's devices send
 * them). In both the page is asked for a frame every 500 ms, so both draw frames to compare.
 * Measured in the page: frames drawn and their time (preRender → postRender), sensor updates
 * applied; through CDP: the main thread's busy share (Performance.getMetrics TaskDuration over
 * the wall time). Ratios are loaded against idle, same page, same run.
 */
import type { Browser, CDPSession, Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTRICT_CENTRE, generateDistrict } from '../../src/demo/district.ts';
import { generateNetwork } from '../../src/demo/network.ts';
import { MonitoringDatabase } from '../../src/server/sensorthings/database.ts';
import { defaultThresholdRules } from '../../src/server/sensorthings/index.ts';
import { randomPort, startMonitoringProcess } from '../../src/server/sensorthings/testing/server-process.ts';
import { seedSensors, simulatorDatastreamIds } from '../../src/simulator/seed.ts';
import { baseline, round } from '../../src/simulator/signals.ts';
import { citySites, planSites, type SensorSite } from '../../src/simulator/sites.ts';

const KEY = 'bench-viewer-load-key';
/** The demo district from above, as the sensors bench opens it. */
const VIEW = `${DISTRICT_CENTRE.lonDegrees},${DISTRICT_CENTRE.latDegrees - 0.02},2500,0,-50`;

export interface PhaseMeasure {
  seconds: number;
  frames: number;
  frameP50Milliseconds: number;
  frameP95Milliseconds: number;
  /** Main-thread task time over wall time. */
  mainThreadShare: number;
  /** Sensor updates applied by the page's store (its sensorRevision). */
  sensorUpdates: number;
  /** Readings the page's store applied (observations from the stream). */
  readings: number;
  /** Main-thread tasks over 50 ms (PerformanceObserver 'longtask'). */
  longTasks: number;
  /** Readings posted to the server in the phase. */
  posted: number;
  postFailures: number;
}

/** Frame times under the load, the sensor overlay drawn against switched off, same page, same stream. */
export interface OverlayFrames {
  /** Forced renders back to back, each waited for by a pixel read back: the drawing alone, median. */
  forcedOnMilliseconds: number;
  forcedOffMilliseconds: number;
  /** Wall time per frame while rendering every animation frame, the stream's updates handled in between. */
  continuousOnMilliseconds: number;
  continuousOffMilliseconds: number;
}

/** Where the main thread's time went, from a CDP CPU profile of a phase. */
export interface ProfileShares {
  /** Sampled time not idle over all sampled time. */
  busy: number;
  /** Busy shares by where: '(program)' and '(garbage collector)' as V8 names them, else the script's file name. */
  by: { where: string; share: number }[];
  /** The functions with the most self time, as function@file:line. */
  functions: { where: string; share: number }[];
}

export interface ViewerLoadResult {
  sensors: number;
  sensorsInView: number;
  rounds: { idle: PhaseMeasure; loaded: PhaseMeasure; frames: OverlayFrames; onDemand: PhaseMeasure & { profile: ProfileShares } }[];
}

interface Sensor {
  site: SensorSite;
  datastreamId: number;
}

function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const median = (values: number[]) => percentile(values, 50);

/** A fixed pseudo-random rank of an id (a multiplicative hash). */
const shuffleKey = (id: number) => Math.imul(id, 2654435761) >>> 0;

/** In the page: frame times and a frame asked for every 500 ms. Plain JavaScript (an evaluated string). */
const RECORDER = `
(() => {
  const scene = window.__cimTwin.engine().viewer.scene;
  const r = { frames: [], started: 0, readings: 0, longTasks: 0 };
  window.__loadRecorder = r;
  const store = window.__cimTwin.store;
  const apply = store.getState().applyObservations;
  store.setState({ applyObservations: (observations) => { r.readings += observations.length; apply(observations); } });
  new PerformanceObserver((list) => { r.longTasks += list.getEntries().length; }).observe({ entryTypes: ['longtask'] });
  scene.preRender.addEventListener(() => { r.started = performance.now(); });
  scene.postRender.addEventListener(() => { if (r.started) r.frames.push(performance.now() - r.started); r.started = 0; });
  // A frame asked for every 500 ms while r.force (the on-demand phase turns it off: the app's own frames only).
  r.force = true;
  setInterval(() => { if (r.force) scene.requestRender(); }, 500);
})();
`;

async function taskSeconds(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
}

async function phase(page: Page, cdp: CDPSession, seconds: number, load: (() => Promise<{ posted: number; failures: number }>) | undefined): Promise<PhaseMeasure> {
  await page.evaluate(() => {
    const r = (window as unknown as { __loadRecorder: { frames: number[]; readings: number; longTasks: number } }).__loadRecorder;
    r.frames = [];
    r.readings = 0;
    r.longTasks = 0;
  });
  const revisionBefore = await page.evaluate(() => window.__cimTwin!.store.getState().sensorRevision);
  const taskBefore = await taskSeconds(cdp);
  const wallBefore = performance.now();
  const posting = load ? load() : new Promise<{ posted: number; failures: number }>((r) => setTimeout(() => r({ posted: 0, failures: 0 }), seconds * 1000));
  const { posted, failures } = await posting;
  const wall = (performance.now() - wallBefore) / 1000;
  const task = (await taskSeconds(cdp)) - taskBefore;
  const { frames, readings, longTasks } = await page.evaluate(() => (window as unknown as { __loadRecorder: { frames: number[]; readings: number; longTasks: number } }).__loadRecorder);
  const revisionAfter = await page.evaluate(() => window.__cimTwin!.store.getState().sensorRevision);
  return {
    seconds: wall,
    frames: frames.length,
    frameP50Milliseconds: percentile(frames, 50),
    frameP95Milliseconds: percentile(frames, 95),
    mainThreadShare: task / wall,
    sensorUpdates: revisionAfter - revisionBefore,
    readings,
    longTasks,
    posted,
    postFailures: failures,
  };
}

/** Forced frames (drawing alone) and continuous frames, with the overlay drawn or not (`sensorsVisible`). */
async function overlayFrames(page: Page, visible: boolean, continuousSeconds: number): Promise<{ forced: number; continuous: number }> {
  await page.evaluate((v) => window.__cimTwin!.store.getState().setSensorsVisible(v), visible);
  return page.evaluate(
    ([seconds, frames]) =>
      new Promise<{ forced: number; continuous: number }>((resolve) => {
        const viewer = window.__cimTwin!.engine()!.viewer;
        const scene = viewer.scene;
        let drawn = 0;
        const stop = scene.postRender.addEventListener(() => drawn++);
        const started = performance.now();
        const tick = () => {
          if (performance.now() - started < seconds * 1000) {
            scene.requestRender();
            requestAnimationFrame(tick);
            return;
          }
          stop();
          const continuous = (performance.now() - started) / Math.max(1, drawn);
          const gl = scene.canvas.getContext('webgl2')!;
          const pixel = new Uint8Array(4);
          const times: number[] = [];
          for (let i = 0; i < frames; i++) {
            scene.requestRender();
            const begin = performance.now();
            viewer.render();
            // Reading a pixel back waits until the frame has really been drawn.
            gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
            times.push(performance.now() - begin);
          }
          times.sort((a, b) => a - b);
          resolve({ forced: times[Math.floor(times.length / 2)]!, continuous });
        };
        requestAnimationFrame(tick);
      }),
    [continuousSeconds, 15] as const,
  );
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber?: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Busy share of a CPU profile, and where it went (top five places). */
export function profileShares(profile: CpuProfile): ProfileShares {
  const where = new Map<number, string>();
  const functionOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.split('/').pop() ?? url;
    where.set(node.id, url ? file : functionName || '(native)');
    functionOf.set(node.id, url ? `${functionName || '(anonymous)'}@${file}:${(lineNumber ?? 0) + 1}` : functionName || '(native)');
  }
  let total = 0;
  const time = new Map<string, number>();
  const functionTime = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const place = where.get(id) ?? '(unknown)';
    time.set(place, (time.get(place) ?? 0) + delta);
    const name = functionOf.get(id) ?? '(unknown)';
    functionTime.set(name, (functionTime.get(name) ?? 0) + delta);
  });
  const idle = time.get('(idle)') ?? 0;
  time.delete('(idle)');
  functionTime.delete('(idle)');
  const top = (m: Map<string, number>, n: number) => [...m].map(([place, t]) => ({ where: place, share: t / Math.max(1, total) })).sort((a, b) => b.share - a.share).slice(0, n);
  return { busy: (total - idle) / Math.max(1, total), by: top(time, 5), functions: top(functionTime, 8) };
}

/** Every sensor a reading a minute, evenly over `seconds`, as CreateObservations once a second. */
async function sustained(base: string, sensors: Sensor[], seconds: number, cursor: { next: number; step: number }): Promise<{ posted: number; failures: number }> {
  const perSecond = sensors.length / 60;
  const inFlight = new Set<Promise<void>>();
  let posted = 0;
  let failures = 0;
  const begin = performance.now();
  for (let second = 0; second < seconds; second++) {
    const wait = begin + second * 1000 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight.size >= 8) await Promise.race(inFlight);
    const count = Math.round((second + 1) * perSecond) - Math.round(second * perSecond);
    const now = Date.now();
    const step = cursor.step++;
    const body = Array.from({ length: count }, (_, i) => {
      const s = sensors[(cursor.next + i) % sensors.length]!;
      return { Datastream: { '@iot.id': s.datastreamId }, components: ['phenomenonTime', 'result'], dataArray: [[new Date(now).toISOString(), round(s.site, baseline(s.site, now, step))]] };
    });
    cursor.next += count;
    const request = (async () => {
      const response = await fetch(`${base}/CreateObservations`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': KEY }, body: JSON.stringify(body) });
      if (response.status === 201) posted += count;
      else failures++;
      await response.arrayBuffer();
    })();
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await Promise.all(inFlight);
  const rest = begin + seconds * 1000 - performance.now();
  if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  return { posted, failures };
}

export async function benchViewerUnderLoad(browser: Browser, viewerBase: string, sensorCount = Number(process.env.BENCH_SENSORS ?? 85_000), seconds = Number(process.env.BENCH_LOAD_SECONDS ?? 60), rounds = Number(process.env.BENCH_ROUNDS ?? 2)): Promise<ViewerLoadResult> {
  const directory = mkdtempSync(join(tmpdir(), 'cim-twin-bench-viewer-load-'));
  const databasePath = join(directory, 'monitoring.sqlite');
  const district = generateDistrict();
  const sites = citySites(planSites(district, generateNetwork(district)), sensorCount);
  process.stderr.write(`viewer-load: seeding ${sensorCount.toLocaleString('en')} sensors …\n`);
  const database = new MonitoringDatabase({ path: databasePath, rules: defaultThresholdRules() });
  seedSensors(database, sites, { readingAtMs: Date.now() - 60_000 });
  const ids = simulatorDatastreamIds(database);
  database.close();
  // In a deterministic shuffled order: a city's devices report spread over the minute, not district by district.
  const sensors: Sensor[] = sites
    .filter((site) => ids.has(site.key))
    .map((site) => ({ site, datastreamId: ids.get(site.key)! }))
    .sort((a, b) => shuffleKey(a.datastreamId) - shuffleKey(b.datastreamId));
  if (sensors.length !== sensorCount) throw new Error(`viewer-load: ${sensors.length} datastreams for ${sensorCount} sites`);
  const port = randomPort();
  const base = `http://127.0.0.1:${port}/v1.1`;
  const server = await startMonitoringProcess(databasePath, port, KEY, { corsOrigins: [viewerBase] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  try {
    await page.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
    await page.addInitScript('window.__name = (f) => f;');
    await page.goto(`${viewerBase}/?monitoring=${encodeURIComponent(base)}&view=${VIEW}`);
    await page.getByTestId('monitoring-link-connect').click({ timeout: 120_000 });
    await page.waitForFunction((n) => window.__cimTwin?.store.getState().sensors.size === n && window.__cimTwin.store.getState().ready, sensors.length, { timeout: 900_000, polling: 250 });
    const view = (await page.evaluate(() => window.__cimTwin!.store.getState().sensorView))!;
    const sensorsInView = sites.filter((s) => s.lonDegrees >= view[0] && s.lonDegrees <= view[2] && s.latDegrees >= view[1] && s.latDegrees <= view[3]).length;
    await page.evaluate(RECORDER);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const cursor = { next: 0, step: 1 };
    const results: ViewerLoadResult['rounds'] = [];
    for (let r = 0; r < rounds; r++) {
      process.stderr.write(`viewer-load: round ${r + 1}/${rounds}: idle ${seconds} s …\n`);
      const idle = await phase(page, cdp, seconds, undefined);
      process.stderr.write(`viewer-load: round ${r + 1}/${rounds}: ${(sensors.length / 60).toFixed(0)} readings/s for ${seconds} s …\n`);
      const loaded = await phase(page, cdp, seconds, () => sustained(base, sensors, seconds, cursor));
      // Under the same load: frames with the overlay drawn against switched off, alternating which goes first.
      process.stderr.write(`viewer-load: round ${r + 1}/${rounds}: frame times, overlay on and off, under the load …\n`);
      const loading = sustained(base, sensors, seconds, cursor);
      const order = r % 2 ? [false, true] : [true, false];
      const measured = new Map<boolean, { forced: number; continuous: number }>();
      for (const visible of order) measured.set(visible, await overlayFrames(page, visible, seconds / 4));
      await page.evaluate(() => window.__cimTwin!.store.getState().setSensorsVisible(true));
      await loading;
      const frames: OverlayFrames = {
        forcedOnMilliseconds: measured.get(true)!.forced,
        forcedOffMilliseconds: measured.get(false)!.forced,
        continuousOnMilliseconds: measured.get(true)!.continuous,
        continuousOffMilliseconds: measured.get(false)!.continuous,
      };
      // The display as it runs: no frame asked for, only those the app asks for itself; a CPU profile of the phase.
      process.stderr.write(`viewer-load: round ${r + 1}/${rounds}: the app's own frames only, under the load, CPU profile …\n`);
      await page.evaluate(() => { (window as unknown as { __loadRecorder: { force: boolean } }).__loadRecorder.force = false; });
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
      await cdp.send('Profiler.start');
      const onDemandPhase = await phase(page, cdp, seconds, () => sustained(base, sensors, seconds, cursor));
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
      await cdp.send('Profiler.disable');
      await page.evaluate(() => { (window as unknown as { __loadRecorder: { force: boolean } }).__loadRecorder.force = true; });
      results.push({ idle, loaded, frames, onDemand: { ...onDemandPhase, profile: profileShares(profile) } });
    }
    return { sensors: sensors.length, sensorsInView, rounds: results };
  } finally {
    await page.close();
    server.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
}

export function viewerLoadLines(r: ViewerLoadResult): string[] {
  const pick = (f: (m: PhaseMeasure) => number, which: 'idle' | 'loaded') => median(r.rounds.map((x) => f(x[which])));
  const lines = [
    '',
    `The viewer under the city's sustained load: ${r.sensors.toLocaleString('en')} sensors, every one a reading a minute (${(r.sensors / 60).toFixed(0)}/s, CreateObservations once a second), the viewer on the demo district (${r.sensorsInView.toLocaleString('en')} sensors in its view), a frame asked for every 500 ms; median of ${r.rounds.length} alternated rounds of ${r.rounds[0]?.idle.seconds.toFixed(0)} s`,
    '',
    '| measure | idle (stream open) | sustained load | ratio |',
    '|---|---:|---:|---:|',
  ];
  const row = (label: string, f: (m: PhaseMeasure) => number, digits: number, unit = '') => {
    const idle = pick(f, 'idle');
    const loaded = pick(f, 'loaded');
    lines.push(`| ${label} | ${idle.toFixed(digits)}${unit} | ${loaded.toFixed(digits)}${unit} | ${(loaded / idle).toFixed(2)} |`);
  };
  row('render call on the main thread (preRender → postRender), p50', (m) => m.frameP50Milliseconds, 1, ' ms');
  row('render call on the main thread, p95', (m) => m.frameP95Milliseconds, 1, ' ms');
  row('frames drawn per second', (m) => m.frames / m.seconds, 2);
  row('main thread busy (share of wall time)', (m) => m.mainThreadShare * 100, 1, ' %');
  lines.push(`| main-thread tasks over 50 ms | ${pick((m) => m.longTasks, 'idle')} | ${pick((m) => m.longTasks, 'loaded')} | – |`);
  lines.push(`| readings applied in the page (store updates) | ${pick((m) => m.readings, 'idle')} (${pick((m) => m.sensorUpdates, 'idle')}) | ${pick((m) => m.readings, 'loaded').toLocaleString('en')} (${pick((m) => m.sensorUpdates, 'loaded')}) | – |`);
  lines.push(`| readings stored by the server in the phase | 0 | ${pick((m) => m.posted, 'loaded').toLocaleString('en')} (failed requests: ${pick((m) => m.postFailures, 'loaded')}) | – |`);
  const frame = (f: (x: OverlayFrames) => number) => median(r.rounds.map((x) => f(x.frames)));
  lines.push(
    '',
    `Frame time under the same load, the sensor overlay drawn against switched off (same page and stream, ${r.sensors.toLocaleString('en')} sensors; target ≤ 1.15)`,
    '',
    '| measure | overlay on | overlay off | ratio |',
    '|---|---:|---:|---:|',
    `| forced frames, each waited for by a pixel read back (drawing alone), median of 15 | ${frame((x) => x.forcedOnMilliseconds).toFixed(1)} ms | ${frame((x) => x.forcedOffMilliseconds).toFixed(1)} ms | ${(frame((x) => x.forcedOnMilliseconds) / frame((x) => x.forcedOffMilliseconds)).toFixed(2)} |`,
    `| frames while running, ${(r.rounds[0]!.idle.seconds / 4).toFixed(0)} s each (updates handled between frames) | ${frame((x) => x.continuousOnMilliseconds).toFixed(1)} ms | ${frame((x) => x.continuousOffMilliseconds).toFixed(1)} ms | ${(frame((x) => x.continuousOnMilliseconds) / frame((x) => x.continuousOffMilliseconds)).toFixed(2)} |`,
  );
  const demand = (f: (m: PhaseMeasure & { profile: ProfileShares }) => number) => median(r.rounds.map((x) => f(x.onDemand)));
  lines.push(
    '',
    `The display as it runs under the load: no frame asked for by the bench, only those the app asks for itself (target: main thread busy ≤ 10 %)`,
    '',
    '| measure | value |',
    '|---|---:|',
    `| main thread busy (share of wall time) | ${(demand((m) => m.mainThreadShare) * 100).toFixed(1)} % |`,
    `| main thread busy (CPU profile, sampled time not idle) | ${(demand((m) => m.profile.busy) * 100).toFixed(1)} % |`,
    `| frames drawn per second | ${demand((m) => m.frames / m.seconds).toFixed(2)} |`,
    `| readings applied in the page (store updates) | ${demand((m) => m.readings).toLocaleString('en')} (${demand((m) => m.sensorUpdates)}) |`,
    `| readings stored by the server in the phase | ${demand((m) => m.posted).toLocaleString('en')} (failed requests: ${demand((m) => m.postFailures)}) |`,
  );
  for (const [i, round] of r.rounds.entries()) {
    lines.push(`| round ${i + 1}, busy by place (CPU profile) | ${round.onDemand.profile.by.map((b) => `${b.where} ${(b.share * 100).toFixed(1)} %`).join(', ')} |`);
    lines.push(`| round ${i + 1}, most self time (CPU profile) | ${round.onDemand.profile.functions.map((b) => `${b.where} ${(b.share * 100).toFixed(1)} %`).join(', ')} |`);
  }
  return lines;
}
