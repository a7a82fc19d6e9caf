/**
 * One tiling benchmark run in its own process (so peak RSS is this run's alone):
 * N synthetic buildings streamed into the tiler. Prints one JSON line.
 *   node node_modules/tsx/dist/cli.mjs scripts/bench/tiling-run.ts <count> <outputDirectory> [--keep] [--assets <sqlite path | postgres URL>]
 * The output is removed afterwards unless --keep (e.g. to run the 3D Tiles validator on it).
 * With --assets the buildings are loaded into that asset store as dataset "bench-tiling" (the
 * tiler's --assets), and the line adds the load's own seconds (`loadSeconds`, from the store's
 * report) to the whole run's `seconds`; a SQLite file given there is removed afterwards unless --keep.
 */
import { rm } from 'node:fs/promises';
import { openAssetLoader } from '../../src/server/assets/loader.ts';
import { isPostgresLocation } from '../../src/server/assets/asset-store.ts';
import { tileBuildings } from '../../src/tiling/building-pipeline.ts';
import { syntheticBuildings } from '../../src/tiling/testing/fixtures.ts';

const count = Number(process.argv[2]);
const out = process.argv[3]!;
const keep = process.argv.includes('--keep');
const assetsAt = process.argv.indexOf('--assets');
const assetsLocation = assetsAt > 0 ? process.argv[assetsAt + 1] : undefined;
const loader = assetsLocation === undefined ? undefined : await openAssetLoader(assetsLocation, 'bench-tiling');
const started = performance.now();
let loadSeconds: number | undefined;
const report = await tileBuildings(syntheticBuildings(count), {
  sourceName: `synthetic-${count}`,
  outputDirectory: out,
  searchIndex: false,
  loadAssets: loader && (async (assets) => {
    const t = performance.now();
    const loaded = await loader.load(assets);
    loadSeconds = (performance.now() - t) / 1000;
    return loaded;
  }),
});
const seconds = (performance.now() - started) / 1000;
await loader?.close();
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
const cpu = process.cpuUsage();
console.log(JSON.stringify({ count, buildings: report.buildingsWritten, tiles: report.tiles, bytes: report.bytes, rootTilesetBytes: report.rootTilesetBytes, tilesetFiles: report.tilesetFiles, seconds, peakRssBytes, ...(loader ? { assets: loader.location, assetsLoaded: report.assetsLoaded, loadSeconds } : {}), cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
if (!keep) {
  await rm(out, { recursive: true, force: true });
  if (assetsLocation !== undefined && !isPostgresLocation(assetsLocation)) for (const suffix of ['', '-wal', '-shm']) await rm(`${assetsLocation}${suffix}`, { force: true });
}
