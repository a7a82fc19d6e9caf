/**
 * Levels by distance (issue 18 §3): a city model with LoD1 and LoD2 for the same objects, tiled
 * once with `levels: ['1', '2']`: every LoD1 tile refined by REPLACE into LoD2 tile(s) of exactly
 * the same IDs, each ID once per level, and 3d-tiles-renderer drawing each building once, near
 * and far. The model: three blocks of the demo district's old town (src/demo/lod2.ts), some
 * buildings without their LoD2 solid and some without their LoD1 block.
 */
import type { FastifyInstance } from 'fastify';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDistrict, localToGaussKruger, type DemoBuilding } from '../../demo/district.ts';
import { lod2Building, lod2CityJson, lod2PatchBuildings } from '../../demo/lod2.ts';
import { createStaticServer } from '../../server/static-server.ts';
import { lonLatHeightToEcef } from '../crs.ts';
import { contentTiles, readTile, readTilesetFiles, readWholeTileset, type ReadTile } from '../testing/read-tiles.ts';
import type { TilesetJsonTile } from '../tileset.ts';
import { tileCityModel, type CityModelReport } from './citymodel-pipeline.ts';
import { openCityJson } from './cityjson-reader.ts';
import { LEVEL_SWITCH_ERROR_METRES, levelsTilesetJson } from './levels.ts';
import type { TreeNode } from '../tree.ts';

const run = promisify(execFile);
const ecefToLonLatHeight = proj4('+proj=geocent +datum=WGS84 +units=m +no_defs', '+proj=longlat +datum=WGS84 +no_defs');

const globals = globalThis as Record<string, unknown>;
globals.requestAnimationFrame ??= (callback: (t: number) => void) => setTimeout(() => callback(performance.now()), 0);
globals.cancelAnimationFrame ??= (handle: ReturnType<typeof setTimeout>) => clearTimeout(handle);
globals.self ??= globalThis;
globals.ProgressEvent ??= class ProgressEvent extends Event {};
globals.createImageBitmap ??= async () => ({ width: 1, height: 1, close() {} });
globals.ImageBitmap ??= class ImageBitmap {};

