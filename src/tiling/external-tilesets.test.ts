import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDistrict } from '../demo/district.ts';
import { generateNetwork } from '../demo/network.ts';
import { tileBuildings } from './building-pipeline.ts';
import { countTiles, DEFAULT_MAXIMUM_TILES_PER_FILE, splitTileset, type TilesetFile } from './external-tilesets.ts';
import { tilePipeNetwork } from './pipes/pipe-pipeline.ts';
import { contentTiles, isExternalTilesetTile, readTilesetFiles, resolveExternalTilesets } from './testing/read-tiles.ts';
import { syntheticBuildings } from './testing/fixtures.ts';
import { tilesetJson, type TilesetJson, type TilesetJsonTile } from './tileset.ts';
import { buildQuadtree, type FeatureSummary } from './tree.ts';

/** Summaries of `count` buildings spread over a city of about 30 × 30 km, seeded. */
function citySummaries(count: number): FeatureSummary[] {
  let s = 42;
  const random = () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646;
  return Array.from({ length: count }, () => {
    const lon = 117.1 + random() * 0.3;
    const lat = 31.7 + random() * 0.3;
    const height = 3 + random() * random() * 150;
    return { lonDegrees: lon, latDegrees: lat, westDegrees: lon - 1e-4, southDegrees: lat - 1e-4, eastDegrees: lon + 1e-4, northDegrees: lat + 1e-4, minimumHeightMetres: 0, maximumHeightMetres: height, sizeMetres: height };
  });
}

/** Each tile with its effective refinement (inherited where not given): what a viewer does with the tree. */
function effective(tile: TilesetJsonTile, inherited: 'ADD' | 'REPLACE'): unknown {
  const refine = tile.refine ?? inherited;
  return { volume: tile.boundingVolume, error: tile.geometricError, uri: tile.content?.uri, refine, children: (tile.children ?? []).map((c) => effective(c, refine)) };
}

function filesMap(files: TilesetFile[]): Map<string, TilesetJson> {
  return new Map(files.map((f) => [f.path, f.json]));
}

/** Checks every split must pass: bounded files, each reached once, each content once, the same tree. */
function expectFaithfulSplit(original: TilesetJson, files: TilesetFile[], maximum: number): void {
  expect(files[0]!.path).toBe('tileset.json');
  expect(new Set(files.map((f) => f.path)).size).toBe(files.length);
  // A tile and its children share a file (each child at least as a reference): below that, no bound can hold.
  const widest = (tile: TilesetJsonTile): number => Math.max(1 + (tile.children?.length ?? 0), ...(tile.children ?? []).map(widest));
  const bound = Math.max(maximum, widest(original.root));
  for (const file of files) {
    expect(countTiles(file.json.root), file.path).toBeLessThanOrEqual(bound);
    // The root tile of every tileset says how it refines; a tile pointing to a tileset has no children.
    expect(file.json.root.refine, file.path).toBeDefined();
    expect(file.json.asset.version).toBe('1.1');
    expect(file.json.geometricError).toBeGreaterThanOrEqual(file.json.root.geometricError);
  }
  const { root, reached } = resolveExternalTilesets(filesMap(files));
  expect(reached.sort()).toEqual(files.map((f) => f.path).sort());
  const uris = files.flatMap((f) => contentTiles(f.json.root).filter((t) => !isExternalTilesetTile(t)).map((t) => t.content!.uri));
  expect(new Set(uris).size).toBe(uris.length);
  expect(uris.sort()).toEqual(contentTiles(original.root).map((t) => t.content!.uri).sort());
  expect(effective(root, 'REPLACE')).toEqual(effective(original.root, 'REPLACE'));
}

