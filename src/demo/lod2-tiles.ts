/**
 * The LoD2 patch as one tileset with levels by distance (issue 18 §3): the city-model tiler's
 * `levels: ['1', '2']` (src/tiling/citymodel/levels.ts) tiles the patch's CityJSON once, every
 * LoD1 tile refined by REPLACE into a LoD2 tile of the same buildings, so a 3D Tiles runtime
 * draws the blocks far away and the roofs near, never both (it keeps the parent until its
 * children are in, then draws the children instead). Every tile carries the same `id`s and the
 * `surface` feature IDs.
 *
 * Why one tileset with REPLACE, and not a style on the LoD1 tiles driven by which LoD2 tiles are
 * drawn: the swap is then the runtime's own level-of-detail selection, exact in the frame it
 * happens, in any 3D Tiles client, with no per-frame bookkeeping. The district's LoD1 tileset
 * (tiles/demo/buildings) stays as it is (the search index, the asset store and every other tool
 * read it); while this layer is shown, the viewer hides the patch's IDs there, so each building
 * is drawn by one layer only.
 *
 *   tiles/demo/buildings-lod2/
 *     tileset.json        ADD root without content → the LoD1 tile, REPLACE → the LoD2 tile
 *     content/lod1/…, content/lod2/…
 *     search-index.json   the patch's buildings (IDs, names, positions), report.json
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { openCityJson } from '../tiling/citymodel/cityjson-reader.ts';
import { tileCityModel, type CityModelReport } from '../tiling/citymodel/citymodel-pipeline.ts';
import { LEVEL_SWITCH_ERROR_METRES } from '../tiling/citymodel/levels.ts';
import { currentStage } from '../domain/lifecycle/lifecycle.ts';
import { generateDistrict, localToGaussKruger, type District } from './district.ts';
import { generateLifecycles } from './lifecycle.ts';
import { lod2CityJson, lod2PatchBuildings } from './lod2.ts';

/**
 * The geometric error of drawing the patch's blocks instead of its roofs, metres: the tiler's
 * LEVEL_SWITCH_ERROR_METRES (12 m: roofs within about 470 m at 720 px, a neighbourhood view).
 */
export const LOD2_SWITCH_ERROR_METRES = LEVEL_SWITCH_ERROR_METRES;

export interface Lod2DemoReport {
  buildings: number;
  /** The city-model tiler's report of the levels tileset (its surfaces are the near level's, LoD2). */
  lod2: CityModelReport;
  bytes: number;
  seconds: number;
}

/**
 * Write the patch's CityJSON to `sourceFile` and its levels tileset to `outputDirectory` (replaced
 * whole, only once everything is written). `stageOf`: each building's lifecycle stage.
 */
export async function buildLod2Demo(district: District, sourceFile: string, outputDirectory: string, stageOf?: (id: string) => string | undefined): Promise<Lod2DemoReport> {
  const started = performance.now();
  const buildings = lod2PatchBuildings(district);
  await mkdir(dirname(sourceFile), { recursive: true });
  const temporarySource = `${sourceFile}.tmp-${process.pid}`;
  await writeFile(temporarySource, JSON.stringify(lod2CityJson(buildings, localToGaussKruger(), stageOf)));
  await rename(temporarySource, sourceFile);
  // One tile pair: the whole patch fits (a few hundred buildings).
  const report = await tileCityModel(await openCityJson(sourceFile), {
    sourceName: sourceFile,
    outputDirectory,
    levels: ['1', '2'],
    levelSwitchErrorMetres: LOD2_SWITCH_ERROR_METRES,
    maximumFeaturesPerTile: Math.max(500, buildings.length),
  });
  return { buildings: buildings.length, lod2: report, bytes: report.bytes, seconds: (performance.now() - started) / 1000 };
}

/** The demo's patch from the seeded district, with the buildings' lifecycle stages (as scripts/demo-data.ts writes them). */
export function prepareLod2Demo(sourceFile: string, outputDirectory: string): Promise<Lod2DemoReport> {
  const district = generateDistrict();
  const stages = new Map(generateLifecycles(district).map((record) => [record.buildingId, currentStage(record)]));
  return buildLod2Demo(district, sourceFile, outputDirectory, (id) => stages.get(id));
}