let work: string;
let out: string;
let report: CityModelReport;
let buildings: DemoBuilding[];
/** IDs whose LoD2 solid was taken out, and whose LoD1 block was. */
const withoutLod2 = new Set<string>();
const withoutLod1 = new Set<string>();
let server: FastifyInstance;
let baseUrl: string;
let centre: { lonDegrees: number; latDegrees: number };
let south: number;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cim-twin-levels-'));
  const district = generateDistrict();
  const blocks = district.blocks.filter((b) => b.landUse === 'old-town').slice(0, 3);
  buildings = blocks.flatMap((block) => lod2PatchBuildings(district, block.id));
  buildings = [...new Map(buildings.map((b) => [b.properties.id, b])).values()];
  const doc = lod2CityJson(buildings, localToGaussKruger()) as { CityObjects: Record<string, { geometry: { lod: string }[] }> };
  Object.entries(doc.CityObjects).forEach(([id, object], i) => {
    if (i % 10 === 3) {
      object.geometry = object.geometry.filter((g) => g.lod !== '2');
      withoutLod2.add(id);
    } else if (i % 17 === 5) {
      object.geometry = object.geometry.filter((g) => g.lod !== '1');
      withoutLod1.add(id);
    }
  });
  const input = join(work, 'old-town.city.json');
  await writeFile(input, JSON.stringify(doc));
  out = join(work, 'levels');
  report = await tileCityModel(await openCityJson(input), { sourceName: input, outputDirectory: out, levels: ['1', '2'], maximumFeaturesPerTile: 40, maximumTilesPerTilesetFile: 60 });
  server = await createStaticServer({ distDirectory: work, tilesDirectory: work });
  await server.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(server.server.address() as { port: number }).port}/tiles`;
  globals.window ??= { location: { href: `${baseUrl}/` } };
  const region = (await readWholeTileset(out)).root.boundingVolume.region;
  south = region[1]! * (180 / Math.PI);
  centre = { lonDegrees: ((region[0]! + region[2]!) / 2) * (180 / Math.PI), latDegrees: ((region[1]! + region[3]!) / 2) * (180 / Math.PI) };
}, 120_000);

afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

const isFar = (tile: TilesetJsonTile) => tile.content?.uri.startsWith('content/lod1/') === true;
const isNear = (tile: TilesetJsonTile) => tile.content?.uri.startsWith('content/lod2/') === true;

function* allTiles(tile: TilesetJsonTile, parent?: TilesetJsonTile): Generator<{ tile: TilesetJsonTile; parent?: TilesetJsonTile }> {
  yield { tile, parent };
  for (const child of tile.children ?? []) yield* allTiles(child, tile);
}

/** Per object ID of a tile: its row and its highest point (metres above the ellipsoid). */
function objectsOf(tile: ReadTile) {
  const ids = tile.columns.id as string[];
  const top = new Map<string, number>();
  for (let v = 0; v < tile.featureIds.length; v++) {
    const p = tile.positionsEcef;
    const h = (ecefToLonLatHeight.forward([p[3 * v]!, p[3 * v + 1]!, p[3 * v + 2]!]) as number[])[2]!;
    const id = ids[tile.featureIds[v]!]!;
    top.set(id, Math.max(top.get(id) ?? -Infinity, h));
  }
  return ids.map((id, row) => ({ id, row: Object.fromEntries(Object.entries(tile.columns).map(([k, v]) => [k, v[row]])), top: top.get(id) }));
}

describe('levels by distance: LoD1 tiles refined by REPLACE into LoD2 tiles of the same IDs', () => {
  it('the model: several hundred buildings, some without LoD2, some without LoD1, over several tiles', () => {
    expect(buildings.length).toBeGreaterThan(300);
    expect(report.tiled).toEqual({ Building: buildings.length });
    expect(report.featuresWritten).toBe(buildings.length);
    expect(report.levels).toMatchObject({ far: '1', near: '2', switchErrorMetres: LEVEL_SWITCH_ERROR_METRES, nearFromFar: { Building: withoutLod2.size }, farFromNear: { Building: withoutLod1.size } });
    expect(report.levels!.farTiles).toBeGreaterThanOrEqual(8);
    expect(report.levels!.nearTiles).toBe(report.levels!.farTiles);
    expect(report.tiles).toBe(2 * report.levels!.farTiles);
    expect(report.lod).toBe('1 far, 2 near');
  });

  it('every LoD1 tile has REPLACE children holding exactly its IDs at LoD2; each ID once per level; errors never grow downwards', async () => {
    // Split into external tileset files (maximumTilesPerTilesetFile): the REPLACE pairs survive the split.
    expect((await readTilesetFiles(out)).size).toBeGreaterThan(1);
    const tileset = await readWholeTileset(out);
    expect(tileset.root.refine).toBe('ADD');
    expect(tileset.geometricError).toBeGreaterThanOrEqual(tileset.root.geometricError);
    const farCount = new Map<string, number>();
    const nearCount = new Map<string, number>();
    const tiles = [...allTiles(tileset.root)];
    let farTiles = 0;
    for (const { tile, parent } of tiles) {
      if (parent) expect(tile.geometricError).toBeLessThanOrEqual(parent.geometricError);
      if (isNear(tile)) {
        expect(parent && isFar(parent)).toBe(true);
        expect(tile.children ?? []).toEqual([]);
        continue;
      }
      if (!isFar(tile)) {
        expect(tile.content).toBeUndefined();
        continue;
      }
      farTiles++;
      expect(tile.refine).toBe('REPLACE');
      expect(tile.geometricError).toBe(LEVEL_SWITCH_ERROR_METRES);
      expect(tile.children!.length).toBeGreaterThan(0);
      expect(tile.children!.every(isNear)).toBe(true);
      const far = objectsOf(await readTile(out, tile.content!.uri));
      const near = (await Promise.all(tile.children!.map((child) => readTile(out, child.content!.uri)))).flatMap(objectsOf);
      expect(far.length).toBeGreaterThan(0);
      expect(near.map((o) => o.id).sort()).toEqual(far.map((o) => o.id).sort());
      for (const o of far) farCount.set(o.id, (farCount.get(o.id) ?? 0) + 1);
      for (const o of near) nearCount.set(o.id, (nearCount.get(o.id) ?? 0) + 1);
      const nearById = new Map(near.map((o) => [o.id, o]));
      for (const o of far) {
        const n = nearById.get(o.id)!;
        // Metadata as the tiler writes it at each LoD: the same attributes, each level's own lod.
        expect(o.row.lod).toBe(withoutLod1.has(o.id) ? '2' : '1');
        expect(n.row.lod).toBe(withoutLod2.has(o.id) ? '1' : '2');
        expect({ ...n.row, lod: undefined }).toEqual({ ...o.row, lod: undefined });
      }
    }
    expect(farTiles).toBe(report.levels!.farTiles);
    const ids = buildings.map((b) => b.properties.id).sort();
    expect([...farCount.keys()].sort()).toEqual(ids);
    expect([...nearCount.keys()].sort()).toEqual(ids);
    expect([...farCount.values(), ...nearCount.values()].every((n) => n === 1)).toBe(true);
    expect(tiles.some(({ tile }) => !tile.content && tile.geometricError > LEVEL_SWITCH_ERROR_METRES)).toBe(true);
  });

  it('the geometry at each level: pitched roofs above the blocks near, the block kept where LoD2 is missing', async () => {
    const tileset = await readWholeTileset(out);
    const tops = new Map<string, { far?: number; near?: number }>();
    for (const tile of contentTiles(tileset.root)) {
      for (const o of objectsOf(await readTile(out, tile.content!.uri))) {
        const entry = tops.get(o.id) ?? {};
        entry[isFar(tile) ? 'far' : 'near'] = o.top;
        tops.set(o.id, entry);
      }
    }
    let pitched = 0;
    for (const building of buildings) {
      const model = lod2Building(building);
      const { far, near } = tops.get(model.id)!;
      const id = model.id;
      // Within the tiles' position quantization (a few millimetres).
      if (withoutLod2.has(id)) expect(Math.abs(near! - far!)).toBeLessThan(0.02);
      else if (withoutLod1.has(id)) expect(Math.abs(near! - far!)).toBeLessThan(0.02);
      else if (model.roof !== 'flat') {
        pitched++;
        // Heights are metres above the ellipsoid as given (the source's z): eaves at the block's top, the ridge above.
        expect(near! - far!).toBeCloseTo(model.ridgeMetres - model.eaveMetres, 1);
        expect(near! - far!).toBeGreaterThan(0.5);
      }
    }
    expect(pitched).toBeGreaterThan(100);
  });

  /** Load with a camera at `cameraHeightMetres` above the model's centre (or above `eye`), looking at the centre. */
  async function loadInThree(errorTarget: number, cameraHeightMetres: number, eye = centre) {
    const three = await import('three');
    const { TilesRenderer } = await import('3d-tiles-renderer');
    const { GLTFExtensionsPlugin } = await import('3d-tiles-renderer/plugins');
    const { MeshoptDecoder } = await import('three/examples/jsm/libs/meshopt_decoder.module.js');
    const tiles = new TilesRenderer(`${baseUrl}/levels/tileset.json`);
    tiles.registerPlugin(new GLTFExtensionsPlugin({ meshoptDecoder: MeshoptDecoder, metadata: true }));
    tiles.errorTarget = errorTarget;
    const errors: string[] = [];
    tiles.addEventListener('load-error', (event: { url?: unknown; error?: unknown }) => errors.push(`${String(event.url)}: ${String(event.error)}`));
    const camera = new three.PerspectiveCamera(60, 1, 1, 1e8);
    const [x, y, z] = lonLatHeightToEcef(eye.lonDegrees, eye.latDegrees, cameraHeightMetres);
    const [tx, ty, tz] = lonLatHeightToEcef(centre.lonDegrees, centre.latDegrees, 0);
    camera.position.set(x, y, z);
    camera.up.set(0, 0, 1);
    camera.lookAt(tx, ty, tz);
    camera.updateMatrixWorld();
    tiles.setCamera(camera);
    tiles.setResolution(camera, 1024, 1024);
    const deadline = Date.now() + 30_000;
    let settled = 0;
    while (Date.now() < deadline && settled < 5) {
      tiles.update();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const stats = (tiles as unknown as { stats: { downloading: number; parsing: number } }).stats;
      settled = tiles.root !== null && tiles.loadProgress === 1 && stats.downloading === 0 && stats.parsing === 0 ? settled + 1 : 0;
    }
    /** Per ID: the meshes drawing it, and the lod of each. */
    const drawn = new Map<string, string[]>();
    tiles.group.traverse((object: unknown) => {
      const mesh = object as { isMesh?: boolean; visible: boolean; geometry?: { getAttribute(name: string): { array: ArrayLike<number> } | undefined }; userData: { structuralMetadata?: { getPropertyTableData(t: number, r: number): Record<string, unknown> } } };
      if (!mesh.isMesh) return;
      const featureIds = mesh.geometry?.getAttribute('_feature_id_0');
      const metadata = mesh.userData.structuralMetadata;
      if (!featureIds || !metadata) {
        errors.push('a mesh without _feature_id_0 or structural metadata');
        return;
      }
      for (const row of new Set(Array.from(featureIds.array))) {
        const data = metadata.getPropertyTableData(0, row);
        const id = String(data.id);
        drawn.set(id, [...(drawn.get(id) ?? []), String(data.lod)]);
      }
    });
    tiles.dispose();
    return { errors, drawn };
  }

  it('3d-tiles-renderer, refining everything: every building drawn once, at LoD2 (LoD1 where it has no LoD2)', async () => {
    const { errors, drawn } = await loadInThree(0, 1500);
    expect(errors).toEqual([]);
    expect([...drawn.keys()].sort()).toEqual(buildings.map((b) => b.properties.id).sort());
    for (const [id, lods] of drawn) expect(lods, id).toEqual([withoutLod2.has(id) ? '1' : '2']);
  });

  it('3d-tiles-renderer from afar: the buildings it draws are drawn once each, at LoD1 (LoD2 where it has no LoD1)', async () => {
    const { errors, drawn } = await loadInThree(16, 3000);
    expect(errors).toEqual([]);
    expect(drawn.size).toBeGreaterThan(40);
    for (const [id, lods] of drawn) expect(lods, id).toEqual([withoutLod1.has(id) ? '2' : '1']);
  });

  it('3d-tiles-renderer in between: near tiles at LoD2, farther ones at LoD1, still each building once', async () => {
    // Low, 300 m south of the model (600 m north to south), looking north across it: the switch (12 m at 720 px) is at about 470 m.
    const { errors, drawn } = await loadInThree(16, 100, { lonDegrees: centre.lonDegrees, latDegrees: south - 300 / 111_320 });
    expect(errors).toEqual([]);
    for (const [id, lods] of drawn) expect(lods, id).toHaveLength(1);
    const pure = [...drawn].filter(([id]) => !withoutLod1.has(id) && !withoutLod2.has(id)).map(([, lods]) => lods[0]);
    expect(pure.filter((lod) => lod === '1').length).toBeGreaterThan(10);
    expect(pure.filter((lod) => lod === '2').length).toBeGreaterThan(10);
  });

  it('the levels tree: a node is an ADD tile without content over its REPLACE pair and its child nodes', () => {
    const region: TreeNode['region'] = [113.1, 23.0, 113.11, 23.01, 0, 20];
    const summary = { lonDegrees: 113.105, latDegrees: 23.005, westDegrees: 113.1, southDegrees: 23.0, eastDegrees: 113.101, northDegrees: 23.001, minimumHeightMetres: 0, maximumHeightMetres: 20, sizeMetres: 20 };
    const leaf = (x: number): TreeNode => ({ level: 1, x, y: 0, featureIndices: [x + 1], children: [], region, geometricErrorMetres: 0 });
    const root: TreeNode = { level: 0, x: 0, y: 0, featureIndices: [0], children: [leaf(0), leaf(1)], region, geometricErrorMetres: 5 };
    const json = levelsTilesetJson(root, [summary, summary, summary], { far: '1', near: '2.2', switchErrorMetres: 12, generator: 't' });
    expect(json.root.content).toBeUndefined();
    expect(json.root.children!.map((c) => c.content?.uri ?? null)).toEqual(['content/lod1/0/0_0.glb', null, null]);
    expect(json.root.children![0]!.children!.map((c) => c.content!.uri)).toEqual(['content/lod2.2/0/0_0.glb']);
    // The root's error (5 m) is below the switch: its child nodes refine at the switch, not earlier than their pairs.
    expect(json.root.children!.slice(1).map((c) => c.geometricError)).toEqual([12, 12]);
    expect(json.root.children![1]!.children![0]!.content!.uri).toBe('content/lod1/1/0_0.glb');
    expect(() => levelsTilesetJson(root, [summary], { far: '1', near: '2', switchErrorMetres: 0, generator: 't' })).toThrow(/positive/);
  });

  it('the CLI: --levels 1,2 tiles both levels; bad --levels is a usage error (exit 2); levels with lod is refused', async () => {
    const cli = ['node_modules/tsx/dist/cli.mjs', 'scripts/build-tiles.ts'];
    const input = join(work, 'old-town.city.json');
    const ok = await run(process.execPath, [...cli, input, '--out', join(work, 'cli-levels'), '--levels', '1,2', '--max-features', '200']);
    expect(ok.stdout).toMatch(/LoD\s+1 far, 2 near/);
    expect(ok.stdout).toMatch(/levels\s+LoD 1 far, refined \(REPLACE\) into LoD 2 near at a geometric error of 12 m/);
    expect(ok.stdout).toMatch(new RegExp(`no LoD 2\\s+${withoutLod2.size} `));
    const cliReport = JSON.parse(await readFile(join(work, 'cli-levels', 'report.json'), 'utf8')) as CityModelReport;
    expect(cliReport.levels?.farTiles).toBeGreaterThan(1);
    for (const bad of ['2,1', '2,2.2', '1', 'lod1,lod2']) {
      const failure = await run(process.execPath, [...cli, input, '--out', join(work, 'cli-bad'), '--levels', bad]).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(failure.code, bad).toBe(2);
      expect(failure.stderr).toMatch(/--levels must be a far LoD and a near one/);
    }
    await expect(tileCityModel(await openCityJson(input), { sourceName: input, outputDirectory: join(work, 'api-bad'), levels: ['1', '2'], lod: '2' })).rejects.toThrow(/levels and lod exclude each other/);
    expect(existsSync(join(work, 'cli-bad'))).toBe(false);
    expect(existsSync(join(work, 'api-bad'))).toBe(false);
  }, 60_000);
});