describe('external tilesets', () => {
  it('leaves a tileset within the bound as one file, unchanged', () => {
    const tileset = tilesetJson(buildQuadtree(citySummaries(2000), { maximumFeaturesPerTile: 100 })!, 'test');
    const files = splitTileset(tileset);
    expect(files).toEqual([{ path: 'tileset.json', json: tileset }]);
  });

  it('splits a city-sized tree (as many tiles as a million buildings): the root file is small, the tree the same', () => {
    // 200,000 buildings at 40 per tile: about 8,000 tiles, more than the 5,434 of the 1M benchmark.
    const tileset = tilesetJson(buildQuadtree(citySummaries(200_000), { maximumFeaturesPerTile: 40 })!, 'test', { buildings: 200_000 });
    const total = countTiles(tileset.root);
    expect(total).toBeGreaterThan(5434);
    expect(Buffer.byteLength(JSON.stringify(tileset))).toBeGreaterThan(1_000_000); // one file would be past the target
    const files = splitTileset(tileset);
    expect(files.length).toBeGreaterThan(1);
    const rootBytes = Buffer.byteLength(JSON.stringify(files[0]!.json));
    expect(rootBytes).toBeLessThanOrEqual(300_000);
    expect(files[0]!.json.extras).toEqual({ buildings: 200_000 });
    expectFaithfulSplit(tileset, files, DEFAULT_MAXIMUM_TILES_PER_FILE);
  });

  it.each([2, 3, 7, 50])('keeps every file within a bound of %i tiles and the tree the same', (maximum) => {
    const tileset = tilesetJson(buildQuadtree(citySummaries(3000), { maximumFeaturesPerTile: 10 })!, 'test');
    const files = splitTileset(tileset, { maximumTilesPerFile: maximum });
    expect(files.length).toBeGreaterThan(1);
    expectFaithfulSplit(tileset, files, maximum);
  });

  it('keeps REPLACE and ADD where they were (line levels above tube trees)', () => {
    const region = { region: [0, 0, 0.001, 0.001, -5, 1] };
    const leaf = (uri: string): TilesetJsonTile => ({ boundingVolume: region, geometricError: 0, content: { uri } });
    const tubes = (prefix: string): TilesetJsonTile => ({ boundingVolume: region, geometricError: 2, refine: 'ADD', content: { uri: `${prefix}/0.glb` }, children: [leaf(`${prefix}/1.glb`), leaf(`${prefix}/2.glb`), leaf(`${prefix}/3.glb`)] });
    const cell = (name: string): TilesetJsonTile => ({ boundingVolume: region, geometricError: 4, content: { uri: `lines/${name}.glb` }, children: [tubes(`tubes/${name}`)] });
    const tileset: TilesetJson = {
      asset: { version: '1.1', generator: 'test' },
      geometricError: 100,
      root: { boundingVolume: region, geometricError: 8, refine: 'REPLACE', content: { uri: 'lines/root.glb' }, children: [cell('a'), cell('b'), cell('c')] },
    };
    const files = splitTileset(tileset, { maximumTilesPerFile: 6 });
    expectFaithfulSplit(tileset, files, 6);
    // A line cell moved out keeps REPLACE, stated on its root; its tube tree below keeps ADD.
    const moved = files.slice(1).map((f) => f.json.root);
    expect(moved.length).toBeGreaterThan(0);
    for (const root of moved) expect(root.refine).toBe(root.content!.uri.startsWith('lines/') ? 'REPLACE' : 'ADD');
  });

  it('the check above can fail: a lost file, a file reached twice, a file never reached', () => {
    const tileset = tilesetJson(buildQuadtree(citySummaries(3000), { maximumFeaturesPerTile: 10 })!, 'test');
    const files = splitTileset(tileset, { maximumTilesPerFile: 50 });
    const lost = filesMap(files);
    lost.delete(files[1]!.path);
    expect(() => resolveExternalTilesets(lost)).toThrow(/no such tileset file/);
    const orphan = filesMap(files);
    orphan.set('tileset-999.json', files[1]!.json);
    expect(() => resolveExternalTilesets(orphan)).toThrow(/never reached/);
    const twice = filesMap(files);
    const root = structuredClone(files[0]!.json);
    const parent = (function find(t: TilesetJsonTile): TilesetJsonTile | undefined {
      if ((t.children ?? []).some(isExternalTilesetTile)) return t;
      for (const c of t.children ?? []) {
        const found = find(c);
        if (found) return found;
      }
      return undefined;
    })(root.root)!;
    parent.children!.push({ ...parent.children!.find(isExternalTilesetTile)! });
    twice.set('tileset.json', root);
    expect(() => resolveExternalTilesets(twice)).toThrow(/reached twice/);
  });

  it('rejects a bound below 2', () => {
    const tileset = tilesetJson(buildQuadtree(citySummaries(10))!, 'test');
    expect(() => splitTileset(tileset, { maximumTilesPerFile: 1 })).toThrow(/at least 2/);
  });
});

describe('the tilers write external tilesets past the bound', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cim-twin-external-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('buildings: tileset.json and the files it points to hold every tile once', async () => {
    const out = join(work, 'buildings');
    const report = await tileBuildings(syntheticBuildings(1500), { sourceName: 'synthetic', outputDirectory: out, maximumFeaturesPerTile: 5, maximumTilesPerTilesetFile: 40, searchIndex: false });
    const files = await readTilesetFiles(out);
    expect(report.tilesetFiles).toBe(files.size);
    expect(files.size).toBeGreaterThan(5);
    expect(report.rootTilesetBytes).toBe((await stat(join(out, 'tileset.json'))).size);
    const { root } = resolveExternalTilesets(files);
    const uris = contentTiles(root).map((t) => t.content!.uri);
    expect(uris.length).toBe(report.tiles);
    expect(new Set(uris).size).toBe(uris.length);
    for (const uri of uris) expect((await stat(join(out, uri))).size).toBeGreaterThan(0);
    for (const [path, file] of files) expect(countTiles(file.root), path).toBeLessThanOrEqual(40);
    expect(JSON.parse(await readFile(join(out, 'tileset.json'), 'utf8')).extras).toEqual({ buildings: 1500 });
  });

  it('pipes: the same for the pipe tileset (line levels and tube trees)', async () => {
    const out = join(work, 'pipes');
    const network = generateNetwork(generateDistrict());
    const report = await tilePipeNetwork({ segments: network.segments.slice(0, 1500), assets: network.assets.slice(0, 500) }, { outputDirectory: out, maximumFeaturesPerTile: 20, maximumTilesPerTilesetFile: 30 });
    const files = await readTilesetFiles(out);
    expect(report.tilesetFiles).toBe(files.size);
    expect(files.size).toBeGreaterThan(2);
    const { root } = resolveExternalTilesets(files);
    const uris = contentTiles(root).map((t) => t.content!.uri);
    expect(uris.length).toBe(report.tiles);
    expect(new Set(uris).size).toBe(uris.length);
    for (const [path, file] of files) expect(countTiles(file.root), path).toBeLessThanOrEqual(30);
  });
});
