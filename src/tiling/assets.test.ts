/**
 * The tilers fill the asset store (`--assets`): every building, segment and point asset under the
 * tiles' IDs, all or nothing, and a failed load writes no tiles.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetInput } from '../domain/assets.ts';
import type { PipeNetwork } from '../domain/pipelines.ts';
import { openAssetStore, type AssetStore } from '../server/assets/asset-store.ts';
import { AssetStoreError, datasetFor, displayLocation, openAssetLoader } from '../server/assets/loader.ts';
import { POSTGRES_ASSET_TABLES } from '../server/assets/postgres-asset-store.ts';
import { eachFreshStore, storeBackends } from '../server/testing/store-backends.ts';
import { isTiledAssets, isWorkerReadable, type AssetLoader } from './assets.ts';
import { tileBuildings, type BuildingTilingOptions } from './building-pipeline.ts';
import { openGeoJson } from './geojson-reader.ts';
import { tilePipeNetwork } from './pipes/pipe-pipeline.ts';
import { fixtureCollection, syntheticBuildings } from './testing/fixtures.ts';

const run = promisify(execFile);
const CLI = ['node_modules/tsx/dist/cli.mjs', 'scripts/build-tiles.ts'];
let work: string;
let input: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cim-twin-assets-'));
  input = join(work, 'fixture.geojson');
  await writeFile(input, JSON.stringify(fixtureCollection()));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function tileInto(storePath: string, out: string, dataset: string, options: Partial<BuildingTilingOptions> = {}) {
  const loader = await openAssetLoader(storePath, dataset);
  try {
    const source = await openGeoJson(input);
    return await tileBuildings(source.features, { sourceName: input, outputDirectory: out, maximumFeaturesPerTile: 2, loadAssets: loader.load, ...options });
  } finally {
    await loader.close();
  }
}

const ringClosed = (ring: number[][]) => ring.length >= 4 && ring[0]![0] === ring.at(-1)![0] && ring[0]![1] === ring.at(-1)![1];

describe('the building tiler with an asset store', () => {
  it('loads every building under its tile ID, with name, attributes and its footprint in lon/lat', async () => {
    const storePath = join(work, 'buildings.sqlite');
    const report = await tileInto(storePath, join(work, 'district'), 'district');
    expect(report.assetsLoaded).toBe(5);
    const store = await openAssetStore(storePath);
    try {
      expect(await store.count('district')).toBe(5);
      const court = await store.get('court');
      expect(court).toMatchObject({ kind: 'building', name: '合院', dataset: 'district', attributes: { id: 'court', height: 9 } });
      expect(Math.abs((court!.attributes.footprint as number) - 800)).toBeLessThan(8); // 800 m², the tiler's small-extent area
      expect(court!.geometry.type).toBe('Polygon');
      const rings = court!.geometry.coordinates as number[][][];
      expect(rings).toHaveLength(2); // the courtyard is a hole
      expect(rings.every(ringClosed)).toBe(true);
      expect(court!.bounds[0]).toBeGreaterThan(113.1);
      expect(court!.bounds[2]).toBeLessThan(113.2);
      // The tower stands on its podium: two parts, one ID, one MultiPolygon.
      const tower = await store.get('tower');
      expect(tower!.geometry.type).toBe('MultiPolygon');
      expect(tower!.geometry.coordinates).toHaveLength(2);
      expect(ids((await store.search('塔楼')).assets)).toEqual(['tower']);
    } finally {
      await store.close();
    }
  });

  it('a failed load writes no tiles and leaves the store as it was', async () => {
    const storePath = join(work, 'conflict.sqlite');
    const store = await openAssetStore(storePath);
    await store.replaceDataset('other', [{ id: 'box', kind: 'building', name: '别处的楼', geometry: { type: 'Point', coordinates: [117, 31] } }]);
    await store.close();
    const out = join(work, 'conflict-tiles');
    const attempt = tileInto(storePath, out, 'district');
    await expect(attempt).rejects.toThrow(AssetStoreError);
    await expect(attempt).rejects.toThrow(/loading dataset district failed, so no tiles were written.*"box" of dataset district already belongs to dataset other/);
    expect(existsSync(out)).toBe(false);
    const after = await openAssetStore(storePath);
    try {
      expect(await after.datasets()).toEqual([{ dataset: 'other', count: 1 }]);
    } finally {
      await after.close();
    }
  });

  it('loads while the tiles are written, and its buildings end only after the last tile and tileset file', async () => {
    let tilesWritten = 0;
    let tilesInAll = 0;
    const seen: { first?: number; end?: number; tilesetWritten?: boolean; count: number } = { count: 0 };
    const out = join(work, 'alongside');
    const report = await tileBuildings(syntheticBuildings(3_000), {
      sourceName: 'synthetic',
      outputDirectory: out,
      maximumFeaturesPerTile: 50,
      threads: 0,
      onProgress: (phase, done, total) => {
        if (phase !== 'write') return;
        tilesWritten = done;
        tilesInAll = total;
      },
      loadAssets: async (assets) => {
        for await (const asset of assets) {
          seen.first ??= tilesWritten;
          seen.count++;
          expect(asset.kind).toBe('building');
        }
        seen.end = tilesWritten;
        // The output is still in its temporary directory (.alongside.tmp-…) until the load returns.
        const temporary = readdirSync(work).find((name) => name.startsWith('.alongside.tmp-') && !name.endsWith('.records'));
        seen.tilesetWritten = temporary !== undefined && existsSync(join(work, temporary, 'tileset.json'));
        return seen.count;
      },
    });
    expect(report.tiles).toBeGreaterThan(20);
    expect(tilesInAll).toBe(report.tiles);
    expect(seen.first).toBeLessThan(report.tiles); // it started before the tiling ended
    expect(seen.end).toBe(report.tiles);
    expect(seen.tilesetWritten).toBe(true);
    expect(report.assetsLoaded).toBe(3_000);
  });

  // At the last tile the store has read every asset and waits for the tiles (TiledAssets.tilesWritten) to commit.
  it.each([['while the load reads the assets', 2], ['after the load has read every asset', 'last']] as const)('a tiling failure %s rolls the load back', async (_when, failAt) => {
    const storePath = join(work, `tiling-fails-${failAt}.sqlite`);
    const store = await openAssetStore(storePath);
    await store.replaceDataset('district', [{ id: 'old', kind: 'building', geometry: { type: 'Point', coordinates: [113.12, 23.02] } }]);
    await store.close();
    const out = join(work, `tiling-fails-${failAt}`);
    const failing = tileInto(storePath, out, 'district', {
      onProgress: (phase, done, total) => {
        if (phase === 'write' && done === (failAt === 'last' ? total : failAt)) throw new Error('the disk is full');
      },
    });
    await expect(failing).rejects.toThrow('the disk is full');
    expect(existsSync(out)).toBe(false);
    const after = await openAssetStore(storePath);
    try {
      expect(await after.datasets()).toEqual([{ dataset: 'district', count: 1 }]);
      expect(await after.get('old')).toBeDefined();
    } finally {
      await after.close();
    }
  });

  it('re-tiling replaces that dataset only', async () => {
    const storePath = join(work, 'retile.sqlite');
    const store = await openAssetStore(storePath);
    await store.replaceDataset('water', [{ id: 'V-1', kind: 'valve', geometry: { type: 'Point', coordinates: [113.12, 23.02] } }]);
    await store.replaceDataset('district', [{ id: 'old', kind: 'building', geometry: { type: 'Point', coordinates: [113.12, 23.02] } }]);
    await store.close();
    await tileInto(storePath, join(work, 'retile'), 'district');
    const after = await openAssetStore(storePath);
    try {
      expect(await after.datasets()).toEqual([{ dataset: 'district', count: 5 }, { dataset: 'water', count: 1 }]);
      expect(await after.get('old')).toBeUndefined();
    } finally {
      await after.close();
    }
  });
});

const ids = (assets: readonly { id: string }[]) => assets.map((a) => a.id);

/**
 * The tiler's buildings as a loader sees them, except that reading them on this thread throws:
 * a load that succeeds with them read the tiler's records on a thread of its own.
 */
