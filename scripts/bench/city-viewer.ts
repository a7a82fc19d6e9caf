/**
 * The viewer on a city of a million buildings (issue 16, the three "viewer on the 1M city"
 * targets), against the same steps on the demo district. `BENCH_ONLY=city npm run bench` runs it
 * (it is not part of the full run: building the city takes minutes the first time).
 *
 *  1. The city, built once and reused while its inputs are unchanged: `syntheticBuildings(1_000_000)`
 *     tiled into tiles/bench-city/ (no search index), its buildings loaded into the asset store
 *     data/bench-city-assets.sqlite as dataset bench-city-buildings, and the synthetic 10,000 km
 *     network (`syntheticCityNetwork()`, whose water service connections serve those buildings) loaded
 *     into the same store as dataset bench-city-pipelines (no pipe tiles: the API measures need none).
 *  2. Two servers in turn, each as `npm start` assembles it minus monitoring (the viewer is opened
 *     with `?monitoring=off`): the demo district with its own store (data/assets.sqlite, prepareDemo),
 *     and the city with the city's store; both serve dist/ and tiles/, /api/assets and /api/network.
 *  3. In Chromium (1280×720, SwiftShader), per scenario: the JSON bytes downloaded from navigation
 *     to the first result row of a search for a building's name; the JS heap after a forced GC
 *     (CDP) at ready, after choosing that result, after a valve isolation run through the viewer's
 *     own action (the store's runIsolation, as the pipe panel's button calls it) on a water main, and
 *     after an impact-ring request from the page (/api/impact: the viewer shows its list only for a
 *     monitoring incident, so the request's size and time are measured instead of the panel);
 *     and for the city, time to visually complete against the bare CesiumJS page on the same
 *     tileset and camera.
 *
 * Environment: BENCH_CITY_BUILDINGS (default 1,000,000), BENCH_ROUNDS (visual-complete rounds, default 3).
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { createStaticServer } from '../../src/server/static-server.ts';
import { openAssetStore, type AssetStore } from '../../src/server/assets/asset-store.ts';
import { openAssetLoader } from '../../src/server/assets/loader.ts';
import { registerAssetRoutes } from '../../src/server/assets/routes.ts';
import { registerNetworkRoutes } from '../../src/server/network/routes.ts';
import { tileBuildings } from '../../src/tiling/building-pipeline.ts';
import { networkAssets } from '../../src/tiling/assets.ts';
import { localConverter, syntheticBuildings } from '../../src/tiling/testing/fixtures.ts';
import { collectNetwork, syntheticCityNetwork, syntheticNetworkPlan } from '../../src/demo/synthetic-network.ts';
import { generateDistrict } from '../../src/demo/district.ts';
import { generateNetwork } from '../../src/demo/network.ts';
import { pathLengthMetres } from '../../src/domain/geometry.ts';
import { buildViewerIfStale, DEFAULT_ASSETS_DATABASE, newestModification, prepareDemo } from '../start.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium.ts';
import { VISUAL_RECORDER_SCRIPT, visualCompleteMilliseconds } from './visual-complete.ts';

const CITY_TILES = 'tiles/bench-city';
const CITY_STORE = 'data/bench-city-assets.sqlite';
const BUILDINGS_DATASET = 'bench-city-buildings';
const PIPELINES_DATASET = 'bench-city-pipelines';
/** Inputs whose change makes the city stale. */
const CITY_INPUTS = ['src/tiling', 'src/demo/synthetic-network.ts', 'src/server/assets'];
const DEMO_VIEW = '113.1200152,23.0037627,1346.9,0,-35'; // the app's opening view of the demo district, as the viewer bench
const VISUAL_SETTLE_MILLISECONDS = 3000;
const log = (line: string) => process.stderr.write(`${line}\n`);

export interface CityBuild {
  buildings: number;
  /** Seconds of each step; undefined when reused. */
  tilingSeconds?: number;
  networkSeconds?: number;
  reused: boolean;
  tiles?: number;
  rootTilesetBytes: number;
  segments: number;
  pointAssets: number;
  kilometres: number;
  /** A water main near the city's middle, for the isolation. */
  waterSegmentId: string;
}

