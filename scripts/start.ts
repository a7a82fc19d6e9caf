#!/usr/bin/env -S npx tsx
/**
 * `npm start`: build what is missing, then serve the full demo.
 *  1. the demo district (tiles/demo/source) and its tiles (tiles/demo/buildings, and the LoD2
 *     patch tiles/demo/buildings-lod2), if absent or stale;
 *  2. the production build of the viewer (dist/), if absent or older than its sources;
 *  3. the server: viewer at /, tiles at /tiles/, the monitoring API (SensorThings 1.1 on SQLite) at /v1.1;
 *  4. the lifeline simulator, posting readings of the demo district's sensors to that API, with its
 *     four scenarios in turn.
 *
 * Environment: PORT (default 8080), HOST (default 127.0.0.1); MONITORING_API_KEY (default: a key
 * made on first start and kept in data/monitoring-api-key); MONITORING_DATABASE (default
 * data/monitoring.sqlite; a postgres://… URL puts the monitoring data in PostgreSQL); SIMULATOR=off to serve without simulated sensors; SIMULATOR_INTERVAL
 * (seconds, default 10). MQTT_URL (e.g. mqtt://127.0.0.1:1883) to also publish observations and
 * incidents through that broker (SensorThings' MQTT binding), with MQTT_USERNAME/MQTT_PASSWORD if
 * it wants them and MQTT_CREATES=on to take observations published to it as well.
 * CORS_ORIGINS: origins whose pages may read this server cross-origin (comma-separated; default
 * none: the viewer it serves is same-origin). MONITORING_MAX_FUTURE_SKEW: how far ahead of the
 * server's clock a reading's time may be (default 10min; 90s, 2h, 1d …). ASSETS_DATABASE: the asset
 * store (a SQLite path or a postgres:// URL; default data/assets.sqlite), served at /api/assets: the
 * demo's buildings and pipelines are loaded into it as datasets demo-buildings and demo-pipelines
 * whenever they are tiled, or missing from the store. CASES_DATABASE: the case store (案卷; a SQLite
 * path or a postgres:// URL; default data/cases.sqlite), served at /api/cases with the same write key.
 * GRIDS_DATABASE: the grid store (网格; a SQLite path or a postgres:// URL with PostGIS; default
 * data/grids.sqlite), served at /api/grids: filled with the demo district's grids when empty
 * (`npm run grids -- file` replaces them with yours); new cases are placed in its grids.
 * CHECKUP_DATABASE: the check-up store (城市体检; a SQLite path or a postgres:// URL; default
 * data/checkup.sqlite), served at /api/checkup: its job runs at start, a minute later (the
 * simulator's sensors online) and every hour (src/server/checkup/job.ts).
 * Flags: --prepare-only (build, don't serve).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { openGeoJson, tileBuildings } from '../src/tiling/index.ts';
import { createStaticServer } from '../src/server/static-server.ts';
import { isPostgresLocation, openAssetStore, type AssetInput } from '../src/server/assets/asset-store.ts';
import { openBimStore } from '../src/server/bim/bim-store.ts';
import { tileIfc } from '../src/tiling/bim/bim-pipeline.ts';
import { bimOrigin, DEMO_BIM_MODEL, DEMO_BIM_SOURCE, DEMO_BIM_TILES, pickBimPlot, withCompletionModel, type ModelExtent } from '../src/demo/bim.ts';
import type { BuildingLifecycle } from '../src/domain/lifecycle/lifecycle.ts';
import { generateGrids } from '../src/demo/grids.ts';
import { generateDistrict } from '../src/demo/district.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { tilePipeNetwork } from '../src/tiling/pipes/pipe-pipeline.ts';
import { writeDemoData } from './demo-data.ts';
import { prepareLod2Demo } from '../src/demo/lod2-tiles.ts';
import { monitoringHealthChecks, openMonitoring } from '../src/server/sensorthings/index.ts';
import { registerHealth } from '../src/server/cluster/health.ts';
import { registerCityApis } from '../src/server/city-apis.ts';
import { displayLocation } from '../src/server/assets/loader.ts';
import { LifelineSimulator } from '../src/simulator/simulator.ts';
import { planSites } from '../src/simulator/sites.ts';
import { generateLifecycles } from '../src/demo/lifecycle.ts';
import { registerLifecycleDates } from '../src/server/lifecycle/dates-route.ts';
import type { LifecycleStore } from '../src/server/lifecycle/lifecycle-store.ts';
import { SqliteLifecycleStore } from '../src/server/lifecycle/sqlite-lifecycle-store.ts';
import { parseCorsOrigins } from '../src/server/cors.ts';
import { DEFAULT_FUTURE_SKEW_MILLISECONDS, parseSkew } from '../src/server/instants.ts';

const DEMO_SOURCE = 'tiles/demo/source';
const DEMO_BUILDINGS = 'tiles/demo/buildings';
const DEMO_PIPELINES = 'tiles/demo/pipelines';
const DEMO_BUILDINGS_LOD2 = 'tiles/demo/buildings-lod2';
/** The demo's datasets in the asset store: the layer IDs of public/config.json. */
export const DEMO_BUILDINGS_DATASET = 'demo-buildings';
export const DEMO_PIPELINES_DATASET = 'demo-pipelines';
export const DEFAULT_ASSETS_DATABASE = 'data/assets.sqlite';

