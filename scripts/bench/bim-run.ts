/**
 * One BIM tiling benchmark run in its own process (so peak RSS is this run's alone): an IFC file
 * tiled, its property sets loaded into a throwaway SQLite BIM store. Prints one JSON line.
 *   node node_modules/tsx/dist/cli.mjs scripts/bench/bim-run.ts <model.ifc> <outputDirectory> [lon,lat,height]
 */
import { rm } from 'node:fs/promises';
import { openBimStore } from '../../src/server/bim/bim-store.ts';
import { tileIfc } from '../../src/tiling/bim/bim-pipeline.ts';

const [input, out, origin] = process.argv.slice(2) as [string, string, string | undefined];
const store = await openBimStore(`${out}.sqlite`);
const started = performance.now();
let readSeconds = 0;
let rssAfterReadBytes = 0;
const [lon, lat, height] = (origin ?? '').split(',').map(Number);
const report = await tileIfc({
  sourceName: input,
  outputDirectory: out,
  modelId: 'bench',
  origin: origin ? { lonDegrees: lon!, latDegrees: lat!, heightMetres: height ?? 0, headingDegrees: 0 } : undefined,
  log: (line) => {
    if (line.startsWith('read ')) {
      readSeconds = (performance.now() - started) / 1000;
      rssAfterReadBytes = process.memoryUsage().rss;
    }
  },
  loadProperties: async (model, elements) => (await store.replaceModel(model, elements)).elements,
});
const seconds = (performance.now() - started) / 1000;
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
await store.close();
console.log(JSON.stringify({
  input, inputBytes: report.inputBytes, products: report.products, elements: report.elementsWritten, geometries: report.geometries, gpuInstances: report.gpuInstances,
  propertySets: report.propertySets, tiles: report.tiles, bytes: report.bytes, readSeconds, seconds, peakRssBytes, rssAfterReadBytes,
}));
await rm(out, { recursive: true, force: true });
await rm(`${out}.sqlite`, { force: true });