/** The water main nearest the city's middle, and the network's size (the generator is deterministic). */
function networkFacts(middle: [number, number]) {
  let segments = 0;
  let pointAssets = 0;
  let metres = 0;
  let best: { id: string; distance: number } | undefined;
  for (const item of syntheticCityNetwork()) {
    if (item.kind === 'asset') {
      pointAssets++;
      continue;
    }
    segments++;
    const s = item.segment;
    metres += pathLengthMetres(s.path);
    if (s.type !== 'water' || !s.id.startsWith('SYN-JS-')) continue; // a main, not a tee, service connection or source link
    const [lon, lat] = s.path[0]!;
    const distance = (lon - middle[0]) ** 2 + (lat - middle[1]) ** 2;
    if (!best || distance < best.distance) best = { id: s.id, distance };
  }
  return { segments, pointAssets, kilometres: metres / 1000, waterSegmentId: best!.id };
}

/** Build the city (tiles and store) if missing or older than its inputs; report what it is. */
export async function buildCity(count: number): Promise<CityBuild> {
  mkdirSync('data', { recursive: true });
  const store = await openAssetStore(CITY_STORE);
  const middle = cityMiddle(count);
  try {
    const inputsChanged = Math.max(...CITY_INPUTS.map(newestModification));
    const tileset = join(CITY_TILES, 'tileset.json');
    let tilingSeconds: number | undefined;
    let tiles: number | undefined;
    const buildingsStale = !existsSync(tileset) || statSync(tileset).mtimeMs < inputsChanged || (await store.count(BUILDINGS_DATASET)) !== count;
    if (buildingsStale) {
      log(`city: tiling ${count.toLocaleString('en')} synthetic buildings into ${CITY_TILES} and ${CITY_STORE} …`);
      const started = performance.now();
      // Loaded as `npm run tiles -- --assets` loads (on a worker thread of its own, beside the tiling).
      const buildingsLoader = await openAssetLoader(CITY_STORE, BUILDINGS_DATASET);
      const report = await tileBuildings(syntheticBuildings(count), { sourceName: `synthetic-${count}`, outputDirectory: CITY_TILES, searchIndex: false, loadAssets: buildingsLoader.load }).finally(() => buildingsLoader.close());
      tilingSeconds = (performance.now() - started) / 1000;
      tiles = report.tiles;
      log(`city: ${report.buildingsWritten} buildings, ${report.tiles} tiles, root tileset.json ${report.rootTilesetBytes} bytes, ${report.assetsLoaded} assets loaded, ${tilingSeconds.toFixed(1)} s`);
    }
    let networkSeconds: number | undefined;
    // The network is reloaded with the buildings (a new store) or when its own dataset is missing.
    if (buildingsStale || (await store.count(PIPELINES_DATASET)) === 0) {
      log('city: generating the synthetic 10,000 km network and loading it into the store …');
      const started = performance.now();
      const loaded = await store.replaceDataset(PIPELINES_DATASET, networkAssets(collectNetwork(syntheticCityNetwork())));
      networkSeconds = (performance.now() - started) / 1000;
      log(`city: ${loaded.loaded} network assets loaded, ${networkSeconds.toFixed(1)} s`);
    }
    const facts = networkFacts(middle);
    return { buildings: count, tilingSeconds, networkSeconds, reused: !buildingsStale && networkSeconds === undefined, tiles, rootTilesetBytes: statSync(tileset).size, ...facts };
  } finally {
    await store.close();
  }
}

/** The lon/lat of the synthetic city's middle (a square grid at 25 m from the fixture's origin). */
function cityMiddle(count: number): [number, number] {
  const side = Math.ceil(Math.sqrt(count));
  return localConverter()([(side * 25) / 2, (side * 25) / 2]);
}

/** The building in the city's middle, S<n> with name 合成楼<n>. */
function middleBuilding(count: number): number {
  const side = Math.ceil(Math.sqrt(count));
  return Math.floor(side / 2) * side + Math.floor(side / 2);
}