function unreadableHere(load: AssetLoader): AssetLoader {
  return (assets) => {
    if (!isTiledAssets(assets) || !isWorkerReadable(assets)) throw new Error('the building tiler should hand out worker-readable assets');
    const refuse = (): never => {
      throw new Error('the buildings were read on the tiler thread');
    };
    return load({ tilesWritten: () => assets.tilesWritten(), buildingRecords: () => assets.buildingRecords(), [Symbol.iterator]: refuse, [Symbol.asyncIterator]: refuse } as Iterable<AssetInput>);
  };
}

let runs = 0;
const BACKENDS = await storeBackends('tiler load', { prefix: 'tiler-load', open: openAssetStore, extensions: ['postgis', 'pg_trgm'], tables: POSTGRES_ASSET_TABLES, postgresName: 'PostgreSQL + PostGIS' });

describe.each(BACKENDS)('the building tiler loading $name on a worker thread', (backend) => {
  let store: AssetStore;
  let location: string;
  eachFreshStore(backend, (fresh) => ({ store, location } = fresh));

  async function tileWith(dataset: string, worker: boolean, options: Partial<BuildingTilingOptions> = {}) {
    const loader = await openAssetLoader(location, dataset, { worker });
    try {
      const source = await openGeoJson(input);
      return await tileBuildings(source.features, {
        sourceName: input,
        outputDirectory: join(work, `worker-load-${runs++}`),
        maximumFeaturesPerTile: 2,
        loadAssets: worker ? unreadableHere(loader.load) : loader.load,
        ...options,
      });
    } finally {
      await loader.close();
    }
  }

  it('loads from the tiler\'s records alone the same assets as a load on the tiler\'s thread', async () => {
    expect((await tileWith('on-worker', true)).assetsLoaded).toBe(5);
    expect((await tileWith('on-thread', false, { idProperty: 'name' })).assetsLoaded).toBe(5);
    const onWorker = [];
    for await (const asset of store.streamAssets({ dataset: 'on-worker' })) onWorker.push(asset);
    const onThread = [];
    for await (const asset of store.streamAssets({ dataset: 'on-thread' })) onThread.push(asset);
    expect(onWorker.map((a) => a.name).sort()).toEqual(onThread.map((a) => a.name).sort());
    const byName = new Map(onThread.map((a) => [a.name, a]));
    for (const asset of onWorker) {
      const twin = byName.get(asset.name)!;
      expect({ ...asset, id: twin.id, dataset: twin.dataset, attributes: { ...asset.attributes, id: twin.attributes.id } }).toEqual(twin);
    }
    expect((await store.get('tower'))?.geometry.type).toBe('MultiPolygon');
  });

  it('says why a load failed in the worker, and keeps the store as it was', async () => {
    await store.replaceDataset('other', [{ id: 'court', kind: 'building', geometry: { type: 'Point', coordinates: [117, 31] } }]);
    await expect(tileWith('district', true)).rejects.toThrow(/loading dataset district failed, so no tiles were written.*"court" of dataset district already belongs to dataset other/);
    expect(await store.datasets()).toEqual([{ dataset: 'other', count: 1 }]);
  });

  it('loads nothing when the tiling fails after the worker has read every building', async () => {
    const failing = tileWith('district', true, {
      onProgress: (phase, done, total) => {
        if (phase === 'write' && done === total) throw new Error('the disk is full');
      },
    });
    await expect(failing).rejects.toThrow('the disk is full');
    expect(await store.datasets()).toEqual([]);
  });
});

