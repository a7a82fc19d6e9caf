/**
 * Our tilesets are not Cesium-only: 3d-tiles-renderer (three.js), an independent reader, loads
 * them in Node, traversed with a three.js camera, with no load errors, and reads the metadata.
 * Browser globals it touches are shimmed here (see ../shared/PROBES.md).
 */
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticServer } from '../server/static-server.ts';
import { generateDistrict } from '../demo/district.ts';
import { generateNetwork } from '../demo/network.ts';
import { tileBuildings } from './building-pipeline.ts';
import { tilePipeNetwork } from './pipes/pipe-pipeline.ts';
import { lonLatHeightToEcef } from './crs.ts';
import { openGeoJson } from './geojson-reader.ts';
import { readTilesetFiles } from './testing/read-tiles.ts';
import { FIXTURE_BUILDINGS, FIXTURE_CENTRE, fixtureCollection, syntheticBuildings } from './testing/fixtures.ts';
import { cityGmlFixture, cityJsonSeqFixture } from './testing/citymodel-fixtures.ts';
import { tileCityModel } from './citymodel/citymodel-pipeline.ts';
import { openCityModel } from './citymodel/open-city-model.ts';

/** The city-model fixtures' place, near Delft (RD 85000, 447000). */
const DELFT = { lonDegrees: 4.3701, latDegrees: 52.0076 };

const globals = globalThis as Record<string, unknown>;
globals.requestAnimationFrame ??= (callback: (t: number) => void) => setTimeout(() => callback(performance.now()), 0);
globals.cancelAnimationFrame ??= (handle: ReturnType<typeof setTimeout>) => clearTimeout(handle);
globals.self ??= globalThis;
globals.ProgressEvent ??= class ProgressEvent extends Event {};
globals.createImageBitmap ??= async () => ({ width: 1, height: 1, close() {} });
globals.ImageBitmap ??= class ImageBitmap {};

let work: string;
let server: FastifyInstance;
let baseUrl: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cim-twin-reader-'));
  for (const [name, collection, maximum] of [
    ['fixture', fixtureCollection(), 2],
    ['grid', { type: 'FeatureCollection', features: [...syntheticBuildings(400)] }, 50],
    // No name anywhere: the name column is left out of the tile's table (sparse-columns.test.ts).
    ['bare', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'bare-1', height: 12 }, geometry: { type: 'Polygon', coordinates: [[[113.12, 23.02], [113.1202, 23.02], [113.1202, 23.0202], [113.12, 23.0202], [113.12, 23.02]]] } }] }, 2],
  ] as const) {
    const input = join(work, `${name}.geojson`);
    await writeFile(input, JSON.stringify(collection));
    const source = await openGeoJson(input);
    await tileBuildings(source.features, { sourceName: input, outputDirectory: join(work, name), maximumFeaturesPerTile: maximum });
  }
  // The same grid in a deeper tree, as one file and split into external tilesets (tileset-<n>.json).
  await tileBuildings(syntheticBuildings(400), { sourceName: 'grid-deep', outputDirectory: join(work, 'grid-deep'), maximumFeaturesPerTile: 5 });
  await tileBuildings(syntheticBuildings(400), { sourceName: 'grid-split', outputDirectory: join(work, 'grid-split'), maximumFeaturesPerTile: 5, maximumTilesPerTilesetFile: 10 });
  const network = generateNetwork(generateDistrict());
  await tilePipeNetwork({ segments: network.segments.slice(0, 400), assets: network.assets.slice(0, 400) }, { outputDirectory: join(work, 'pipelines'), maximumFeaturesPerTile: 100 });
  await tilePipeNetwork({ segments: network.segments.slice(0, 400), assets: network.assets.slice(0, 400) }, { outputDirectory: join(work, 'pipelines-deep'), maximumFeaturesPerTile: 10 });
  await tilePipeNetwork({ segments: network.segments.slice(0, 400), assets: network.assets.slice(0, 400) }, { outputDirectory: join(work, 'pipelines-split'), maximumFeaturesPerTile: 10, maximumTilesPerTilesetFile: 8 });
  // City models: the CityGML fixture (lod2Solid with semantics) and the CityJSONSeq fixture.
  for (const [name, text, kind] of [['citygml', cityGmlFixture(), 'citygml'], ['cityjsonseq', cityJsonSeqFixture(), 'cityjson']] as const) {
    const input = join(work, `${name}.input`);
    await writeFile(input, text);
    await tileCityModel(await openCityModel(input, kind), { sourceName: input, outputDirectory: join(work, name) });
  }
  server = await createStaticServer({ distDirectory: work, tilesDirectory: work });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address() as { port: number };
  baseUrl = `http://127.0.0.1:${address.port}/tiles`;
  globals.window ??= { location: { href: `${baseUrl}/` } };
});

afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

interface LoadResult {
  errors: string[];
  /** Surface types read through the second feature ID set (`_feature_id_1`) and property table 1. */
  surfaceTypes: Set<string>;
  ids: Set<string>;
  rows: Map<string, Record<string, unknown>>;
  meshes: number;
  tilesLoaded: number;
  /** External tilesets loaded (tileset.json itself not counted). */
  tilesetsLoaded: number;
}

async function loadInThree(url: string, cameraHeightMetres = 800, centre: { lonDegrees: number; latDegrees: number } = FIXTURE_CENTRE): Promise<LoadResult> {
  const three = await import('three');
  const { TilesRenderer } = await import('3d-tiles-renderer');
  const { GLTFExtensionsPlugin } = await import('3d-tiles-renderer/plugins');
  const { MeshoptDecoder } = await import('three/examples/jsm/libs/meshopt_decoder.module.js');
  const tiles = new TilesRenderer(url);
  tiles.registerPlugin(new GLTFExtensionsPlugin({ meshoptDecoder: MeshoptDecoder, metadata: true }));
  tiles.errorTarget = 0; // refine everything: every tile must load
  const errors: string[] = [];
  let tilesLoaded = 0;
  let tilesetsLoaded = 0;
  tiles.addEventListener('load-error', (event: { url?: unknown; error?: unknown }) => errors.push(`${String(event.url)}: ${String(event.error)}`));
  tiles.addEventListener('load-model', () => tilesLoaded++);
  tiles.addEventListener('load-tileset', () => tilesetsLoaded++);
  const camera = new three.PerspectiveCamera(60, 1, 1, 1e8);
  const [x, y, z] = lonLatHeightToEcef(centre.lonDegrees, centre.latDegrees, cameraHeightMetres);
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
    // Until tileset.json is in, nothing counts as downloading: wait for the root first.
    settled = tiles.root !== null && tiles.loadProgress === 1 && stats.downloading === 0 && stats.parsing === 0 ? settled + 1 : 0;
  }
  const ids = new Set<string>();
  const rows = new Map<string, Record<string, unknown>>();
  const surfaceTypes = new Set<string>();
  let meshes = 0;
  tiles.group.traverse((object: unknown) => {
    const mesh = object as { isMesh?: boolean; geometry?: { getAttribute(name: string): { array: ArrayLike<number> } | undefined }; userData: { structuralMetadata?: { getPropertyTableData(t: number, r: number): Record<string, unknown> } } };
    if (!mesh.isMesh) return;
    meshes++;
    const featureIds = mesh.geometry?.getAttribute('_feature_id_0');
    const metadata = mesh.userData.structuralMetadata;
    if (!featureIds || !metadata) {
      errors.push('a mesh without _feature_id_0 or structural metadata');
      return;
    }
    for (const row of new Set(Array.from(featureIds.array))) {
      const data = { ...metadata.getPropertyTableData(0, row) };
      ids.add(String(data.id));
      rows.set(String(data.id), data);
    }
    const surfaceIds = mesh.geometry?.getAttribute('_feature_id_1');
    if (surfaceIds) for (const row of new Set(Array.from(surfaceIds.array))) surfaceTypes.add(String(metadata.getPropertyTableData(1, row).surfaceType));
  });
  tiles.dispose();
  return { errors, ids, rows, meshes, tilesLoaded, tilesetsLoaded, surfaceTypes };
}

