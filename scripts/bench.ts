#!/usr/bin/env -S npx tsx
/**
 * `npm run bench`: benchmarks, printed as a table.
 *  - Tiling throughput for synthetic buildings (10k, 100k, 1M; BENCH_TILING=10000,100000 to change),
 *    each in its own process so peak RSS is its own, and the size of the root tileset.json; each
 *    count again while loading the asset store, into SQLite and into PostgreSQL (issue 16's tile +
 *    load; PostgreSQL skipped when no server is reachable; BENCH_TILING_ASSETS=0 tiles only)
 *    (BENCH_ONLY=tiling runs this one alone).
 *  - The viewer against a bare CesiumJS page on the same tileset, view and clock, as it comes and
 *    with the same sky culling as ours, alternated BENCH_ROUNDS times (default 3) in the same run:
 *    time from navigation to ready, steady frame time, JS heap. Ratios are ours ÷ bare (medians);
 *    BENCH_ONLY=viewer runs this one alone.
 *  - Pipeline tiling (km/s, bytes/km), the clearance check on the demo network and 10× it, and the
 *    viewer's frame time with the underground view on against off, in the same alternated rounds
 *    (BENCH_ONLY=underground runs this one alone).
 *  - Valve isolation on the demo water network and a synthetic 100,000-segment grid.
 *  - Thematic views: re-colouring the district and moving the 4D slider, time until a drawn frame
 *    shows the change, against one plain frame of the same page.
 *  - Monitoring (BENCH_MONITORING=0 to skip): ingest against raw better-sqlite3, stream fan-out to
 *    200 clients, POST → colour on screen, frame time with 10,000 live sensors against the overlay
 *    off and against no monitoring (BENCH_ONLY=overlay runs this one alone; BENCH_ONLY=latency the
 *    POST → colour on screen alone).
 *  - The asset store on SQLite and PostgreSQL + PostGIS: load, search, bbox and radius p50/p95 on
 *    BENCH_ASSETS synthetic buildings (default 100,000; 0 skips; BENCH_ONLY=assets runs this alone).
 *  - The case store (案卷) on SQLite and PostgreSQL: load, a grid's open cases, daily statistics and
 *    actions on BENCH_CASES synthetic cases over 5,000 grids (default 100,000; 0 skips;
 *    BENCH_ONLY=cases runs this alone).
 *  - The grid store (网格) on SQLite and PostgreSQL + PostGIS: point-in-grid and one view's grids on
 *    BENCH_GRIDS synthetic unit grids (default 5,000; 0 skips; BENCH_ONLY=grids runs this alone).
 *  - The network analyses at the server on both stores: valve isolation and tracing p50/p95 over
 *    HTTP on a synthetic water grid of BENCH_NETWORK_SEGMENTS segments (default 200,000, about
 *    10,000 km; 0 skips; BENCH_ONLY=network runs this alone).
 *  - The viewer on a 1,000,000-building city with 10,000 km of pipes against the demo district:
 *    JSON before the first search result, JS heap after search, isolation and an impact request,
 *    time to visually complete against bare CesiumJS (scripts/bench/city-viewer.ts). Only with
 *    BENCH_ONLY=city: it builds the city (tiles/bench-city, data/bench-city-assets.sqlite) once.
 *  - BIM (IFC) tiling: the Duplex and a synthetic 100,000-element IFC4 model (BENCH_BIM_ELEMENTS),
 *    elements/s, bytes per element against the IFC file, peak RSS. Only with BENCH_ONLY=bim.
 *  - Sensors at city scale (scripts/bench/sensors.ts): BENCH_SENSORS sensors (default 85,000; 0
 *    skips) over a Hefei-sized area: bytes and time to sensors shown at start, compact index against
 *    expanded Things; SSE bytes per client per minute under the simulator (a reading each every
 *    60 s) with a view on the demo district against every reading (BENCH_ONLY=sensors runs this alone).
 *  - City-model tiling: the Delft CityJSON and 3DBAG CityJSONSeq files (when ../shared/data is
 *    there) and a synthetic LoD2 city of BENCH_CITYMODELS houses (default 100,000; 0 skips) written
 *    as CityJSONSeq on the fly: objects/s, bytes per object, peak RSS (BENCH_ONLY=citymodels alone).
 *  - The city check-up job at BENCH_CHECKUP_BUILDINGS buildings (default 1,000,000; scripts/bench/checkup.ts,
 *    only with BENCH_ONLY=checkup): load and job seconds per backend, against the former per-item placing.
 *  - The monitoring server as 1, 2 and 4 processes on one PostgreSQL (scripts/bench/cluster.ts, only
 *    with BENCH_ONLY=cluster): ingest observations/s and POST → SSE latency across processes.
 *  - The viewer under the city's sustained monitoring load (scripts/bench/viewer-load.ts, only with
 *    BENCH_ONLY=viewer-load): frame time and main-thread share, loaded against idle on the same page.
 *  - Ingest at city scale (scripts/bench/sensors-ingest.ts, only with BENCH_ONLY=sensors-ingest):
 *    burst over HTTP, MQTT QoS 1 creates, 85,000 sensors a minute sustained (lag, server RSS) and
 *    POST → SSE latency under it, a column per backend (BENCH_SHORT=1 for a shorter run).
 *  - The BIM model in the viewer (scripts/bench/bim-viewer.ts): "open BIM model" to visually
 *    complete, and the frame time inside the model against the city view of the same page (the
 *    demo's Duplex; BENCH_ROUNDS pages). Only with BENCH_ONLY=bim-viewer.
 * Timing targets live here, never in tests: these machines are noisy.
 */