async function serve(store: AssetStore): Promise<{ app: FastifyInstance; base: string }> {
  const app = await createStaticServer();
  registerAssetRoutes(app, { store });
  const network = registerNetworkRoutes(app, { store });
  const loaded = await network.ready();
  log(`server: network loaded, ${loaded.segmentCount.toLocaleString('en')} segments`);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
}

type JsonSource = 'cesium' | 'tiles' | 'api' | 'other';

function jsonSource(url: string): JsonSource {
  const path = new URL(url).pathname;
  return path.startsWith('/cesium/') ? 'cesium' : path.startsWith('/tiles/') ? 'tiles' : path.startsWith('/api/') ? 'api' : 'other';
}

export interface ScenarioResult {
  label: string;
  /** JSON bytes (by content-type or a .json URL) from navigation to the first search result row. */
  jsonBytesToFirstResult: number;
  jsonResponsesToFirstResult: number;
  largestJson: { url: string; bytes: number };
  /** The same bytes by where they came from: CesiumJS's own assets, tilesets, the API, the rest (config, ground). */
  jsonBytesBySource: Record<JsonSource, number>;
  searchMilliseconds: number;
  heapAtReady: number;
  heapAfterSearch: number;
  heapAfterIsolation: number;
  heapAfterImpact: number;
  isolationMilliseconds: number;
  isolationSegments: number;
  impactBytes: number;
  impactMilliseconds: number;
  /** The same request from the benchmark process (HTTP and the server, no page): median of 5. */
  impactServerMilliseconds: number;
}

async function heapAfterGc(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    return usage.usedSize;
  } finally {
    await cdp.detach();
  }
}

async function newPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
  await page.addInitScript('window.__name = (f) => f;');
  if (process.env.BENCH_DEBUG) {
    page.on('console', (m) => log(`console ${m.type()}: ${m.text().slice(0, 200)}`));
    page.on('pageerror', (e) => log(`pageerror: ${e.message}`));
  }
  return page;
}

