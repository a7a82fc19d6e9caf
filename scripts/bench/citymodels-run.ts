/**
 * One city-model tiling run in its own process (so peak RSS is this run's alone): a CityJSON,
 * CityJSONSeq or CityGML file through the city-model tiler. Prints one JSON line.
 *   node node_modules/tsx/dist/cli.mjs scripts/bench/citymodels-run.ts <input> <outputDirectory>
 */
import { rm, stat } from 'node:fs/promises';
import { tileCityModel } from '../../src/tiling/citymodel/citymodel-pipeline.ts';
import { detectInputKind, openCityModel } from '../../src/tiling/citymodel/open-city-model.ts';

const input = process.argv[2]!;
const out = process.argv[3]!;
const kind = await detectInputKind(input);
if (kind === 'geojson') throw new Error(`${input} is not a city model`);
const started = performance.now();
const report = await tileCityModel(await openCityModel(input, kind), { sourceName: input, outputDirectory: out, searchIndex: false });
const seconds = (performance.now() - started) / 1000;
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
const objects = Object.values(report.objectsRead).reduce((a, b) => a + b, 0);
console.log(JSON.stringify({ format: report.format, inputBytes: (await stat(input)).size, objects, features: report.featuresWritten, tiles: report.tiles, bytes: report.bytes, seconds, peakRssBytes }));
await rm(out, { recursive: true, force: true });