describe('the pipe tiler with an asset store', () => {
  const network: PipeNetwork = {
    segments: [
      { id: 'P-1', type: 'water', shape: { kind: 'circular', diameterMillimetres: 300 }, path: [[113.12, 23.02], [113.121, 23.02]], fromNodeId: 'J-1', toNodeId: 'V-1', start: { depthMetres: 1.2 }, end: { depthMetres: 1.3 }, material: '球墨铸铁' },
      { id: 'P-2', type: 'water', shape: { kind: 'circular', diameterMillimetres: 300 }, path: [[113.121, 23.02], [113.122, 23.021]], fromNodeId: 'V-1', toNodeId: 'J-2', start: { depthMetres: 1.3 }, end: { depthMetres: 1.2 } },
    ],
    assets: [
      { id: 'J-1', kind: 'junction', type: 'water', lonDegrees: 113.12, latDegrees: 23.02, groundElevationMetres: 5 },
      { id: 'V-1', kind: 'valve', type: 'water', lonDegrees: 113.121, latDegrees: 23.02, groundElevationMetres: 5, valveState: 'open' },
      { id: 'J-2', kind: 'junction', type: 'water', lonDegrees: 113.122, latDegrees: 23.021, groundElevationMetres: 5 },
    ],
  };

  it('loads every segment as a pipe line and every point asset as a point', async () => {
    const storePath = join(work, 'pipes.sqlite');
    const loader = await openAssetLoader(storePath, 'water');
    const report = await tilePipeNetwork(network, { outputDirectory: join(work, 'water'), loadAssets: loader.load });
    await loader.close();
    expect(report.assetsLoaded).toBe(5);
    const store = await openAssetStore(storePath);
    try {
      expect(await store.get('P-1')).toMatchObject({ kind: 'pipe', geometry: { type: 'LineString', coordinates: [[113.12, 23.02], [113.121, 23.02]] }, attributes: { type: 'water', material: '球墨铸铁', fromNodeId: 'J-1', shape: { diameterMillimetres: 300 } } });
      expect(await store.get('V-1')).toMatchObject({ kind: 'valve', geometry: { type: 'Point', coordinates: [113.121, 23.02] }, attributes: { valveState: 'open' } });
      expect((await store.withinRadius(113.121, 23.02, 1, { kinds: ['valve'] })).hits.map((h) => h.asset.id)).toEqual(['V-1']);
    } finally {
      await store.close();
    }
  });

  it('a failed load writes no pipe tiles', async () => {
    const out = join(work, 'water-failed');
    const failing = async () => {
      throw new AssetStoreError('asset store test: refused');
    };
    await expect(tilePipeNetwork(network, { outputDirectory: out, loadAssets: failing })).rejects.toThrow('refused');
    expect(existsSync(out)).toBe(false);
  });
});