/** The newest modification time under a path (a file, or a directory walked whole); 0 if absent. */
export function newestModification(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestModification(join(path, entry)));
  return newest;
}

/** Inputs whose change makes the demo data or tiles stale. */
const DEMO_INPUTS = ['src/demo', 'src/tiling', 'src/domain', 'scripts/demo-data.ts'];

/**
 * Generate and tile what is missing or stale, loading the tiled assets into the store (all or
 * nothing, before the tiles are moved into place). Tiles that are up to date but whose dataset the
 * store lacks (a new store, or one emptied by hand) are tiled again, so tiles and store agree.
 */
export async function prepareDemo(log: (line: string) => void = console.log, assetsLocation = process.env.ASSETS_DATABASE ?? DEFAULT_ASSETS_DATABASE): Promise<void> {
  if (!isPostgresLocation(assetsLocation)) mkdirSync(dirname(assetsLocation), { recursive: true });
  const store = await openAssetStore(assetsLocation);
  try {
    const loader = (dataset: string) => (assets: Iterable<AssetInput>) => store.replaceDataset(dataset, assets).then((r) => r.loaded);
    const stale = async (tileset: string, dataset: string, inputsChanged: number) => !existsSync(tileset) || statSync(tileset).mtimeMs < inputsChanged || (await store.count(dataset)) === 0;
    const inputsChanged = Math.max(...DEMO_INPUTS.map(newestModification));
    if (await stale(join(DEMO_BUILDINGS, 'tileset.json'), DEMO_BUILDINGS_DATASET, inputsChanged)) {
      log('generating the demo district …');
      await writeDemoData(DEMO_SOURCE);
      log('tiling the demo buildings …');
      const input = join(DEMO_SOURCE, 'buildings.geojson');
      const source = await openGeoJson(input);
      const report = await tileBuildings(source.features, { sourceName: input, outputDirectory: DEMO_BUILDINGS, declaredCrs: source.declaredCrs, loadAssets: loader(DEMO_BUILDINGS_DATASET) });
      log(`  ${report.buildingsWritten} buildings in ${report.tiles} tiles, ${(report.bytes / 1024).toFixed(0)} KiB, ${report.seconds.toFixed(1)} s; ${report.assetsLoaded} in the asset store (${displayLocation(assetsLocation)})`);
    }
    if (await stale(join(DEMO_PIPELINES, 'tileset.json'), DEMO_PIPELINES_DATASET, inputsChanged)) {
      log('tiling the demo underground network …');
      const network = generateNetwork(generateDistrict());
      const report = await tilePipeNetwork(network, { outputDirectory: DEMO_PIPELINES, loadAssets: loader(DEMO_PIPELINES_DATASET) });
      log(`  ${report.kilometres.toFixed(0)} km of lines, ${report.segments} segments, ${report.assets} assets in ${report.tiles} tiles, ${(report.bytes / 1024).toFixed(0)} KiB, ${report.seconds.toFixed(1)} s; ${report.assetsLoaded} in the asset store`);
    }
    // The LoD2 patch of old-town roofs (issue 18 §4): LoD1 far, LoD2 near, the same building IDs (src/demo/lod2-tiles.ts).
    const lod2Tileset = join(DEMO_BUILDINGS_LOD2, 'tileset.json');
    if (!existsSync(lod2Tileset) || statSync(lod2Tileset).mtimeMs < inputsChanged) {
      log('tiling the demo LoD2 patch …');
      const report = await prepareLod2Demo(join(DEMO_SOURCE, 'lod2-patch.city.json'), DEMO_BUILDINGS_LOD2);
      log(`  ${report.buildings} buildings, LoD1 and LoD2 (${Object.entries(report.lod2.surfaces).map(([type, n]) => `${n} ${type}`).join(', ')}), ${(report.bytes / 1024).toFixed(0)} KiB, ${report.seconds.toFixed(1)} s`);
    }
  } finally {
    await store.close();
  }
  await prepareDemoBim(log, assetsLocation, Math.max(...DEMO_INPUTS.map(newestModification)));
}