import { chromium, type Browser } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStaticServer } from '../src/server/static-server.ts';
import { registerMonitoring } from '../src/server/sensorthings/index.ts';
import { generateDistrict } from '../src/demo/district.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { checkClearances, type ClearanceRule } from '../src/domain/analysis/clearance.ts';
import clearanceRules from '../src/domain/analysis/clearance-rules.json';
import type { PipeSegment } from '../src/domain/pipelines.ts';
import { fromLonLat } from '../src/tiling/crs.ts';
import { tilePipeNetwork, type PipeTilingReport } from '../src/tiling/pipes/pipe-pipeline.ts';
import { buildViewerIfStale, prepareDemo } from './start.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';
import { benchThematic, type ThematicResult } from './bench/thematic.ts';
import { benchBimViewer, bimViewerLines, type BimViewerResult } from './bench/bim-viewer.ts';
import { registerBimRoutes } from '../src/server/bim/routes.ts';
import { VISUAL_RECORDER_SCRIPT, visualCompleteMilliseconds } from './bench/visual-complete.ts';
import { benchIsolation, syntheticGrid } from './bench/emergency.ts';
import { assetLines, benchAssetStores, type AssetBenchResult } from './bench/assets.ts';
import { createTestDatabase, postgresReachable } from '../src/server/assets/testing/postgres.ts';
import { benchCaseStores, caseLines, type CaseBenchResult } from './bench/cases.ts';
import { benchGridStores, gridLines, type GridBenchResult } from './bench/grids.ts';
import { benchNetwork, networkLines, type NetworkBenchRow } from './bench/network.ts';
import { benchCityViewer, cityViewerLines } from './bench/city-viewer.ts';
import { benchSensors, sensorLines, type SensorBenchResult } from './bench/sensors.ts';
import { benchViewerUnderLoad, viewerLoadLines, type ViewerLoadResult } from './bench/viewer-load.ts';
import { benchCityModels, cityModelLines, type CityModelBenchRow } from './bench/citymodels.ts';
import { generateLifecycles } from '../src/demo/lifecycle.ts';
import { storeLifecycles } from '../src/server/lifecycle/routes.ts';
import { benchEndToEnd, benchFanOut, benchIngest, benchOverlayFrames, type EndToEndResult, type FanOutResult, type FrameMeasure, type IngestResult, type OverlayFrameResult } from './bench/monitoring.ts';

const VIEW = '113.1200152,23.0037627,1346.9,0,-35'; // the app's own opening view of the demo district
const BELOW_STREET_VIEW = '113.115,23.012,-8,20,-5'; // 8 m under a street, looking along it
const FRAMES = 8;
/** Wait after ready before judging when the picture stopped changing. */
const VISUAL_SETTLE_MILLISECONDS = 3000;
/** The window of continuous rendering in the overlay benchmark. */
const OVERLAY_WINDOW_SECONDS = 20;

interface TilingResult {
  count: number;
  buildings: number;
  tiles: number;
  bytes: number;
  /** The root tileset.json alone (target ≤ 1 MB at 1M buildings; larger trees go to external tilesets). */
  rootTilesetBytes: number;
  tilesetFiles: number;
  seconds: number;
  peakRssBytes: number;
  /** "tile only", "tile + load into SQLite" or "tile + load into PostgreSQL". */
  run: string;
  /** With a load: its own seconds (first tile → commit), within `seconds`. */
  loadSeconds?: number;
}