/** One scenario: open, search a building by name, choose it, isolate a water main, ask for an impact ring. */
async function runScenario(browser: Browser, label: string, url: string, query: string, segmentId: string, impactAt: [number, number]): Promise<ScenarioResult> {
  const page = await newPage(browser);
  try {
    const json: { url: string; bytes: number }[] = [];
    let counting = true;
    const pending: Promise<void>[] = [];
    page.on('response', (response) => {
      if (!counting) return;
      const type = response.headers()['content-type'] ?? '';
      if (!type.includes('json') && !/\.json(\?|$)/.test(new URL(response.url()).pathname)) return;
      pending.push(
        response
          .body()
          .then((body) => void (counting && json.push({ url: response.url(), bytes: body.length })))
          .catch(() => undefined),
      );
    });
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === 'tiles', null, { timeout: 300_000, polling: 100 });
    const heapAtReady = await heapAfterGc(page);
    const searchStarted = performance.now();
    await page.getByTestId('search-input').fill(query);
    const row = page.getByTestId('search-results').locator('li[data-kind="building"]').first();
    await row.waitFor({ state: 'visible', timeout: 60_000 });
    const searchMilliseconds = performance.now() - searchStarted;
    // Bodies of responses already received are still being read: wait for them, then stop counting.
    await Promise.all(pending);
    counting = false;
    await row.click();
    await page.waitForFunction(() => (document.querySelector('[data-testid="info-id"]')?.textContent ?? '') !== '', null, { timeout: 60_000 });
    await page.waitForTimeout(1000);
    const heapAfterSearch = await heapAfterGc(page);
    // The viewer's own action (the pipe panel's 关阀分析 button calls it): the API, then the drawing.
    const isolation = await page.evaluate(async (id) => {
      const store = (window as unknown as { __cimTwin: { store: { getState(): { runIsolation(id: string): Promise<void>; isolation?: { drawn: { segments: unknown[] } }; analysisStatus: { state: string; message?: string } } } } }).__cimTwin.store;
      const started = performance.now();
      await store.getState().runIsolation(id);
      const state = store.getState();
      if (!state.isolation) throw new Error(`isolation of ${id}: ${JSON.stringify(state.analysisStatus)}`);
      return { milliseconds: performance.now() - started, segments: state.isolation.drawn.segments.length };
    }, segmentId);
    await page.waitForTimeout(1000);
    const heapAfterIsolation = await heapAfterGc(page);
    // Impact rings: the viewer lists them for a monitoring incident only; ask the API from the page instead.
    const impact = await page.evaluate(async ([lon, lat]) => {
      const started = performance.now();
      const response = await fetch(`/api/impact?lon=${lon}&lat=${lat}&type=gas-leak`);
      const text = await response.text();
      if (!response.ok) throw new Error(`impact: ${response.status} ${text.slice(0, 200)}`);
      (window as unknown as { __benchImpact: unknown }).__benchImpact = JSON.parse(text);
      return { milliseconds: performance.now() - started, bytes: text.length };
    }, impactAt);
    const heapAfterImpact = await heapAfterGc(page);
    const serverTimes: number[] = [];
    for (let k = 0; k < 5; k++) {
      const started = performance.now();
      const response = await fetch(new URL(`/api/impact?lon=${impactAt[0]}&lat=${impactAt[1]}&type=gas-leak`, page.url()));
      await response.text();
      serverTimes.push(performance.now() - started);
    }
    const jsonBytesBySource: Record<JsonSource, number> = { cesium: 0, tiles: 0, api: 0, other: 0 };
    for (const r of json) jsonBytesBySource[jsonSource(r.url)] += r.bytes;
    const largestJson = json.reduce((a, b) => (b.bytes > a.bytes ? b : a), { url: '', bytes: 0 });
    return {
      label,
      jsonBytesToFirstResult: json.reduce((sum, r) => sum + r.bytes, 0),
      jsonResponsesToFirstResult: json.length,
      largestJson,
      jsonBytesBySource,
      searchMilliseconds,
      heapAtReady,
      heapAfterSearch,
      heapAfterIsolation,
      heapAfterImpact,
      isolationMilliseconds: isolation.milliseconds,
      isolationSegments: isolation.segments,
      impactBytes: impact.bytes,
      impactMilliseconds: impact.milliseconds,
      impactServerMilliseconds: median(serverTimes),
    };
  } finally {
    await page.close();
  }
}