const EARTH_RADIUS_METRES = 6_378_137;

/** The model's extent in its own metres, from a tileset placed at a known origin with no rotation. */
function extentOfTileset(tilesetPath: string, lonDegrees: number, latDegrees: number): ModelExtent {
  const { root } = JSON.parse(readFileSync(tilesetPath, 'utf8')) as { root: { boundingVolume: { region: number[] } } };
  const [west, south, east, north] = root.boundingVolume.region as [number, number, number, number];
  const lon0 = (lonDegrees * Math.PI) / 180;
  const lat0 = (latDegrees * Math.PI) / 180;
  const x = (lon: number) => (lon - lon0) * EARTH_RADIUS_METRES * Math.cos(lat0);
  const y = (lat: number) => (lat - lat0) * EARTH_RADIUS_METRES;
  return { minimumX: x(west), maximumX: x(east), minimumY: y(south), maximumY: y(north) };
}

/**
 * The demo's completion model (竣工模型): the shared Duplex IFC sample placed by `--origin` on the
 * plot of one demo building (see src/demo/bim.ts), tiled to tiles/demo/bim/duplex with its
 * elements in the BIM store beside the assets, linked to that building. Only when the sample is
 * there (CI always has it), and when it is newer than the tiles or the store lacks the model.
 */