/** The building tiling table: tiling alone, then tiling with the load into each asset store (issue 16). */
function tilingLines(tiling: TilingResult[]): string[] {
  const lines = ['Tiling (synthetic LoD1 buildings, `scripts/bench/tiling-run.ts`; targets: 1M in < 60 s, peak RSS < 2 GB, ≤ 0.5 KB per building, root tileset.json ≤ 1 MB; tile + load into the asset store (`--assets`) 1M in ≤ 90 s, peak RSS ≤ 2 GB)', ''];
  lines.push('| buildings | run | tiles | seconds | of which the load | buildings/s | peak RSS | bytes/building | root tileset.json | tileset files |', '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of tiling) {
    const load = r.loadSeconds === undefined ? '' : `${r.loadSeconds.toFixed(1)} s`;
    lines.push(`| ${r.buildings.toLocaleString('en')} | ${r.run} | ${r.tiles} | ${r.seconds.toFixed(1)} | ${load} | ${Math.round(r.buildings / r.seconds).toLocaleString('en')} | ${formatBytes(r.peakRssBytes)} | ${Math.round(r.bytes / r.buildings)} | ${Math.round(r.rootTilesetBytes / 1024).toLocaleString('en')} KiB | ${r.tilesetFiles} |`);
  }
  return lines;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Each count tiled alone, then tiled while loading the asset store (tiling-run.ts --assets): into a
 * SQLite file, and into a fresh PostgreSQL database (skipped, with a message, when no server is
 * reachable). BENCH_TILING_ASSETS=0 tiles only.
 */
async function benchTiling(counts: number[]): Promise<TilingResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'cim-twin-bench-'));
  const withAssets = process.env.BENCH_TILING_ASSETS !== '0';
  const reachability = withAssets ? await postgresReachable() : undefined;
  if (reachability && !reachability.reachable) process.stderr.write(`tiling: skipping tile + load into PostgreSQL: ${reachability.reason}\n`);
  const run = (label: string, count: number, assets?: string): TilingResult => {
    process.stderr.write(`tiling ${count} synthetic buildings (${label}) …\n`);
    const output = execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/bench/tiling-run.ts', String(count), join(work, String(count)), ...(assets ? ['--assets', assets] : [])], { encoding: 'utf8', maxBuffer: 1 << 20 });
    return { ...(JSON.parse(output.trim().split('\n').pop()!) as Omit<TilingResult, 'run'>), run: label };
  };
  try {
    const results: TilingResult[] = [];
    for (const count of counts) {
      results.push(run('tile only', count));
      if (!withAssets) continue;
      results.push(run('tile + load into SQLite', count, join(work, `assets-${count}.sqlite`)));
      if (reachability?.reachable) {
        const database = await createTestDatabase();
        try {
          results.push(run('tile + load into PostgreSQL', count, database.url));
        } finally {
          await database.drop();
        }
      }
    }
    return results;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Pipeline tiling of the demo network (268 km). */
async function benchPipelines(): Promise<{ label: string; report: PipeTilingReport }[]> {
  const network = generateNetwork(generateDistrict());
  const work = mkdtempSync(join(tmpdir(), 'cim-twin-bench-pipes-'));
  try {
    process.stderr.write('tiling the demo underground network …\n');
    return [{ label: 'demo network', report: await tilePipeNetwork(network, { outputDirectory: join(work, 'demo') }) }];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Clearance check on the demo network and on ten shifted copies of it: the ratio shows it is not quadratic. */
function benchClearance(): { label: string; segments: number; violations: number; milliseconds: number }[] {
  const segments = generateNetwork(generateDistrict()).segments;
  const toLocal = fromLonLat('EPSG:4547');
  const copies = (n: number): PipeSegment[] =>
    Array.from({ length: n }, (_, k) => segments.map((s) => ({ ...s, id: `${s.id}#${k}`, fromNodeId: `${s.fromNodeId}#${k}`, toNodeId: `${s.toNodeId}#${k}`, path: s.path.map(([lon, lat]) => [lon + 0.025 * k, lat] as [number, number]) }))).flat();
  return [1, 10].map((n) => {
    const network = copies(n);
    const started = performance.now();
    const violations = checkClearances(network, clearanceRules.rules as ClearanceRule[], toLocal).length;
    return { label: n === 1 ? 'demo network' : `${n} × demo network`, segments: network.length, violations, milliseconds: performance.now() - started };
  });
}

interface ViewerRun {
  readyMilliseconds: number;
  /** When the picture stopped changing (see scripts/bench/visual-complete.ts). */
  visualCompleteMilliseconds: number;
  frameMilliseconds: number;
  heapBytes: number;
  /** Only when asked for: wall time per frame while rendering every animation frame for a window. */
  continuousFrameMilliseconds?: number;
}

async function runPage(browser: Browser, url: string, viewerExpression: string, waitExpression = 'true', continuousSeconds = 0): Promise<ViewerRun> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  try {
    await page.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
    // tsx (esbuild) wraps named functions inside evaluated callbacks in a __name helper the page lacks.
    await page.addInitScript('window.__name = (f) => f;');
    await page.addInitScript(VISUAL_RECORDER_SCRIPT);
    if (process.env.BENCH_DEBUG) {
      page.on('console', (m) => process.stderr.write(`console ${m.type()}: ${m.text().slice(0, 200)}\n`));
      page.on('pageerror', (e) => process.stderr.write(`pageerror: ${e.message}\n`));
      page.on('requestfailed', (r) => process.stderr.write(`failed: ${r.url()} ${r.failure()?.errorText}\n`));
    }
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === 'tiles', null, { timeout: 300_000, polling: 100 });
    await page.waitForFunction((expression) => Boolean((0, eval)(expression)), waitExpression, { timeout: 300_000, polling: 200 });
    // Anything drawn after ready (a late change) counts against visual completeness: give it time to show.
    await page.waitForTimeout(VISUAL_SETTLE_MILLISECONDS);
    const visual = await visualCompleteMilliseconds(page, viewerExpression);
    // Frames as the page runs: every animation frame renders, and the stream's updates are handled in between.
    const continuousFrameMilliseconds = continuousSeconds
      ? await page.evaluate(
          ([expression, seconds]) =>
            new Promise<number>((resolve) => {
              const viewer = (0, eval)(expression as string) as { scene: { requestRender(): void; postRender: { addEventListener(f: () => void): () => void } } };
              let frames = 0;
              const stop = viewer.scene.postRender.addEventListener(() => frames++);
              const started = performance.now();
              const tick = () => {
                if (performance.now() - started >= (seconds as number) * 1000) {
                  stop();
                  resolve((performance.now() - started) / Math.max(1, frames));
                  return;
                }
                viewer.scene.requestRender();
                requestAnimationFrame(tick);
              };
              requestAnimationFrame(tick);
            }),
          [viewerExpression, continuousSeconds] as const,
        )
      : undefined;
    const run = await page.evaluate(
      ([expression, frames]) => {
        const viewer = (0, eval)(expression as string) as { scene: { requestRender(): void; canvas: HTMLCanvasElement }; render(): void };
        const gl = viewer.scene.canvas.getContext('webgl2')!;
        const pixel = new Uint8Array(4);
        const times: number[] = [];
        for (let i = 0; i < (frames as number); i++) {
          viewer.scene.requestRender();
          const started = performance.now();
          viewer.render();
          // Reading a pixel back waits until the frame has really been drawn.
          gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
          times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
        return {
          readyMilliseconds: performance.getEntriesByName('cim-twin-ready')[0]!.startTime,
          frameMilliseconds: times[Math.floor(times.length / 2)]!,
          heapBytes: memory?.usedJSHeapSize ?? 0,
        };
      },
      [viewerExpression, FRAMES] as const,
    );
    const measured = { ...run, visualCompleteMilliseconds: visual.milliseconds };
    return continuousFrameMilliseconds === undefined ? measured : { ...measured, continuousFrameMilliseconds };
  } finally {
    await page.close();
  }
}

/** Which viewer benchmarks run: all of them, or one alone (BENCH_ONLY). */
type ViewerSelection = 'all' | 'viewer' | 'overlay' | 'underground' | 'latency';

async function benchViewer(rounds: number, monitoring: boolean, only: ViewerSelection = 'all') {
  await prepareDemo((line) => process.stderr.write(`${line}\n`));
  buildViewerIfStale((line) => process.stderr.write(`${line}\n`));
  const server = await createStaticServer();
  // As `npm start` serves it, without simulated sensors: the viewer is live with no sensors.
  const monitoringDirectory = mkdtempSync(join(tmpdir(), 'cim-twin-bench-viewer-monitoring-'));
  const monitoringServer = registerMonitoring(server, { databasePath: join(monitoringDirectory, 'monitoring.sqlite'), apiKeys: ['bench-viewer'] });
  // The demo's lifecycle records, as `npm start` imports them: the 4D view reads their dates.
  storeLifecycles(monitoringServer.database.db, generateLifecycles(generateDistrict()));
  await server.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  const ours: ViewerRun[] = [];
  const bare: ViewerRun[] = [];
  const bareCulled: ViewerRun[] = [];
  const undergroundOff: ViewerRun[] = [];
  const undergroundOn: ViewerRun[] = [];
  const undergroundBelow: ViewerRun[] = [];
  const endToEnd: EndToEndResult[] = [];
  let overlay: OverlayFrameResult | undefined;
  let thematic: ThematicResult | undefined;
  try {
    if (only === 'all' || only === 'underground' || only === 'viewer') {
      // A warm-up of both kinds of page, not counted: the browser's first page pays for starting its
      // GPU process and compiling SwiftShader's shaders (seen: the first page of a run 6 s later to visually complete than the same page next),
      // which belongs to neither page; without it that cost fell on whichever page a round began with.
      process.stderr.write('viewer warm-up (not counted) …\n');
      await runPage(browser, `${base}/?layers=demo-buildings&quality=high&sensors=0&view=${VIEW}`, 'window.__cimTwin.engine().viewer');
      await runPage(browser, `${base}/bench/bare-cesium.html?view=${VIEW}&tileset=${encodeURIComponent(`${base}/tiles/demo/buildings/tileset.json`)}`, 'window.__bench.viewer');
    }
    for (let round = 0; round < (only === 'all' || only === 'underground' || only === 'viewer' ? rounds : 0); round++) {
      process.stderr.write(`viewer round ${round + 1}/${rounds} …\n`);
      // Alternate which goes first, so drift on a noisy machine falls on both of each pair.
      const pair = [
        // The same tileset as the baseline: only the buildings layer of the config.
        async () => ours.push(await runPage(browser, `${base}/?layers=demo-buildings&quality=high&sensors=0&view=${VIEW}`, 'window.__cimTwin.engine().viewer')),
        async () => bare.push(await runPage(browser, `${base}/bench/bare-cesium.html?view=${VIEW}&tileset=${encodeURIComponent(`${base}/tiles/demo/buildings/tileset.json`)}`, 'window.__bench.viewer')),
        // The same, drawing the sky only when it is in view as ours does: our overhead at equal drawing work.
        async () => bareCulled.push(await runPage(browser, `${base}/bench/bare-cesium.html?skyCulling=1&view=${VIEW}&tileset=${encodeURIComponent(`${base}/tiles/demo/buildings/tileset.json`)}`, 'window.__bench.viewer')),
      ];
      // The full demo (buildings and pipelines) with the underground view off and on: translucent
      // ground, faded buildings, and the pipe tiles loaded and drawn.
      const underground = [
        async () => undergroundOff.push(await runPage(browser, `${base}/?quality=high&view=${VIEW}`, 'window.__cimTwin.engine().viewer')),
        async () => undergroundOn.push(await runPage(browser, `${base}/?underground=1&quality=high&view=${VIEW}`, 'window.__cimTwin.engine().viewer')),
        // Under a street at 8 m, looking along it: the view of issue 15 (item 6).
        async () => undergroundBelow.push(await runPage(browser, `${base}/?underground=1&quality=high&view=${BELOW_STREET_VIEW}`, 'window.__cimTwin.engine().viewer')),
      ];
      if (round % 2) {
        pair.reverse();
        underground.reverse();
      }
      for (const run of only === 'underground' ? underground : only === 'viewer' ? pair : [...pair, ...underground]) await run();
    }
    if (only === 'all') {
      process.stderr.write('thematic views: re-colouring and the 4D slider …\n');
      thematic = await benchThematic(browser, `${base}/?layers=demo-buildings&quality=high&view=${VIEW}`);
    }
    if (monitoring && (only === 'all' || only === 'latency')) {
      process.stderr.write('monitoring: POST → colour on screen …\n');
      // As a desk opens it (auto: smooth on a software renderer), and forced to full quality.
      for (const quality of ['auto', 'high'] as const) endToEnd.push(await benchEndToEnd(browser, base, quality));
    }
    if (monitoring && (only === 'all' || only === 'overlay')) {
      process.stderr.write('monitoring: frame time with 10,000 live sensors …\n');
      overlay = await benchOverlayFrames(
        base,
        async (url, wait) => {
          const run = await runPage(browser, url, 'window.__cimTwin.engine().viewer', wait, OVERLAY_WINDOW_SECONDS);
          return { forcedMilliseconds: run.frameMilliseconds, continuousMilliseconds: run.continuousFrameMilliseconds! };
        },
        10_000,
        rounds,
      );
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(monitoringDirectory, { recursive: true, force: true });
  }
  return { ours, bare, bareCulled, undergroundOff, undergroundOn, undergroundBelow, endToEnd, overlay, thematic };
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(2)} GiB` : `${(bytes / (1 << 20)).toFixed(0)} MiB`;
}

type ViewerKey = 'readyMilliseconds' | 'visualCompleteMilliseconds' | 'frameMilliseconds' | 'heapBytes';

/** The viewer against bare CesiumJS, as a sandcastle has it and with the same sky culling as ours. */
function viewerLines(ours: ViewerRun[], bare: ViewerRun[], bareCulled: ViewerRun[], rounds: number): string[] {
  const lines = ['', `Viewer vs bare CesiumJS on the demo tileset (same view, clock, imagery; 1280×720, SwiftShader; median of ${rounds} alternated rounds; target ratio ≤ 1.10)`, ''];
  lines.push('| measure | cim-twin | bare CesiumJS | ratio | bare + sky culling | ratio |', '|---|---:|---:|---:|---:|---:|');
  const row = (label: string, key: ViewerKey, format: (n: number) => string) => {
    const a = median(ours.map((r) => r[key]));
    const b = median(bare.map((r) => r[key]));
    const c = median(bareCulled.map((r) => r[key]));
    lines.push(`| ${label} | ${format(a)} | ${format(b)} | ${(a / b).toFixed(2)} | ${format(c)} | ${(a / c).toFixed(2)} |`);
  };
  row('navigation → visually complete', 'visualCompleteMilliseconds', (n) => `${(n / 1000).toFixed(1)} s`);
  row('navigation → ready', 'readyMilliseconds', (n) => `${(n / 1000).toFixed(1)} s`);
  row(`steady frame (median of ${FRAMES})`, 'frameMilliseconds', (n) => `${n.toFixed(0)} ms`);
  row('JS heap at ready', 'heapBytes', formatBytes);
  return lines;
}

/** The underground table: the full demo with the underground view on against off. */
function undergroundLines(on: ViewerRun[], off: ViewerRun[], below: ViewerRun[], rounds: number): string[] {
  const lines = ['', `Underground view on vs off (full demo: buildings and pipelines, same view; median of ${rounds} alternated rounds; target frame ratio ≤ 1.25)`, ''];
  lines.push('| measure | on | off | ratio |', '|---|---:|---:|---:|');
  const row = (label: string, key: ViewerKey, format: (n: number) => string) => {
    const a = median(on.map((r) => r[key]));
    const b = median(off.map((r) => r[key]));
    lines.push(`| ${label} | ${format(a)} | ${format(b)} | ${(a / b).toFixed(2)} |`);
  };
  row('navigation → ready', 'readyMilliseconds', (n) => `${(n / 1000).toFixed(1)} s`);
  row(`steady frame (median of ${FRAMES})`, 'frameMilliseconds', (n) => `${n.toFixed(0)} ms`);
  row('JS heap at ready', 'heapBytes', formatBytes);
  if (below.length) {
    lines.push('', `Under a street (8 m below, looking along it, ${BELOW_STREET_VIEW}) against the opening view above ground with the underground view off (same rounds)`, '');
    lines.push('| measure | below the street | opening view | ratio |', '|---|---:|---:|---:|');
    for (const [label, key] of [
      ['navigation → ready', 'readyMilliseconds'],
      ['navigation → visually complete', 'visualCompleteMilliseconds'],
    ] as const) {
      const a = median(below.map((r) => r[key]));
      const b = median(off.map((r) => r[key]));
      lines.push(`| ${label} | ${(a / 1000).toFixed(1)} s | ${(b / 1000).toFixed(1)} s | ${(a / b).toFixed(2)} |`);
    }
  }
  return lines;
}

/** The on-screen latency table: POST → colour set, and → the next frame drawn with it. */
function endToEndLines(results: EndToEndResult[]): string[] {
  if (!results.length) return [];
  const quality = (e: EndToEndResult) => (e.quality === 'auto' ? `auto (drawn ${e.effectiveQuality})` : e.effectiveQuality);
  return [
    '',
    `POST → marker colour on screen (browser, SwiftShader, 1280×720; ${results[0]!.updates} updates each; target p95 ≤ 250 ms)`,
    '',
    '| render quality | measure | p50 | p95 |',
    '|---|---|---:|---:|',
    ...results.flatMap((e) => [
      `| ${quality(e)} | POST → colour set on the marker (network, server, stream, store, engine) | ${e.appliedP50Milliseconds} ms | ${e.appliedP95Milliseconds} ms |`,
      `| ${quality(e)} | POST → the next frame drawn with it | ${e.p50Milliseconds} ms | ${e.p95Milliseconds} ms |`,
    ]),
  ];
}

/** The ingest table: single and batched writes over HTTP against raw better-sqlite3 inserts. */
function ingestLines(ingest: IngestResult): string[] {
  return [
    '',
    'Monitoring ingest (HTTP API on loopback, SQLite WAL, thresholds checked; raw = the same rows with better-sqlite3 in a transaction per batch; targets: ≥ 20,000/s batched, ratio ≥ 0.5 for the throughput)',
    '',
    '| path | observations/s | ratio to raw |',
    '|---|---:|---:|',
    `| single POST /Observations | ${Math.round(ingest.singlePerSecond).toLocaleString('en')} | ${(ingest.singlePerSecond / ingest.rawPerSecond).toFixed(3)} |`,
    `| CreateObservations, ${ingest.batchSize} per request, one at a time | ${Math.round(ingest.batchedPerSecond).toLocaleString('en')} | ${(ingest.batchedPerSecond / ingest.rawPerSecond).toFixed(2)} |`,
    `| CreateObservations, ${ingest.batchSize} per request, ${ingest.concurrency} in flight (throughput) | ${Math.round(ingest.concurrentPerSecond).toLocaleString('en')} | ${(ingest.concurrentPerSecond / ingest.rawPerSecond).toFixed(2)} |`,
    `| raw better-sqlite3 inserts | ${Math.round(ingest.rawPerSecond).toLocaleString('en')} | 1.00 |`,
  ];
}

/** The overlay table: frame time with live sensors against the overlay off and against no monitoring. */
function overlayLines(o: OverlayFrameResult, rounds: number): string[] {
  const lines = ['', `Frame time with ${o.sensors.toLocaleString('en')} sensors updating at 1 Hz (buildings layer, same view; median of ${rounds} alternated rounds; target ≤ 1.15 against the overlay off)`, ''];
  lines.push('| measure | overlay on | overlay off (same stream) | ratio | monitoring off | ratio |', '|---|---:|---:|---:|---:|---:|');
  const row = (label: string, pick: (m: FrameMeasure) => number) =>
    `| ${label} | ${pick(o.on).toFixed(0)} ms | ${pick(o.hidden).toFixed(0)} ms | ${(pick(o.on) / pick(o.hidden)).toFixed(2)} | ${pick(o.off).toFixed(0)} ms | ${(pick(o.on) / pick(o.off)).toFixed(2)} |`;
  lines.push(row('forced frames (drawing only)', (m) => m.forcedMilliseconds));
  lines.push(row(`frames while running, ${OVERLAY_WINDOW_SECONDS} s (updates handled between frames)`, (m) => m.continuousMilliseconds));
  return lines;
}

/** The demo built, the production viewer on a static server of its own and Chromium, for one browser bench. */
async function withDemoViewer<T>(run: (browser: Browser, base: string) => Promise<T>): Promise<T> {
  await prepareDemo((line) => process.stderr.write(`${line}\n`));
  buildViewerIfStale((line) => process.stderr.write(`${line}\n`));
  const server = await createStaticServer();
  await server.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  try {
    return await run(browser, base);
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The sensors at city scale, against the production viewer on a static server of its own. */
const runSensorBench = (): Promise<SensorBenchResult> => withDemoViewer((browser, base) => benchSensors(browser, base));

/** BENCH_ONLY=viewer-load: the viewer under the city's sustained monitoring load, against the same page idle. */
const runViewerLoadBench = (): Promise<ViewerLoadResult> => withDemoViewer((browser, base) => benchViewerUnderLoad(browser, base));

/** BENCH_ONLY=bim-viewer: open the demo's BIM model from the city view, `rounds` pages. */
async function benchBimViewerPages(rounds: number): Promise<BimViewerResult[]> {
  await prepareDemo((line) => process.stderr.write(`${line}\n`));
  buildViewerIfStale((line) => process.stderr.write(`${line}\n`));
  const server = await createStaticServer();
  const bim = await registerBimRoutes(server, { location: process.env.ASSETS_DATABASE ?? 'data/assets.sqlite' });
  const model = (await bim.models()).find((m) => m.id === 'duplex' && m.building && m.tileset);
  if (!model) throw new Error('the demo has no BIM model (../shared/data/bim/Duplex_A_20110907.ifc absent?)');
  await server.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  try {
    const runs: BimViewerResult[] = [];
    for (let round = 0; round < rounds; round++) {
      process.stderr.write(`BIM viewer round ${round + 1}/${rounds} …\n`);
      runs.push(await benchBimViewer(browser, base, model.building!, { id: model.id, name: model.name, tileset: model.tileset! }));
    }
    return runs;
  } finally {
    await browser.close();
    await server.close();
  }
}

async function main() {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  // BENCH_ONLY=bim-viewer: opening the BIM model and its frame time against the city view, alone.
  if (process.env.BENCH_ONLY === 'bim-viewer') {
    console.log(bimViewerLines(await benchBimViewerPages(rounds)).join('\n'));
    return;
  }
  // BENCH_ONLY=viewer-load: the viewer under 85,000 sensors' sustained load (scripts/bench/viewer-load.ts; not in the full run).
  if (process.env.BENCH_ONLY === 'viewer-load') {
    console.log(viewerLoadLines(await runViewerLoadBench()).join('\n'));
    return;
  }
  // BENCH_ONLY=sensors: the sensors at city scale alone.
  if (process.env.BENCH_ONLY === 'sensors') {
    console.log(sensorLines(await runSensorBench()).join('\n'));
    return;
  }
  // BENCH_ONLY=overlay: the live-sensor frame benchmark alone (it needs no tiling or other viewer runs).
  if (process.env.BENCH_ONLY === 'overlay') {
    const { overlay } = await benchViewer(rounds, true, 'overlay');
    console.log(overlayLines(overlay!, rounds).join('\n'));
    return;
  }
  // BENCH_ONLY=viewer: the viewer against bare CesiumJS alone.
  if (process.env.BENCH_ONLY === 'viewer') {
    const viewer = await benchViewer(rounds, false, 'viewer');
    console.log(viewerLines(viewer.ours, viewer.bare, viewer.bareCulled, rounds).join('\n'));
    return;
  }
  // BENCH_ONLY=underground: the underground view on against off alone.
  if (process.env.BENCH_ONLY === 'underground') {
    const viewer = await benchViewer(rounds, false, 'underground');
    console.log(undergroundLines(viewer.undergroundOn, viewer.undergroundOff, viewer.undergroundBelow, rounds).join('\n'));
    return;
  }
  // BENCH_ONLY=latency: POST → colour on screen alone.
  if (process.env.BENCH_ONLY === 'latency') {
    const { endToEnd } = await benchViewer(rounds, true, 'latency');
    console.log(endToEndLines(endToEnd).join('\n'));
    return;
  }
  // BENCH_ONLY=sensors-ingest: ingest at city scale, per backend (scripts/bench/sensors-ingest.ts; not in the full run).
  if (process.env.BENCH_ONLY === 'sensors-ingest') {
    const { benchSensorsIngest, sensorsIngestLines } = await import('./bench/sensors-ingest.ts');
    console.log(sensorsIngestLines(await benchSensorsIngest()).join('\n'));
    return;
  }
  // BENCH_ONLY=checkup: the check-up job at a million buildings, both backends (scripts/bench/checkup.ts; not in the full run).
  if (process.env.BENCH_ONLY === 'checkup') {
    const { benchCheckup, checkupLines } = await import('./bench/checkup.ts');
    console.log(checkupLines(await benchCheckup()).join('\n'));
    return;
  }
  // BENCH_ONLY=cluster: the monitoring server as 1, 2 and 4 processes on one PostgreSQL (scripts/bench/cluster.ts; not in the full run).
  if (process.env.BENCH_ONLY === 'cluster') {
    const { benchCluster, clusterLines } = await import('./bench/cluster.ts');
    console.log(clusterLines(await benchCluster()).join('\n'));
    return;
  }
  // BENCH_ONLY=sta-pg: the SensorThings store on SQLite and PostgreSQL side by side (not in the full run).
  if (process.env.BENCH_ONLY === 'sta-pg') {
    const { benchStaPostgres, staPostgresLines } = await import('./bench/sta-pg.ts');
    console.log(staPostgresLines(await benchStaPostgres()).join('\n'));
    return;
  }
  // BENCH_ONLY=ingest: the ingest benchmark alone.
  if (process.env.BENCH_ONLY === 'ingest') {
    console.log(ingestLines(await benchIngest()).join('\n'));
    return;
  }
  const assetCount = Number(process.env.BENCH_ASSETS ?? 100_000);
  // BENCH_ONLY=assets: the asset store alone.
  if (process.env.BENCH_ONLY === 'assets') {
    console.log(assetLines(await benchAssetStores(assetCount)).join('\n'));
    return;
  }
  const caseCount = Number(process.env.BENCH_CASES ?? 100_000);
  // BENCH_ONLY=cases: the case store alone.
  if (process.env.BENCH_ONLY === 'cases') {
    console.log(caseLines(await benchCaseStores(caseCount)).join('\n'));
    return;
  }
  const gridCount = Number(process.env.BENCH_GRIDS ?? 5_000);
  // BENCH_ONLY=grids: the grid store alone.
  if (process.env.BENCH_ONLY === 'grids') {
    console.log(gridLines(await benchGridStores(gridCount)).join('\n'));
    return;
  }
  // BENCH_ONLY=city: the viewer on a 1,000,000-building city against the demo district (not in the
  // full run: the city is built once, minutes, then reused; the run itself is a few minutes more).
  if (process.env.BENCH_ONLY === 'city') {
    console.log(cityViewerLines(await benchCityViewer()).join('\n'));
    return;
  }
  // BENCH_ONLY=bim: BIM (IFC) tiling alone (not in the full run: the 100,000-element model takes minutes).
  if (process.env.BENCH_ONLY === 'bim') {
    const { benchBim, bimLines } = await import('./bench/bim.ts');
    console.log(bimLines(await benchBim()).join('\n'));
    return;
  }
  // BENCH_ONLY=citymodels: city-model tiling alone.
  if (process.env.BENCH_ONLY === 'citymodels') {
    console.log(cityModelLines(await benchCityModels()).join('\n'));
    return;
  }
  // BENCH_ONLY=network: the network analyses at the server alone.
  if (process.env.BENCH_ONLY === 'network') {
    console.log(networkLines(await benchNetwork()).join('\n'));
    return;
  }
  const counts = (process.env.BENCH_TILING ?? '10000,100000,1000000').split(',').map(Number).filter((n) => n > 0);
  const tiling = await benchTiling(counts);
  // BENCH_ONLY=tiling: the building tiling table alone (BENCH_TILING=1000000 for the million only).
  if (process.env.BENCH_ONLY === 'tiling') {
    console.log(tilingLines(tiling).join('\n'));
    return;
  }
  const cityModels: CityModelBenchRow[] = await benchCityModels();
  const pipes = await benchPipelines();
  const clearance = benchClearance();
  const isolation = [benchIsolation('demo water network', generateNetwork(generateDistrict())), benchIsolation('synthetic grid', syntheticGrid(100_000))];
  const monitoring = process.env.BENCH_MONITORING !== '0';
  let ingest: IngestResult | undefined;
  let fanOut: FanOutResult | undefined;
  if (monitoring) {
    process.stderr.write('monitoring: ingest …\n');
    ingest = await benchIngest();
    process.stderr.write('monitoring: fan-out to 200 clients …\n');
    fanOut = await benchFanOut();
  }
  const assets: AssetBenchResult[] = assetCount > 0 ? await benchAssetStores(assetCount) : [];
  const cases: CaseBenchResult[] = caseCount > 0 ? await benchCaseStores(caseCount) : [];
  const gridResults: GridBenchResult[] = gridCount > 0 ? await benchGridStores(gridCount) : [];
  const networkSegments = Number(process.env.BENCH_NETWORK_SEGMENTS ?? 200_000);
  const networkRows: NetworkBenchRow[] = networkSegments > 0 ? await benchNetwork(networkSegments) : [];
  const viewer = rounds > 0 ? await benchViewer(rounds, monitoring) : undefined;
  const sensorBench = monitoring && Number(process.env.BENCH_SENSORS ?? 85_000) > 0 ? await runSensorBench() : undefined;

  const lines: string[] = [];
  lines.push(...tilingLines(tiling));
  lines.push(...cityModelLines(cityModels));
  lines.push('', 'Pipeline tiling (three.js meshes, meshopt, metadata)', '');
  lines.push('| network | km | segments + assets | tiles | seconds | km/s | bytes/km |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const { label, report: r } of pipes) {
    lines.push(`| ${label} | ${r.kilometres.toFixed(0)} | ${r.segments + r.assets} | ${r.tiles} | ${r.seconds.toFixed(1)} | ${(r.kilometres / r.seconds).toFixed(0)} | ${Math.round(r.bytes / r.kilometres).toLocaleString('en')} |`);
  }
  lines.push('', 'Clearance check (flatbush R-tree; linear growth means not quadratic)', '');
  lines.push('| network | segments | violations | ms | ms per 1,000 segments |', '|---|---:|---:|---:|---:|');
  for (const c of clearance) lines.push(`| ${c.label} | ${c.segments.toLocaleString('en')} | ${c.violations.toLocaleString('en')} | ${c.milliseconds.toFixed(0)} | ${((c.milliseconds / c.segments) * 1000).toFixed(0)} |`);
  lines.push('', 'Valve isolation (graph built once per network; then one analysis per break: zone, valves, supply traced before and after; target < 100 ms for one break on 100k segments)', '');
  lines.push('| network | segments | graph build | one break, median | one break, worst | breaks | valves to close (mean) |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const r of isolation) {
    lines.push(`| ${r.label} | ${r.segments.toLocaleString('en')} | ${r.graphMilliseconds.toFixed(1)} ms | ${r.isolationMedianMilliseconds.toFixed(1)} ms | ${r.isolationMaximumMilliseconds.toFixed(1)} ms | ${r.breaks} | ${r.meanValvesToClose.toFixed(1)} |`);
  }
  lines.push(...assetLines(assets));
  lines.push(...caseLines(cases));
  lines.push(...gridLines(gridResults));
  lines.push(...networkLines(networkRows));
  if (viewer) {
    lines.push(...viewerLines(viewer.ours, viewer.bare, viewer.bareCulled, rounds));
    lines.push(...undergroundLines(viewer.undergroundOn, viewer.undergroundOff, viewer.undergroundBelow, rounds));
  }
  if (viewer?.thematic) {
    const t = viewer.thematic;
    lines.push('', `Thematic views (buildings layer, opening view; median of ${t.changes} changes; time from the change until a drawn frame shows it, against one plain frame)`, '');
    lines.push('| change | time | frames | ratio to one plain frame |', '|---|---:|---:|---:|');
    lines.push(`| one plain frame | ${t.plainFrameMilliseconds.toFixed(0)} ms | 1 | 1.00 |`);
    lines.push(`| colour the district by another attribute (use ↔ height) | ${t.restyleMilliseconds.toFixed(0)} ms | ${t.restyleFrames} | ${(t.restyleMilliseconds / t.plainFrameMilliseconds).toFixed(2)} |`);
    lines.push(`| 4D slider 1990 ↔ 2020 | ${t.sliderMilliseconds.toFixed(0)} ms | ${t.sliderFrames} | ${(t.sliderMilliseconds / t.plainFrameMilliseconds).toFixed(2)} |`);
  }
  if (ingest) lines.push(...ingestLines(ingest));
  if (fanOut) {
    lines.push('', `Stream fan-out (${fanOut.clients} SSE clients in one process, ${fanOut.observationsPerSecond.toLocaleString('en')} observations/s for ${fanOut.seconds} s)`, '');
    lines.push('| delivered | p50 latency | p95 latency |', '|---:|---:|---:|');
    lines.push(`| ${fanOut.delivered.toLocaleString('en')} of ${fanOut.expected.toLocaleString('en')} | ${fanOut.p50Milliseconds} ms | ${fanOut.p95Milliseconds} ms |`);
  }
  if (viewer) lines.push(...endToEndLines(viewer.endToEnd));
  if (viewer?.overlay) lines.push(...overlayLines(viewer.overlay, rounds));
  if (sensorBench) lines.push(...sensorLines(sensorBench));
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