describe('3d-tiles-renderer reads our tilesets', () => {
  it('the hand-made fixture: every tile loads, every building is found by feature ID', async () => {
    const result = await loadInThree(`${baseUrl}/fixture/tileset.json`);
    expect(result.errors).toEqual([]);
    expect(result.meshes).toBeGreaterThanOrEqual(3);
    expect([...result.ids].sort()).toEqual([...new Set(FIXTURE_BUILDINGS.map((b) => b.id))].sort());
  });

  it('a 400-building grid in a deeper tree', async () => {
    const result = await loadInThree(`${baseUrl}/grid/tileset.json`);
    expect(result.errors).toEqual([]);
    expect(result.tilesLoaded).toBeGreaterThanOrEqual(8);
    expect(result.ids.size).toBe(400);
  });

  it('the grid split into external tilesets: every file and tile loads, every building is found', async () => {
    expect((await readTilesetFiles(join(work, 'grid-split'))).size).toBeGreaterThan(3);
    // High enough that every tile of the grid's deeper tree is in view.
    const whole = await loadInThree(`${baseUrl}/grid-deep/tileset.json`, 1500);
    const split = await loadInThree(`${baseUrl}/grid-split/tileset.json`, 1500);
    expect(split.errors).toEqual([]);
    expect(split.tilesetsLoaded).toBeGreaterThan(3);
    expect(split.ids.size).toBe(400);
    expect(split.tilesLoaded).toBe(whole.tilesLoaded);
  });

  it('the pipeline tileset split into external tilesets: every feature and tile of the unsplit one loads', async () => {
    expect((await readTilesetFiles(join(work, 'pipelines-split'))).size).toBeGreaterThan(3);
    const whole = await loadInThree(`${baseUrl}/pipelines-deep/tileset.json`, 5000);
    const split = await loadInThree(`${baseUrl}/pipelines-split/tileset.json`, 5000);
    expect(split.errors).toEqual([]);
    expect(split.tilesetsLoaded).toBeGreaterThan(3);
    expect(split.tilesLoaded).toBe(whole.tilesLoaded);
    expect(split.ids.size).toBeGreaterThan(500);
    expect([...split.ids].sort()).toEqual([...whole.ids].sort());
  });

  it('the pipeline tileset: pipes and assets load, every feature has its ID', async () => {
    // High enough to see the whole 2 km district.
    const result = await loadInThree(`${baseUrl}/pipelines/tileset.json`, 5000);
    expect(result.errors).toEqual([]);
    expect(result.tilesLoaded).toBeGreaterThanOrEqual(4);
    expect(result.ids.size).toBeGreaterThan(500);
  });

  it('a tile whose text column is empty everywhere (left out of its table): the name reads ""', async () => {
    const result = await loadInThree(`${baseUrl}/bare/tileset.json`);
    expect(result.errors).toEqual([]);
    expect(result.rows.get('bare-1')).toMatchObject({ id: 'bare-1', name: '', height: 12 });
  });

  it('city models (CityGML, CityJSONSeq): every object by its CityObject ID, and the surface type of each surface', async () => {
    for (const name of ['citygml', 'cityjsonseq']) {
      const result = await loadInThree(`${baseUrl}/${name}/tileset.json`, 300, DELFT);
      expect(result.errors).toEqual([]);
      expect([...result.ids].sort()).toEqual(name === 'citygml' ? ['block-2', 'house-1'] : ['block-2', 'house-1', 'lawn-3']);
      expect(result.rows.get('house-1')).toMatchObject({ name: '山墙屋', cityObjectType: 'Building' });
      expect([...result.surfaceTypes].sort()).toEqual(['', 'GroundSurface', 'RoofSurface', 'WallSurface']);
    }
  });

  it('reports a corrupt tile as a load error (the check above can fail)', async () => {
    await writeFile(join(work, 'fixture', 'content', '0', '0_0.glb'), 'not a glb');
    const result = await loadInThree(`${baseUrl}/fixture/tileset.json`);
    expect(result.errors.length).toBeGreaterThan(0);
  });
});