export async function prepareDemoBim(log: (line: string) => void, assetsLocation: string, inputsChanged: number): Promise<void> {
  if (!existsSync(DEMO_BIM_SOURCE)) {
    log(`the BIM sample ${DEMO_BIM_SOURCE} is absent: the demo goes on without its completion model (竣工模型)`);
    return;
  }
  const tileset = join(DEMO_BIM_TILES, 'tileset.json');
  const store = await openBimStore(assetsLocation);
  try {
    const changed = Math.max(inputsChanged, newestModification(DEMO_BIM_SOURCE));
    if (existsSync(tileset) && statSync(tileset).mtimeMs >= changed && (await store.model(DEMO_BIM_MODEL))?.building) return;
    log(`placing the BIM sample ${basename(DEMO_BIM_SOURCE)} on a demo plot …`);
    // First its extent in its own metres (tiled once at a known origin, unrotated), then the plot and the placement.
    const probe = mkdtempSync(join(tmpdir(), 'cim-twin-bim-'));
    let extent: ModelExtent;
    try {
      const [lon, lat] = [113.12, 23.02];
      await tileIfc({ sourceName: DEMO_BIM_SOURCE, outputDirectory: join(probe, DEMO_BIM_MODEL), modelId: DEMO_BIM_MODEL, origin: { lonDegrees: lon, latDegrees: lat, heightMetres: 0, headingDegrees: 0 } });
      extent = extentOfTileset(join(probe, DEMO_BIM_MODEL, 'tileset.json'), lon, lat);
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
    const district = generateDistrict();
    const completed = new Set(generateLifecycles(district).filter((r) => r.stages.some((s) => s.stage === 'completion-acceptance') && !r.stages.some((s) => s.stage === 'demolition')).map((r) => r.buildingId));
    const plot = pickBimPlot(district, extent, (id) => completed.has(id));
    if (!plot) {
      log('  no demo building can take the BIM sample: the demo goes on without its completion model');
      return;
    }
    const origin = bimOrigin(plot, extent);
    const report = await tileIfc({
      sourceName: DEMO_BIM_SOURCE,
      outputDirectory: DEMO_BIM_TILES,
      modelId: DEMO_BIM_MODEL,
      origin,
      building: plot.buildingId,
      tilesetPath: `${DEMO_BIM_TILES.replace(/^tiles\//, '')}/tileset.json`,
      loadProperties: async (model, elements) => (await store.replaceModel(model, elements)).elements,
    });
    log(`  ${report.elementsWritten} elements (${report.storeys} storeys) on ${plot.buildingId} ${plot.name}, ${report.placement.description}; ${report.elementsLoaded} products in the BIM store; ${report.seconds.toFixed(1)} s`);
  } finally {
    await store.close();
  }
}

/** The demo building's lifecycle record names its completion model (竣工模型), once the model is in the store. */
async function linkCompletionModel(lifecycle: LifecycleStore, assetsLocation: string): Promise<void> {
  const store = await openBimStore(assetsLocation);
  try {
    const model = await store.model(DEMO_BIM_MODEL);
    if (!model?.building) return;
    const json = await lifecycle.recordJson(model.building);
    if (json === undefined) return;
    const record = JSON.parse(json) as BuildingLifecycle;
    const linked = withCompletionModel(record, { modelId: model.id, source: model.source });
    if (linked !== record) await lifecycle.put([linked]);
  } finally {
    await store.close();
  }
}

export function buildViewerIfStale(log: (line: string) => void = console.log): void {
  const built = existsSync('dist/index.html') ? statSync('dist/index.html').mtimeMs : 0;
  const sources = Math.max(...['src', 'public', 'vite.config.ts', 'package-lock.json'].map(newestModification));
  if (built < sources) {
    log('building the viewer (vite build) …');
    execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  }
}

const KEY_FILE = 'data/monitoring-api-key';
/** Where the lifecycle records were kept with a PostgreSQL monitoring database before they moved into it. */
const FORMER_LIFECYCLE_FILE = 'data/monitoring-lifecycle.sqlite';

/** The demo buildings' IDs, from the tiler's search index: lifecycle records for others are refused. */
function demoBuildingIds(): Set<string> | undefined {
  const path = join(DEMO_BUILDINGS, 'search-index.json');
  if (!existsSync(path)) return undefined;
  const index = JSON.parse(readFileSync(path, 'utf8')) as { fields: string[]; rows: unknown[][] };
  const column = index.fields.indexOf('id');
  return new Set(index.rows.map((row) => String(row[column])));
}

/** The demo's write key: from the environment, or made once and kept beside the database. */
function monitoringKey(): string {
  if (process.env.MONITORING_API_KEY) return process.env.MONITORING_API_KEY;
  if (existsSync(KEY_FILE)) return readFileSync(KEY_FILE, 'utf8').trim();
  const key = randomBytes(18).toString('base64url');
  mkdirSync(dirname(KEY_FILE), { recursive: true });
  writeFileSync(KEY_FILE, `${key}\n`, { mode: 0o600 });
  return key;
}

async function main() {
  await prepareDemo();
  buildViewerIfStale();
  if (process.argv.includes('--prepare-only')) return;
  const port = Number(process.env.PORT ?? 8080);
  const host = process.env.HOST ?? '127.0.0.1';
  const corsOrigins = parseCorsOrigins(process.env.CORS_ORIGINS);
  const maximumFutureSkewMilliseconds = process.env.MONITORING_MAX_FUTURE_SKEW ? parseSkew(process.env.MONITORING_MAX_FUTURE_SKEW) : DEFAULT_FUTURE_SKEW_MILLISECONDS;
  const app = await createStaticServer({ corsOrigins });
  const apiKey = monitoringKey();
  const databasePath = process.env.MONITORING_DATABASE ?? 'data/monitoring.sqlite';
  // PostgreSQL (MONITORING_DATABASE=postgres://…): the lifecycle records are in it too, shared by every server process.
  const postgresMonitoring = isPostgresLocation(databasePath);
  mkdirSync(postgresMonitoring ? 'data' : dirname(databasePath), { recursive: true });
  // The demo keeps two days of readings; a deployment sets its own retention.
  const buildingIds = demoBuildingIds();
  const origin = `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;
  const mqtt = process.env.MQTT_URL
    ? { url: process.env.MQTT_URL, username: process.env.MQTT_USERNAME, password: process.env.MQTT_PASSWORD, acceptCreates: process.env.MQTT_CREATES === 'on' }
    : undefined;
  const monitoring = await openMonitoring(app, { databasePath, apiKeys: [apiKey], retentionDays: 2, buildingIds, mqtt, publicUrl: mqtt ? `${origin}/v1.1` : undefined, maximumFutureSkewMilliseconds });
  // The district (seeded, the same every time) serves the lifecycle records and the simulator's sites.
  let district: ReturnType<typeof generateDistrict> | undefined;
  const demoDistrict = () => (district ??= generateDistrict());
  // Before the lifecycle records moved into PostgreSQL they were in this SQLite file: copied over once.
  if (postgresMonitoring && existsSync(FORMER_LIFECYCLE_FILE) && (await monitoring.lifecycle.count()) === 0) {
    const former = await SqliteLifecycleStore.open(FORMER_LIFECYCLE_FILE);
    let copied = 0;
    try {
      for await (const records of former.records(1000)) {
        await monitoring.lifecycle.put(records);
        copied += records.length;
      }
    } finally {
      await former.close();
    }
    console.log(`lifecycle records: ${copied} copied from ${FORMER_LIFECYCLE_FILE} into PostgreSQL (the file is no longer used)`);
  }
  if ((await monitoring.lifecycle.count()) === 0) {
    const records = generateLifecycles(demoDistrict()).filter((r) => !buildingIds || buildingIds.has(r.buildingId));
    await monitoring.lifecycle.put(records);
    console.log(`lifecycle records: ${records.length} demo buildings`);
  }
  const assetsLocation = process.env.ASSETS_DATABASE ?? DEFAULT_ASSETS_DATABASE;
  await linkCompletionModel(monitoring.lifecycle, assetsLocation);
  // The asset store, network analyses, grids, cases and check-up (src/server/city-apis.ts).
  const city = await registerCityApis(app, {
    origin,
    apiKeys: [apiKey],
    assetsLocation,
    gridsLocation: process.env.GRIDS_DATABASE,
    casesLocation: process.env.CASES_DATABASE,
    checkupLocation: process.env.CHECKUP_DATABASE,
    // The filter count leaves out the buildings the 4D date hides (from the lifecycle records).
    hiddenAsOf: (date, pageSize) => monitoring.lifecycle.hiddenAsOf(date, pageSize),
    // The grids' inspections due and the check-up's buildings in use: the lifecycle records, on either backend.
    lifecycle: monitoring.lifecycle,
    sensors: monitoring.store,
    initialGrids: () => generateGrids(demoDistrict()),
    onChange: (change) => monitoring.announce(change),
  });
  // The 4D view's dates of the buildings in view: their IDs from the asset store, their dates from the lifecycle records.
  registerLifecycleDates(app, { store: monitoring.lifecycle, assets: city.assets });
  // /healthz (up) and /readyz (its databases and broker answer), for a load balancer in front of several servers.
  registerHealth(app, { checks: { ...monitoringHealthChecks(monitoring), ...city.healthChecks } });
  await app.listen({ port, host });
  console.log(`cim-twin is serving the demo at ${origin}/`);
  console.log(`monitoring API (SensorThings 1.1): ${origin}/v1.1 — write key in ${process.env.MONITORING_API_KEY ? 'MONITORING_API_KEY' : KEY_FILE}`);
  if (mqtt) console.log(`monitoring over MQTT: ${mqtt.url}, topics v1.1/…${mqtt.acceptCreates ? ' (creates on)' : ''}`);
  let simulator: LifelineSimulator | undefined;
  if (process.env.SIMULATOR !== 'off') {
    const network = generateNetwork(demoDistrict());
    simulator = new LifelineSimulator({
      baseUrl: `http://127.0.0.1:${port}/v1.1`,
      apiKey,
      sites: planSites(demoDistrict(), network),
      network,
      intervalMilliseconds: Number(process.env.SIMULATOR_INTERVAL ?? 10) * 1000,
      cycle: true,
      log: (line) => console.log(`simulator: ${line}`),
    });
    const created = await simulator.bootstrap();
    simulator.start();
    console.log(`simulator: ${created ? `registered ${created} sensors; ` : ''}readings every ${process.env.SIMULATOR_INTERVAL ?? 10} s, scenarios in turn (gas leak, water-main burst, rainstorm, settlement)`);
  }
  const stop = () => {
    simulator?.stop();
    void app.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