describe('--assets on the command line', () => {
  it('tiles and loads, and names the dataset and store in the report', async () => {
    const storePath = join(work, 'cli.sqlite');
    const { stdout } = await run(process.execPath, [...CLI, input, '--out', join(work, 'cli-district'), '--assets', storePath]);
    expect(stdout).toContain(`asset store      5 buildings as dataset cli-district in ${storePath}`);
    const store = await openAssetStore(storePath);
    expect(await store.count('cli-district')).toBe(5);
    await store.close();
  });

  it('fails before tiling when the store cannot be opened, masking the password', async () => {
    const out = join(work, 'cli-no-store');
    const failure = await run(process.execPath, [...CLI, input, '--out', out, '--assets', 'postgres://someone:secret@127.0.0.1:1/assets']).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 1 });
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr).toMatch(/error: asset store postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/assets: cannot open it .*nothing was written/);
    expect(stderr).not.toContain('secret');
    expect(existsSync(out)).toBe(false);
  });

  it('npm run pipes: refuses --dataset without --assets, and fails on a store it cannot open', async () => {
    const { main } = await import('../../scripts/build-pipe-tiles.ts');
    const errors: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args.join(' '));
    try {
      expect(await main(['water.geojson', '--out', join(work, 'p'), '--dataset', 'x'])).toBe(2);
      expect(await main(['water.geojson', '--out', join(work, 'p'), '--assets', 'postgres://u:pw@127.0.0.1:1/x'])).toBe(1);
    } finally {
      console.error = original;
    }
    expect(errors[0]).toMatch(/--dataset names the asset-store dataset: give --assets too/);
    expect(errors[1]).toMatch(/error: asset store postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/x: cannot open it/);
    expect(existsSync(join(work, 'p'))).toBe(false);
  });

  it('refuses --dataset without --assets, and a dataset name that is not an identifier', async () => {
    const usage = await run(process.execPath, [...CLI, input, '--out', join(work, 'x'), '--dataset', 'x']).catch((e: { code: number; stderr: string }) => e);
    expect(usage).toMatchObject({ code: 2 });
    const bad = await run(process.execPath, [...CLI, input, '--out', join(work, 'Bad Name'), '--assets', join(work, 'bad.sqlite')]).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stderr: string }).stderr).toMatch(/dataset name "bad name" is not valid.*give --dataset NAME/);
  });
});

describe('loader helpers', () => {
  it.each([
    ['postgres://u:p@h/db', 'postgres://u:***@h/db'],
    ['postgres://u@h/db', 'postgres://u@h/db'],
    ['data/a.sqlite', 'data/a.sqlite'],
  ])('shows %s as %s', (location, shown) => {
    expect(displayLocation(location)).toBe(shown);
  });

  it('takes the dataset from --out unless --dataset is given', () => {
    expect(datasetFor('tiles/Demo-Buildings')).toBe('demo-buildings');
    expect(datasetFor('tiles/x', 'hefei-water')).toBe('hefei-water');
  });

  it('keeps the existing tiles when a re-tile fails at the store', async () => {
    const storePath = join(work, 'keep.sqlite');
    const out = join(work, 'keep');
    await tileInto(storePath, out, 'keep');
    const before = await readFile(join(out, 'tileset.json'), 'utf8');
    // Another store, where "ell" belongs to another dataset: the re-tile's load fails there.
    const other = join(work, 'keep-other.sqlite');
    const s2 = await openAssetStore(other);
    await s2.replaceDataset('elsewhere', [{ id: 'ell', kind: 'building', geometry: { type: 'Point', coordinates: [117, 31] } }]);
    await s2.close();
    await expect(tileInto(other, out, 'keep')).rejects.toThrow(/"ell" of dataset keep already belongs to dataset elsewhere/);
    expect(await readFile(join(out, 'tileset.json'), 'utf8')).toBe(before);
  });
});