/** Navigation → visually complete, for the viewer or the bare CesiumJS page. */
async function visualComplete(browser: Browser, url: string, viewerExpression: string): Promise<{ milliseconds: number; heapBytes: number }> {
  const page = await newPage(browser);
  try {
    await page.addInitScript(VISUAL_RECORDER_SCRIPT);
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === 'tiles', null, { timeout: 300_000, polling: 100 });
    await page.waitForTimeout(VISUAL_SETTLE_MILLISECONDS);
    const { milliseconds } = await visualCompleteMilliseconds(page, viewerExpression);
    return { milliseconds, heapBytes: await heapAfterGc(page) };
  } finally {
    await page.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export interface CityViewerResult {
  build: CityBuild;
  demo: ScenarioResult;
  city: ScenarioResult;
  visual?: { ours: { milliseconds: number; heapBytes: number }[]; bare: { milliseconds: number; heapBytes: number }[] };
  cityView: string;
}

export async function benchCityViewer(): Promise<CityViewerResult> {
  const count = Number(process.env.BENCH_CITY_BUILDINGS ?? 1_000_000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const build = await buildCity(count);
  log(`city: ${build.reused ? 'reused' : 'built'}; ${build.segments.toLocaleString('en')} segments, ${build.kilometres.toFixed(0)} km; water main for the isolation ${build.waterSegmentId}`);
  await prepareDemo(log);
  buildViewerIfStale(log);
  const [midLon, midLat] = cityMiddle(count);
  // Over the city's middle, 1.5 km up, looking north at 35° down (as the demo's opening view).
  const cityView = `${midLon.toFixed(7)},${(midLat - 0.012).toFixed(7)},1346.9,0,-35`;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  try {
    // The demo district, as `npm start` serves it (its own store), monitoring off.
    const demoStore = await openAssetStore(process.env.ASSETS_DATABASE ?? DEFAULT_ASSETS_DATABASE);
    let demo: ScenarioResult;
    try {
      const { app, base } = await serve(demoStore);
      try {
        const district = generateDistrict();
        const network = generateNetwork(district);
        // Water mains (440604-JS-…), not tees or service connections.
        const water = network.segments.filter((s) => s.type === 'water' && /-JS-\d/.test(s.id));
        const target = district.buildings[Math.floor(district.buildings.length / 2)]!.properties;
        const main = water[Math.floor(water.length / 2)]!;
        log(`demo: searching ${target.name}, isolating ${main.id} …`);
        // A warm-up page (not counted): the browser's first page pays for its GPU process and shaders.
        await visualComplete(browser, `${base}/?layers=demo-buildings&monitoring=off&quality=high&view=${DEMO_VIEW}`, 'window.__cimTwin.engine().viewer');
        demo = await runScenario(browser, 'demo district', `${base}/?layers=demo-buildings&monitoring=off&quality=high&view=${DEMO_VIEW}`, target.name, main.id, main.path[0]!);
      } finally {
        await app.close();
      }
    } finally {
      await demoStore.close();
    }
    const cityStore = await openAssetStore(CITY_STORE);
    try {
      const { app, base } = await serve(cityStore);
      try {
        const tileset = `${base}/tiles/bench-city/tileset.json`;
        const n = middleBuilding(count);
        const ourUrl = `${base}/?layers=none&monitoring=off&quality=high&tileset=${encodeURIComponent(tileset)}&view=${cityView}`;
        log(`city: searching 合成楼${n}, isolating ${build.waterSegmentId} …`);
        const city = await runScenario(browser, `city of ${count.toLocaleString('en')} buildings`, ourUrl, `合成楼${n}`, build.waterSegmentId, [midLon, midLat]);
        let visual: CityViewerResult['visual'];
        if (rounds > 0) {
          visual = { ours: [], bare: [] };
          const bareUrl = `${base}/bench/bare-cesium.html?view=${cityView}&tileset=${encodeURIComponent(tileset)}`;
          for (let round = 0; round < rounds; round++) {
            log(`city: visually complete, round ${round + 1}/${rounds} …`);
            const pair = [
              async () => visual!.ours.push(await visualComplete(browser, ourUrl, 'window.__cimTwin.engine().viewer')),
              async () => visual!.bare.push(await visualComplete(browser, bareUrl, 'window.__bench.viewer')),
            ];
            if (round % 2) pair.reverse();
            for (const run of pair) await run();
          }
        }
        return { build, demo, city, visual, cityView };
      } finally {
        await app.close();
      }
    } finally {
      await cityStore.close();
    }
  } finally {
    await browser.close();
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export function cityViewerLines(r: CityViewerResult): string[] {
  const { build, demo, city } = r;
  const lines = [
    '',
    `The viewer on a city of ${build.buildings.toLocaleString('en')} buildings and ${build.kilometres.toFixed(0)} km of pipes (${build.segments.toLocaleString('en')} segments, ${build.pointAssets.toLocaleString('en')} point assets) against the demo district (1280×720, SwiftShader, monitoring off)`,
    '',
    `City ${build.reused ? 'reused from tiles/bench-city and data/bench-city-assets.sqlite' : 'built'}: ${build.tilingSeconds === undefined ? '' : `tiling and loading the buildings ${build.tilingSeconds.toFixed(1)} s (${build.tiles} tiles); `}${build.networkSeconds === undefined ? '' : `loading the network ${build.networkSeconds.toFixed(1)} s; `}root tileset.json ${kib(build.rootTilesetBytes)} (target ≤ 1 MB)`,
    '',
    '| measure | demo district | 1M city | ratio | target |',
    '|---|---:|---:|---:|---|',
  ];
  const row = (label: string, a: number, b: number, format: (n: number) => string, target: string) => lines.push(`| ${label} | ${format(a)} | ${format(b)} | ${(b / a).toFixed(2)} | ${target} |`);
  row('JSON downloaded, navigation → first search result', demo.jsonBytesToFirstResult, city.jsonBytesToFirstResult, kib, 'city ≤ 1 MB');
  for (const [source, label] of [['cesium', 'of which CesiumJS assets (/cesium/)'], ['tiles', 'of which tilesets (/tiles/)'], ['api', 'of which the API (/api/)'], ['other', 'of which config and ground']] as const) {
    row(label, demo.jsonBytesBySource[source], city.jsonBytesBySource[source], kib, '');
  }
  row('JSON responses in that span', demo.jsonResponsesToFirstResult, city.jsonResponsesToFirstResult, String, '');
  row('search typed → first result row', demo.searchMilliseconds, city.searchMilliseconds, (n) => `${n.toFixed(0)} ms`, '');
  row('JS heap at ready (after GC)', demo.heapAtReady, city.heapAtReady, mib, '');
  row('JS heap after search and choosing the result', demo.heapAfterSearch, city.heapAfterSearch, mib, '');
  row('JS heap after a valve isolation (viewer action)', demo.heapAfterIsolation, city.heapAfterIsolation, mib, '');
  row('JS heap after an impact-ring request (/api/impact from the page)', demo.heapAfterImpact, city.heapAfterImpact, mib, 'ratio ≤ 1.2');
  row('JS heap growth over the three steps (after impact − at ready)', demo.heapAfterImpact - demo.heapAtReady, city.heapAfterImpact - city.heapAtReady, mib, '');
  row('valve isolation: request → drawn state', demo.isolationMilliseconds, city.isolationMilliseconds, (n) => `${n.toFixed(0)} ms`, '');
  row('valve isolation: segments drawn', demo.isolationSegments, city.isolationSegments, String, '');
  row('impact-ring answer (gas leak, first 25)', demo.impactBytes, city.impactBytes, kib, '');
  row('impact-ring request, from the page', demo.impactMilliseconds, city.impactMilliseconds, (n) => `${n.toFixed(0)} ms`, '');
  row('impact-ring request, from the bench process (median of 5)', demo.impactServerMilliseconds, city.impactServerMilliseconds, (n) => `${n.toFixed(0)} ms`, '');
  lines.push('', `Largest JSON before the first result: demo ${demo.largestJson.url.replace(/^https?:\/\/[^/]+/, '')} (${kib(demo.largestJson.bytes)}); city ${city.largestJson.url.replace(/^https?:\/\/[^/]+/, '')} (${kib(city.largestJson.bytes)})`);
  if (r.visual) {
    const ours = median(r.visual.ours.map((v) => v.milliseconds));
    const bare = median(r.visual.bare.map((v) => v.milliseconds));
    const oursHeap = median(r.visual.ours.map((v) => v.heapBytes));
    const bareHeap = median(r.visual.bare.map((v) => v.heapBytes));
    lines.push('', `Time to visually complete on the city's tileset (view ${r.cityView}; median of ${r.visual.ours.length} alternated rounds; target ratio ≤ 1.10)`, '');
    lines.push('| measure | cim-twin | bare CesiumJS | ratio |', '|---|---:|---:|---:|');
    lines.push(`| navigation → visually complete | ${(ours / 1000).toFixed(1)} s | ${(bare / 1000).toFixed(1)} s | ${(ours / bare).toFixed(2)} |`);
    lines.push(`| JS heap when visually complete (after GC) | ${mib(oursHeap)} | ${mib(bareHeap)} | ${(oursHeap / bareHeap).toFixed(2)} |`);
    lines.push('', `Rounds (s): cim-twin ${r.visual.ours.map((v) => (v.milliseconds / 1000).toFixed(1)).join(', ')}; bare ${r.visual.bare.map((v) => (v.milliseconds / 1000).toFixed(1)).join(', ')}`);
  }
  return lines;
}

/** `--build-only`: build (or check) the city and print its facts. */
if (import.meta.url === `file://${process.argv[1]}` && process.argv.includes('--build-only')) {
  const build = await buildCity(Number(process.env.BENCH_CITY_BUILDINGS ?? 1_000_000));
  console.log(JSON.stringify({ ...build, plan: syntheticNetworkPlan() }));
}
