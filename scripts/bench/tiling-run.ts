/**
 * One tiling benchmark run in its own process (so peak RSS is this run's alone):
 * N synthetic buildings streamed into the tiler. Prints one JSON line.
 *   node node_modules/tsx/dist/cli.mjs scripts/bench/tiling-run.ts <count> <outputDirectory> [--keep]
 * The output is removed afterwards unless --keep (e.g. to run the 3D Tiles validator on it).
 */
import { rm } from 'node:fs/promises';
import { tileBuildings } from '../../src/tiling/building-pipeline.ts';
import { syntheticBuildings } from '../../src/tiling/testing/fixtures.ts';

const count = Number(process.argv[2]);
const out = process.argv[3]!;
const keep = process.argv.includes('--keep');
const started = performance.now();
const report = await tileBuildings(syntheticBuildings(count), { sourceName: `synthetic-${count}`, outputDirectory: out, searchIndex: false });
const seconds = (performance.now() - started) / 1000;
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ count, buildings: report.buildingsWritten, tiles: report.tiles, bytes: report.bytes, rootTilesetBytes: report.rootTilesetBytes, tilesetFiles: report.tilesetFiles, seconds, peakRssBytes }));
if (!keep) await rm(out, { recursive: true, force: true });
