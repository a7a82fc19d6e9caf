/**
 * The LoD2 patch as one tileset with levels by distance (issue 18 §3): the patch's LoD1 blocks are
 * the root tile, refined by REPLACE into the LoD2 tiles, so a 3D Tiles runtime draws the blocks
 * far away and the roofs near, never both (it keeps the parent until its children are in, then
 * draws the children instead). Both levels are tiled by the city-model tiler from one CityJSON
 * file (src/demo/lod2.ts), so every tile carries the same `id`s and the `surface` feature IDs.
 *
 * Why one tileset with REPLACE, and not a style on the LoD1 tiles driven by which LoD2 tiles are
 * drawn: the swap is then the runtime's own level-of-detail selection, exact in the frame it
 * happens, in any 3D Tiles client, with no per-frame bookkeeping. The district's LoD1 tileset
 * (tiles/demo/buildings) stays as it is (the search index, the asset store and every other tool
 * read it); while this layer is shown, the viewer hides the patch's IDs there (a fixed set, read
 * once from this tileset's search index), so each building is drawn by one layer only.
 *
 *   tiles/demo/buildings-lod2/
 *     tileset.json        root: LoD1 blocks (lod1/content/…), REPLACE → the LoD2 tree (lod2/…)
 *     lod1/, lod2/        the two city-model tilesets as the tiler wrote them (with their reports)
 *     search-index.json   the patch's buildings (IDs, names, positions)
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { openCityJson } from '../tiling/citymodel/cityjson-reader.ts';
import { tileCityModel, type CityModelReport } from '../tiling/citymodel/citymodel-pipeline.ts';
import type { TilesetJson, TilesetJsonTile } from '../tiling/tileset.ts';
import { currentStage } from '../domain/lifecycle/lifecycle.ts';
import { generateDistrict, localToGaussKruger, type District } from './district.ts';
import { generateLifecycles } from './lifecycle.ts';
import { lod2CityJson, lod2PatchBuildings } from './lod2.ts';

/**
 * The geometric error of drawing the patch's blocks instead of its roofs, metres. The roofs' rise
 * alone (up to about 3.5 m) would switch at about 140 m from the patch at 720 px and the default
 * maximum screen-space error of 16; 12 m switches within about 470 m, a neighbourhood view, where
 * the roof shapes read.
 */
export const LOD2_SWITCH_ERROR_METRES = 12;

export interface Lod2DemoReport {
  buildings: number;
  lod1: CityModelReport;
  lod2: CityModelReport;
  bytes: number;
  seconds: number;
}

/** Every content URI of a tile tree, relative to `prefix`. */
function prefixed(tile: TilesetJsonTile, prefix: string): TilesetJsonTile {
  const out: TilesetJsonTile = { ...tile };
  if (tile.content) out.content = { uri: `${prefix}${tile.content.uri}` };
  if (tile.children) out.children = tile.children.map((child) => prefixed(child, prefix));
  return out;
}

function unionRegion(a: number[], b: number[]): number[] {
  return [Math.min(a[0]!, b[0]!), Math.min(a[1]!, b[1]!), Math.max(a[2]!, b[2]!), Math.max(a[3]!, b[3]!), Math.min(a[4]!, b[4]!), Math.max(a[5]!, b[5]!)];
}

/**
 * The levels tileset: LoD1's single root tile refined by REPLACE into LoD2's tree. LoD1 must be one
 * tile (the REPLACE parent holds every block the LoD2 tree replaces); LoD2 may be any tree.
 */
export function levelsTileset(lod1: TilesetJson, lod2: TilesetJson, switchErrorMetres = LOD2_SWITCH_ERROR_METRES): TilesetJson {
  if (lod1.root.children?.length || !lod1.root.content) throw new Error('the LoD1 tileset must be a single tile with content, to be replaced whole by the LoD2 tiles');
  const child = prefixed(lod2.root, 'lod2/');
  // A child's error must not exceed its parent's.
  if (child.geometricError > switchErrorMetres) child.geometricError = switchErrorMetres / 2;
  const region = unionRegion(lod1.root.boundingVolume.region, lod2.root.boundingVolume.region);
  return {
    asset: { version: '1.1', generator: 'cim-twin demo LoD1/LoD2 levels' },
    geometricError: Math.max(lod1.geometricError, lod2.geometricError, switchErrorMetres * 2),
    root: {
      boundingVolume: { region },
      geometricError: switchErrorMetres,
      refine: 'REPLACE',
      content: { uri: `lod1/${lod1.root.content.uri}` },
      children: [{ ...child, refine: 'ADD' }],
    },
    extras: { ...lod2.extras, levels: { far: 'lod1/tileset.json', near: 'lod2/tileset.json', switchErrorMetres } },
  };
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

  const target = resolve(outputDirectory);
  const temporary = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  await mkdir(temporary, { recursive: true });
  try {
    // One tile per level: the whole patch fits (a few hundred buildings).
    const tile = async (lod: '1' | '2') => tileCityModel(await openCityJson(sourceFile), { sourceName: sourceFile, outputDirectory: join(temporary, `lod${lod}`), lod, maximumFeaturesPerTile: Math.max(500, buildings.length) });
    const lod1 = await tile('1');
    const lod2 = await tile('2');
    const read = async (lod: string) => JSON.parse(await readFile(join(temporary, `lod${lod}`, 'tileset.json'), 'utf8')) as TilesetJson;
    const levels = JSON.stringify(levelsTileset(await read('1'), await read('2')));
    await writeFile(join(temporary, 'tileset.json'), levels);
    await writeFile(join(temporary, 'search-index.json'), await readFile(join(temporary, 'lod2', 'search-index.json')));
    const previous = `${temporary}.previous`;
    let hadPrevious = true;
    try {
      await rename(target, previous);
    } catch {
      hadPrevious = false;
    }
    await rename(temporary, target);
    if (hadPrevious) await rm(previous, { recursive: true, force: true });
    return { buildings: buildings.length, lod1, lod2, bytes: lod1.bytes + lod2.bytes + Buffer.byteLength(levels), seconds: (performance.now() - started) / 1000 };
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

/** The demo's patch from the seeded district, with the buildings' lifecycle stages (as scripts/demo-data.ts writes them). */
export function prepareLod2Demo(sourceFile: string, outputDirectory: string): Promise<Lod2DemoReport> {
  const district = generateDistrict();
  const stages = new Map(generateLifecycles(district).map((record) => [record.buildingId, currentStage(record)]));
  return buildLod2Demo(district, sourceFile, outputDirectory, (id) => stages.get(id));
}
