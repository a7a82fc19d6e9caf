/**
 * One suite for the asset store, run against both backends: SQLite always; PostgreSQL + PostGIS
 * in a database of its own (created and dropped here). Without a reachable PostgreSQL server the
 * PostgreSQL half skips with a message, except under CI, where it fails.
 */
import { POSTGRES_ASSET_TABLES } from './postgres-asset-store.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greatCircleDistanceMetres, type AssetInput } from '../../domain/assets.ts';
import { matchesFilter, parseFilter } from '../../domain/thematic/filter.ts';
import { searchEntries, type SearchEntry } from '../../search/search-index.ts';
import type { BuildingAttributes } from '../../domain/thematic/themes.ts';
import { AssetInputError, AssetQueryError, openAssetStore, type AssetStore } from './asset-store.ts';
import { SqliteAssetStore } from './sqlite-asset-store.ts';
import { PostgresAssetStore } from './postgres-asset-store.ts';
import { syntheticAssets } from '../../../scripts/bench/assets.ts';
import { createTestDatabase, postgresReachable, type TestDatabase } from './testing/postgres.ts';
import { eachFreshStore, storeBackends } from '../testing/store-backends.ts';

// ---------------------------------------------------------------------------------------------
// Fixtures: a small district in Hefei (lon ≈ 117.28, lat ≈ 31.86).

const square = (lon: number, lat: number, sizeDegrees = 0.0002): AssetInput['geometry'] => ({
  type: 'Polygon',
  coordinates: [[[lon, lat], [lon + sizeDegrees, lat], [lon + sizeDegrees, lat + sizeDegrees], [lon, lat + sizeDegrees], [lon, lat]]],
});

const building = (id: string, name: string, address: string, lon: number, lat: number, attributes: Record<string, unknown> = {}): AssetInput => ({
  id, kind: 'building', name, address, attributes: { use: 'residential', floors: 6, yearBuilt: 1998, height: 18, ...attributes }, geometry: square(lon, lat),
  position: [lon + 0.0001, lat + 0.0001],
});

const BUILDINGS: AssetInput[] = [
  building('B-001', '合肥市第一中学', '蜀山区长江西路100号', 117.2800, 31.8600, { use: 'education' }),
  building('B-002', '安徽合肥科技馆', '蜀山区黄山路200号', 117.2810, 31.8605),
  building('B-003', '合肥', '庐阳区合肥路1号', 117.2820, 31.8610),
  building('B-004', '中国科学技术大学东区', '包河区金寨路96号', 117.2700, 31.8400, { stage: 'operation', height: 12 }),
  building('B-005', '100%纯净水厂', '瑶海区_测试路 5号', 117.3000, 31.8800, { use: 'industrial' }),
  building('B-006', "O'Brien \"Quoted\" Tower", 'Back\\slash Road 7', 117.2830, 31.8620),
  building('B-0010', 'Prefix Hall', 'Elm Street 1', 117.2840, 31.8630),
  building('hall-b-001', 'B-001 Annex', 'Elm Street 2', 117.2850, 31.8640),
];

const PIPES: AssetInput[] = [
  { id: 'W-P1', kind: 'pipe', name: '给水干管', address: '长江西路', attributes: { type: 'water', diameterMillimetres: 600 }, geometry: { type: 'LineString', coordinates: [[117.2790, 31.8595], [117.2860, 31.8650]] } },
  { id: 'W-V1', kind: 'valve', attributes: { type: 'water', valveState: 'open' }, geometry: { type: 'Point', coordinates: [117.2790, 31.8595] } },
  { id: 'W-V2', kind: 'valve', attributes: { type: 'water', valveState: 'closed' }, geometry: { type: 'Point', coordinates: [117.2860, 31.8650] } },
  { id: 'W-H1', kind: 'hydrant', attributes: { type: 'water' }, geometry: { type: 'Point', coordinates: [117.3500, 31.9000, 12.5] } },
];

const ids = (assets: readonly { id: string }[]) => assets.map((a) => a.id);

// ---------------------------------------------------------------------------------------------
// Backends

const BACKENDS = await storeBackends('asset-store', { prefix: 'assets', open: openAssetStore, extensions: ['postgis', 'pg_trgm'], tables: POSTGRES_ASSET_TABLES, postgresName: 'PostgreSQL + PostGIS' });
/** For the PostgreSQL-only blocks below. */
const reachability = await postgresReachable();

describe.each(BACKENDS)('asset store on $name', (backend) => {
  let store: AssetStore;
  let location: string;

  eachFreshStore(backend, async (fresh) => {
    ({ store, location } = fresh);
    await store.replaceDataset('district-buildings', BUILDINGS);
    await store.replaceDataset('district-water', PIPES);
  });

  describe('loading and lookup', () => {
    it("gives each dataset a generation that every load of it changes, and nothing else does", async () => {
      const first = await store.datasetGenerations();
      expect([...first.keys()].sort()).toEqual(['district-buildings', 'district-water']);
      await store.replaceDataset('district-water', PIPES.slice(0, 2));
      const second = await store.datasetGenerations();
      expect(second.get('district-water')).not.toBe(first.get('district-water'));
      expect(second.get('district-buildings')).toBe(first.get('district-buildings'));
      // A failed load changes nothing; a load of an empty dataset still counts as a change.
      await expect(store.replaceDataset('district-water', [{ id: 'X' } as AssetInput])).rejects.toThrow(AssetInputError);
      expect(await store.datasetGenerations()).toEqual(second);
      await store.replaceDataset('district-water', []);
      expect((await store.datasetGenerations()).get('district-water')).not.toBe(second.get('district-water'));
      // Another client of the same store sees the change (a server beside the loader).
      const other = await openAssetStore(location);
      try {
        expect(await other.datasetGenerations()).toEqual(await store.datasetGenerations());
      } finally {
        await other.close();
      }
    });

    it('opens the backend its location names', () => {
      expect(store.backend).toBe(location.startsWith('postgres://') ? 'postgres' : 'sqlite');
    });

    it('returns an asset as loaded, with its dataset, bounds and position', async () => {
      const asset = await store.get('B-001');
      expect(asset).toEqual({
        id: 'B-001', dataset: 'district-buildings', kind: 'building', name: '合肥市第一中学', address: '蜀山区长江西路100号',
        attributes: { use: 'education', floors: 6, yearBuilt: 1998, height: 18 },
        geometry: square(117.28, 31.86),
        bounds: [117.28, 31.86, 117.28 + 0.0002, 31.86 + 0.0002],
        position: [117.28 + 0.0001, 31.86 + 0.0001],
      });
      const hydrant = await store.get('W-H1');
      expect(hydrant?.geometry).toEqual({ type: 'Point', coordinates: [117.35, 31.9, 12.5] });
      expect(hydrant?.position).toEqual([117.35, 31.9]);
      expect((await store.get('W-P1'))?.bounds).toEqual([117.279, 31.8595, 117.286, 31.865]);
    });

    it('stores backslashes, tabs and newlines exactly (what COPY text must escape), in every column', async () => {
      const odd: AssetInput = {
        id: 'ODD\\N', kind: 'building', name: '\\N', address: 'C:\\路\\t1号\\',
        attributes: { note: 'a\tb\nc\r\\d\\N', use: 'shop\\\tx', floors: 3, '\\t': '\t' },
        geometry: square(117.29, 31.87),
      };
      await store.replaceDataset('odd-text', [odd, building('ODD-2', 'tab\\tname', '', 117.291, 31.871)]);
      expect(await store.get('ODD\\N')).toMatchObject({ id: 'ODD\\N', name: '\\N', address: 'C:\\路\\t1号\\', attributes: odd.attributes, geometry: odd.geometry });
      expect((await store.get('ODD-2'))?.name).toBe('tab\\tname');
      expect(ids((await store.search('c:\\路\\t1')).assets)).toEqual(['ODD\\N']);
      expect(await store.countMatching('floors=3')).toBe(1);
    });

    it('returns undefined for an unknown ID, even one that looks like SQL', async () => {
      expect(await store.get('nope')).toBeUndefined();
      expect(await store.get("' OR '1'='1")).toBeUndefined();
    });

    it('counts per dataset and lists the datasets', async () => {
      expect(await store.count()).toBe(BUILDINGS.length + PIPES.length);
      expect(await store.count('district-water')).toBe(PIPES.length);
      expect(await store.count('elsewhere')).toBe(0);
      expect(await store.datasets()).toEqual([{ dataset: 'district-buildings', count: BUILDINGS.length }, { dataset: 'district-water', count: PIPES.length }]);
    });

    it('re-loading one dataset replaces its assets and leaves the others untouched', async () => {
      const before = await store.get('W-V1');
      const report = await store.replaceDataset('district-buildings', [building('B-100', '新楼', '新路1号', 117.29, 31.87)]);
      expect(report).toMatchObject({ dataset: 'district-buildings', loaded: 1, replaced: BUILDINGS.length });
      expect(await store.count('district-buildings')).toBe(1);
      expect(await store.get('B-001')).toBeUndefined();
      expect(ids((await store.search('新楼')).assets)).toEqual(['B-100']);
      expect((await store.search('第一中学')).assets).toEqual([]);
      expect(await store.count('district-water')).toBe(PIPES.length);
      expect(await store.get('W-V1')).toEqual(before);
      expect(ids((await store.withinBbox([117.27, 31.85, 117.31, 31.89])).assets)).toEqual(['B-100', 'W-P1', 'W-V1', 'W-V2']);
    });

    it('loads from an async iterable', async () => {
      async function* generate() {
        for (let i = 0; i < 5_000; i++) yield building(`G-${String(i).padStart(5, '0')}`, `生成楼${i}`, `生成路${i}号`, 117.2 + (i % 100) * 0.001, 31.8 + Math.floor(i / 100) * 0.001);
      }
      const report = await store.replaceDataset('generated', generate());
      expect(report.loaded).toBe(5_000);
      expect(await store.count('generated')).toBe(5_000);
      expect(ids((await store.search('生成楼4999')).assets)).toEqual(['G-04999']);
    });

    it('runs loads started together one after another, each all or nothing', async () => {
      async function* slow(prefix: string, fail: boolean) {
        for (let i = 0; i < 3_000; i++) {
          if (i % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
          yield building(`${prefix}-${i}`, `${prefix}楼${i}`, '并发路', 117.29, 31.87);
        }
        if (fail) throw new Error('reader failed');
      }
      const results = await Promise.allSettled([store.replaceDataset('first', slow('F', false)), store.replaceDataset('second', slow('S', true)), store.replaceDataset('third', slow('T', false))]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect([await store.count('first'), await store.count('second'), await store.count('third')]).toEqual([3_000, 0, 3_000]);
    });

    it('two datasets loaded at once cannot both take an ID: one load fails, naming the other dataset', async () => {
      async function* slow(prefix: string) {
        for (let i = 0; i < 3_000; i++) {
          if (i % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
          yield building(i === 2_999 ? 'SHARED-1' : `${prefix}-${i}`, `${prefix}楼${i}`, '并发路', 117.29, 31.87);
        }
      }
      const results = await Promise.allSettled([store.replaceDataset('first', slow('F')), store.replaceDataset('second', slow('S'))]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.findIndex((r) => r.status === 'rejected');
      const [loser, winner] = failed === 0 ? ['first', 'second'] : ['second', 'first'];
      expect((results[failed] as PromiseRejectedResult).reason).toBeInstanceOf(AssetInputError);
      expect(String((results[failed] as PromiseRejectedResult).reason)).toContain(`"SHARED-1" of dataset ${loser} already belongs to dataset ${winner}`);
      expect(await store.get('SHARED-1')).toMatchObject({ dataset: winner });
      expect([await store.count(winner), await store.count(loser)]).toEqual([3_000, 0]);
    });

    it('reloading a dataset replaces its assets only, and a failed reload keeps them', async () => {
      const water = await store.count('district-water');
      const reloaded = BUILDINGS.slice(0, 2).map((b) => ({ ...b, name: `${b.name ?? ''}（新）` }));
      expect((await store.replaceDataset('district-buildings', reloaded)).replaced).toBe(BUILDINGS.length);
      expect(await store.count('district-buildings')).toBe(2);
      expect((await store.get(reloaded[0]!.id))?.name).toBe(reloaded[0]!.name);
      expect(ids((await store.search('（新）', { limit: 50 })).assets).sort()).toEqual(reloaded.map((b) => b.id).sort());
      expect(await store.count('district-water')).toBe(water);
      await expect(store.replaceDataset('district-buildings', [...reloaded, reloaded[1]!])).rejects.toThrow(/appears twice/);
      expect(await store.count('district-buildings')).toBe(2);
      expect(await store.count('district-water')).toBe(water);
    });

    it('an empty load empties that dataset only', async () => {
      expect((await store.replaceDataset('district-water', [])).replaced).toBe(PIPES.length);
      expect(await store.count('district-water')).toBe(0);
      expect(await store.count('district-buildings')).toBe(BUILDINGS.length);
    });
  });

  describe('all or nothing', () => {
    const replacement = (bad: unknown) => [building('N-1', '替换楼一', '新路1号', 117.29, 31.87), building('N-2', '替换楼二', '新路2号', 117.29, 31.87), bad as AssetInput, building('N-4', '替换楼四', '新路4号', 117.29, 31.87)];

    const expectIntact = async () => {
      expect(await store.count('district-buildings')).toBe(BUILDINGS.length);
      expect(await store.get('B-001')).toMatchObject({ name: '合肥市第一中学' });
      expect(await store.get('N-1')).toBeUndefined();
      expect((await store.search('替换楼')).assets).toEqual([]);
      expect(await store.count('district-water')).toBe(PIPES.length);
    };

    it.each([
      ['a geometry outside lon/lat degrees', { id: 'N-3', kind: 'building', geometry: { type: 'Point', coordinates: [500000, 3500000] } }, /N-3.*outside lon\/lat/],
      ['an unclosed polygon ring', { id: 'N-3', kind: 'building', geometry: { type: 'Polygon', coordinates: [[[117, 31], [117.1, 31], [117.1, 31.1], [117, 31.1]]] } }, /ring must end where it starts/],
      ['no geometry', { id: 'N-3', kind: 'building' }, /N-3.*geometry must be/],
      ['no ID', { kind: 'building', geometry: { type: 'Point', coordinates: [117, 31] } }, /asset 3 of dataset district-buildings: missing ID/],
      ['a kind that is not an identifier', { id: 'N-3', kind: "x'; DROP TABLE assets; --", geometry: { type: 'Point', coordinates: [117, 31] } }, /kind .* is not a lower-case identifier/],
      ['a NUL in the name', { id: 'N-3', kind: 'building', name: 'a\u0000b', geometry: { type: 'Point', coordinates: [117, 31] } }, /control character/],
      ['a NUL in the attributes', { id: 'N-3', kind: 'building', attributes: { note: 'a\u0000b' }, geometry: { type: 'Point', coordinates: [117, 31] } }, /NUL/],
      ['an ID another dataset has', { id: 'W-V1', kind: 'building', geometry: { type: 'Point', coordinates: [117, 31] } }, /"W-V1" of dataset district-buildings already belongs to dataset district-water/],
      ['an ID twice in the load', { id: 'N-1', kind: 'building', geometry: { type: 'Point', coordinates: [117, 31] } }, /"N-1" appears twice/],
    ])('a load with %s fails with a clear message and keeps the previous dataset', async (_name, bad, message) => {
      const attempt = store.replaceDataset('district-buildings', replacement(bad));
      await expect(attempt).rejects.toThrow(AssetInputError);
      await expect(attempt).rejects.toThrow(message);
      await expectIntact();
    });

    it('commits only once commitAfter resolves (a tiler\'s tiles), and a rejected one keeps the previous dataset', async () => {
      let release!: () => void;
      const tiles = new Promise<void>((resolve) => (release = resolve));
      const loading = store.replaceDataset('district-buildings', [building('N-1', '替换楼一', '新路1号', 117.29, 31.87)], { commitAfter: tiles });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expectIntact();
      release();
      expect((await loading).loaded).toBe(1);
      expect(await store.count('district-buildings')).toBe(1);
      const failed = Promise.reject(new Error('the disk is full'));
      failed.catch(() => {});
      await expect(store.replaceDataset('district-buildings', BUILDINGS, { commitAfter: failed })).rejects.toThrow('the disk is full');
      expect(await store.count('district-buildings')).toBe(1);
      expect(await store.get('N-1')).toMatchObject({ name: '替换楼一' });
    });

    it('an input that throws part-way keeps the previous dataset', async () => {
      async function* failing() {
        for (let i = 0; i < 4_500; i++) yield building(`N-${i}`, `替换楼${i}`, '新路', 117.29, 31.87);
        throw new Error('reader failed at feature 4500');
      }
      await expect(store.replaceDataset('district-buildings', failing())).rejects.toThrow('reader failed at feature 4500');
      await expectIntact();
    });

    it('a duplicate two batches apart is caught too', async () => {
      const many = Array.from({ length: 4_500 }, (_, i) => building(`N-${i}`, `替换楼${i}`, '新路', 117.29, 31.87));
      many.push(building('N-7', '重复', '新路', 117.29, 31.87));
      await expect(store.replaceDataset('district-buildings', many)).rejects.toThrow(/"N-7" appears twice/);
      await expectIntact();
    });

    it('rejects a dataset name that is not an identifier', async () => {
      await expect(store.replaceDataset("x'; --", [])).rejects.toThrow(/dataset name .* is not valid/);
    });
  });

  describe('search', () => {
    it.each([
      ['a Chinese substring of a name', '第一中学', ['B-001']],
      ['a Chinese substring of an address (address matches: shorter names first)', '长江西路', ['W-P1', 'B-001']],
      ['a two-character term (no trigram)', '合肥', ['B-003', 'B-001', 'B-002']],
      ['a one-character term', '馆', ['B-002']],
      ['two terms, both required, in any field', '蜀山区 科技', ['B-002']],
      ['a long and a short term', '包河区 东区', ['B-004']],
      ['an ID, case-insensitive', 'b-004', ['B-004']],
      ['nothing that matches', '不存在的楼', []],
      ['an empty text', '   ', []],
    ])('finds %s', async (_name, text, expected) => {
      expect(ids((await store.search(text)).assets)).toEqual(expected);
    });

    it('ranks exact ID, ID prefix, exact name, name containing the text, then the rest', async () => {
      // B-001 exact ID; B-0010 ID prefix; hall-b-001 only by name ("B-001 Annex").
      expect(ids((await store.search('B-001')).assets)).toEqual(['B-001', 'B-0010', 'hall-b-001']);
      // 合肥 exact name first, then names containing it (shorter first), then address-only matches.
      expect(ids((await store.search('合肥')).assets)[0]).toBe('B-003');
      await store.replaceDataset('more', [building('M-1', '华府', '合肥大道', 117.1, 31.1), building('M-2', '合肥四中', '路', 117.1, 31.1)]);
      expect(ids((await store.search('合肥')).assets)).toEqual(['B-003', 'M-2', 'B-001', 'B-002', 'M-1']);
    });

    it('orders as the in-browser search over search-index.json does (one rule, two places)', async () => {
      const entries: SearchEntry[] = [...BUILDINGS, ...PIPES].map((a) => ({ id: a.id, name: a.name ?? '', address: a.address ?? '', lonDegrees: 0, latDegrees: 0, heightMetres: 0, layerId: 'x', attributes: {} }));
      for (const text of ['合肥', 'B-001', 'b-00', '长江西路', '蜀山区', '路', 'elm street', 'w-', '100%', 'hall']) {
        expect(ids((await store.search(text)).assets), text).toEqual(ids(searchEntries(entries, text, 20)));
      }
    });

    it('pages best first with offset and limit, and says when more remain', async () => {
      const all = ids((await store.search('B-00')).assets);
      expect(all).toEqual(['B-001', 'B-0010', 'B-002', 'B-003', 'B-004', 'B-005', 'B-006', 'hall-b-001']);
      const first = await store.search('B-00', { limit: 3 });
      expect(ids(first.assets)).toEqual(all.slice(0, 3));
      expect(first.truncated).toBe(true);
      const last = await store.search('B-00', { limit: 3, offset: 6 });
      expect(ids(last.assets)).toEqual(all.slice(6));
      expect(last.truncated).toBe(false);
    });

    it.each([
      ['%', ['B-005']],
      ['_', ['B-005']],
      ['100%', ['B-005']],
      ["O'Brien", ['B-006']],
      ['"Quoted"', ['B-006']],
      ['\\slash', ['B-006']],
      ['Back\\', ['B-006']],
      ["'; DROP TABLE assets; --", []],
      ['" OR 1=1 --', []],
      ['name:合肥', []],
      ['NEAR(合肥 第一)', []],
      ['合肥*', []],
      ['^合肥', []],
      ['AND', []],
      ['(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((', []],
      ['))))', []],
    ])('takes %j literally', async (text, expected) => {
      expect(ids((await store.search(text)).assets)).toEqual(expected);
      expect(await store.count()).toBe(BUILDINGS.length + PIPES.length);
    });

    it.each([
      ['10,000 nested parentheses', `${'('.repeat(10_000)}合肥${')'.repeat(10_000)}`, /longer than 200 characters/],
      ['too many terms', 'a b c d e f g h i', /more than 8 terms/],
      ['a NUL character', '合肥\u0000', /control character/],
      ['an unpaired surrogate', '合肥\ud800', /unpaired surrogate/],
      ['not a string', 42 as unknown as string, /must be a string/],
    ])('rejects %s with a clear error', async (_name, text, message) => {
      const attempt = store.search(text);
      await expect(attempt).rejects.toThrow(AssetQueryError);
      await expect(attempt).rejects.toThrow(message);
    });

    it.each([
      [{ limit: 0 }, /limit must be an integer from 1 to 1000/],
      [{ limit: 1001 }, /limit/],
      [{ limit: 2.5 }, /limit/],
      [{ offset: -1 }, /offset must be/],
      [{ offset: 10_001 }, /offset must be/],
    ])('rejects the page %j', async (page, message) => {
      await expect(store.search('合肥', page)).rejects.toThrow(message);
    });
  });

  describe('spatial queries', () => {
    it('finds the assets whose bounds intersect a bbox, by ID', async () => {
      const page = await store.withinBbox([117.2799, 31.8599, 117.2811, 31.8606]);
      expect(ids(page.assets)).toEqual(['B-001', 'B-002', 'W-P1']);
      expect(page.truncated).toBe(false);
    });

    it('counts a bbox touching an edge as intersecting, and one just past it as not', async () => {
      expect(ids((await store.withinBbox([117.28 + 0.0002, 31.86 + 0.0002, 117.2803, 31.8603], { kinds: ['building'] })).assets)).toEqual(['B-001']);
      expect(ids((await store.withinBbox([117.28021, 31.86021, 117.2803, 31.8603], { kinds: ['building'] })).assets)).toEqual([]);
    });

    it('filters by kind and caps the page', async () => {
      const everything: [number, number, number, number] = [117.2, 31.8, 117.4, 31.95];
      expect(ids((await store.withinBbox(everything, { kinds: ['valve', 'hydrant'] })).assets)).toEqual(['W-H1', 'W-V1', 'W-V2']);
      const capped = await store.withinBbox(everything, { limit: 2 });
      expect(ids(capped.assets)).toEqual(['B-001', 'B-0010']);
      expect(capped.truncated).toBe(true);
    });

    it('gives only the IDs within a bbox, of some kinds, filtered, capped at its limit', async () => {
      const everything: [number, number, number, number] = [117.2, 31.8, 117.4, 31.95];
      expect(await store.idsWithinBbox([117.2799, 31.8599, 117.2811, 31.8606])).toEqual({ ids: ['B-001', 'B-002', 'W-P1'], truncated: false });
      expect(await store.idsWithinBbox(everything, { kinds: ['building'], filter: 'use!=residential' })).toEqual({ ids: ['B-001', 'B-005'], truncated: false });
      // Cut: two of the eight buildings, whichever the index gave first.
      const cut = await store.idsWithinBbox(everything, { kinds: ['building'], limit: 2 });
      expect(cut.truncated).toBe(true);
      expect(cut.ids).toHaveLength(2);
      for (const id of cut.ids) expect(ids(BUILDINGS)).toContain(id);
      // The same IDs as the full query, in the same order, past withinBbox's page of 1,000.
      expect((await store.idsWithinBbox(everything, { limit: 10_000 })).ids).toEqual(ids((await store.withinBbox(everything, { limit: 1_000 })).assets));
      await expect(store.idsWithinBbox(everything, { limit: 10_001 })).rejects.toThrow(/limit must be an integer from 1 to 10000/);
      await expect(store.idsWithinBbox([117.3, 31.8, 117.2, 31.9])).rejects.toThrow(AssetQueryError);
    });

    it.each([
      ['west east of east', [117.3, 31.8, 117.2, 31.9], /west 117.3 is east of east 117.2.*antimeridian/],
      ['south north of north', [117.2, 31.9, 117.3, 31.8], /south 31.9 is north of north 31.8/],
      ['outside degrees', [117.2, 31.8, 500000, 31.9], /outside lon/],
      ['three numbers', [117.2, 31.8, 117.3], /4 finite numbers/],
      ['a NaN', [117.2, Number.NaN, 117.3, 31.9], /4 finite numbers/],
      ['text', ['117.2', '31.8', '117.3', '31.9'], /4 finite numbers/],
    ])('rejects a bbox with %s', async (_name, bbox, message) => {
      const attempt = store.withinBbox(bbox as [number, number, number, number]);
      await expect(attempt).rejects.toThrow(AssetQueryError);
      await expect(attempt).rejects.toThrow(message);
    });

    it('rejects unknown-looking kinds', async () => {
      await expect(store.withinBbox([117.2, 31.8, 117.3, 31.9], { kinds: ["building') OR 1=1 --"] })).rejects.toThrow(/kinds must be/);
      await expect(store.withinBbox([117.2, 31.8, 117.3, 31.9], { kinds: [] })).rejects.toThrow(/kinds must be/);
    });

    it.each([
      ['use=education', ['B-001']],
      ['use=industrial;floors>=6', ['B-005']],
      ['use!=residential', ['B-001', 'B-005']], // the pipes have no use: a missing attribute fails even "!="
      ['floors>6', []],
      ['yearBuilt<2000;height=18', ['B-001', 'B-0010', 'B-002', 'B-003', 'B-005', 'B-006', 'hall-b-001']], // B-004 is 12 m
    ])('filters a bbox by attributes: %s', async (filter, expected) => {
      expect(ids((await store.withinBbox([117.2, 31.8, 117.4, 31.95], { filter })).assets)).toEqual(expected);
    });

    it('counts filter matches over the whole store as the thematic filter does', async () => {
      const everything = [...BUILDINGS, ...PIPES];
      for (const text of ['use=residential', 'use!=residential', 'floors>=6;yearBuilt>=1998', 'height<18', 'stage=operation', '']) {
        const clauses = parseFilter(text);
        const expected = everything.filter((a) => clauses.length === 0 || matchesFilter(clauses, a.attributes as BuildingAttributes)).length;
        expect(await store.countMatching(text), text).toBe(expected);
      }
      expect(await store.countMatching('use=residential', { kinds: ['building'], bbox: [117.2795, 31.8595, 117.2815, 31.861] })).toBe(1); // B-002
      expect(await store.countMatching('', { kinds: ['valve'] })).toBe(2);
    });

    it('counts filter matches among some IDs only (what the 4D date leaves out), bounded', async () => {
      const among = ['B-001', 'B-002', 'B-005', 'W-P1', 'W-V1', 'nope', "B-001' OR '1'='1"];
      expect(await store.countMatching('', { ids: among })).toBe(5);
      expect(await store.countMatching('use!=residential', { ids: among })).toBe(2); // B-001 education, B-005 industrial
      expect(await store.countMatching('use=residential', { ids: among, kinds: ['building'], bbox: [117.2795, 31.8595, 117.2815, 31.861] })).toBe(1); // B-002
      expect(await store.countMatching('', { ids: [] })).toBe(0);
      expect(await store.countMatching('', { ids: Array.from({ length: 10_000 }, (_, i) => `B-00${i}`) })).toBe(7); // B-001…B-006 and B-0010 ("B-00" + "10")
      await expect(store.countMatching('', { ids: Array.from({ length: 10_001 }, (_, i) => `X${i}`) })).rejects.toThrow(/at most 10000 IDs/);
      await expect(store.countMatching('', { ids: [1, 2] as unknown as string[] })).rejects.toThrow(AssetQueryError);
    });

    it.each([
      ['use=castle', /filter: clause 1: "castle" is not a use/],
      ["floors>'; DROP TABLE assets; --", /floors needs a number/],
      ['colour=red', /unknown attribute "colour"/],
      [`${'('.repeat(10_000)}use=residential${')'.repeat(10_000)}`, /filter is longer than 500 characters/],
      [Array.from({ length: 17 }, () => 'use=residential').join(';'), /more than 16 clauses/],
    ])('rejects the filter %j with a clear error', async (filter, message) => {
      await expect(store.withinBbox([117.2, 31.8, 117.4, 31.95], { filter })).rejects.toThrow(AssetQueryError);
      await expect(store.withinRadius(117.28, 31.86, 100, { filter })).rejects.toThrow(message);
      await expect(store.countMatching(filter)).rejects.toThrow(message);
    });

    it('filters a radius by attributes', async () => {
      expect((await store.withinRadius(117.2801, 31.8601, 250, { filter: 'use=residential' })).hits.map((h) => h.asset.id)).toEqual(['B-002', 'B-003']);
    });

    it('finds the assets within a radius of a point, nearest first, with great-circle distances', async () => {
      const [lon, lat] = [117.2801, 31.8601];
      const { hits, truncated } = await store.withinRadius(lon, lat, 250);
      // B-001 at 0 m; B-002 ≈ 106 m; B-003 ≈ 212 m; W-V1 ≈ 156 m; W-V2 and the pipe's position lie farther.
      expect(hits.map((h) => h.asset.id)).toEqual(['B-001', 'B-002', 'W-V1', 'B-003']);
      expect(truncated).toBe(false);
      for (const hit of hits) {
        const expected = greatCircleDistanceMetres(lon, lat, hit.asset.position[0], hit.asset.position[1]);
        expect(hit.distanceMetres).toBeCloseTo(expected, 3);
      }
      expect(hits.map((h) => h.distanceMetres)).toEqual([...hits.map((h) => h.distanceMetres)].sort((a, b) => a - b));
    });

    it('filters a radius by kind and caps it', async () => {
      expect((await store.withinRadius(117.2801, 31.8601, 250, { kinds: ['valve'] })).hits.map((h) => h.asset.id)).toEqual(['W-V1']);
      const capped = await store.withinRadius(117.2801, 31.8601, 250, { limit: 1 });
      expect(capped.hits.map((h) => h.asset.id)).toEqual(['B-001']);
      expect(capped.truncated).toBe(true);
    });

    it.each([
      [117.28, 31.86, -1, /radius must be 0 to 50000 metres/],
      [117.28, 31.86, 1e9, /radius/],
      [117.28, Number.NaN, 100, /centre/],
      [1e6, 31.86, 100, /centre/],
    ])('rejects the circle (%s, %s, %s m)', async (lon, lat, metres, message) => {
      await expect(store.withinRadius(lon, lat, metres)).rejects.toThrow(message);
    });
  });

  describe('streaming', () => {
    const collect = async (stream: AsyncIterable<{ id: string }>) => {
      const found: string[] = [];
      for await (const asset of stream) found.push(asset.id);
      return found;
    };

    it("streams a dataset's assets of some kinds, whole, and nothing of the other datasets", async () => {
      const pipes = [];
      for await (const asset of store.streamAssets({ dataset: 'district-water', kinds: ['pipe'] })) pipes.push(asset);
      expect(pipes).toEqual([await store.get('W-P1')]);
      expect((await collect(store.streamAssets({ dataset: 'district-water', kinds: ['valve', 'hydrant'] }))).sort()).toEqual(['W-H1', 'W-V1', 'W-V2']);
      expect((await collect(store.streamAssets({ dataset: 'district-water' }))).sort()).toEqual(ids(PIPES).sort());
      expect(await collect(store.streamAssets({ dataset: 'district-buildings', kinds: ['pipe', 'valve'] }))).toEqual([]);
      expect(await collect(store.streamAssets({ dataset: 'elsewhere' }))).toEqual([]);
      expect((await collect(store.streamAssets())).length).toBe(BUILDINGS.length + PIPES.length);
    });

    it('streams the assets within a bbox, of some kinds', async () => {
      expect((await collect(store.streamAssets({ bbox: [117.2799, 31.8599, 117.2811, 31.8606] }))).sort()).toEqual(['B-001', 'B-002', 'W-P1']);
      expect(await collect(store.streamAssets({ bbox: [117.2799, 31.8599, 117.2811, 31.8606], kinds: ['building'], dataset: 'district-water' }))).toEqual([]);
      expect((await collect(store.streamAssets({ bbox: [117.2799, 31.8599, 117.2811, 31.8606], kinds: ['building'] }))).sort()).toEqual(['B-001', 'B-002']);
    });

    it('streams past its pages (2,000 rows each) without holding the store: other queries run between pages', async () => {
      async function* generate() {
        for (let i = 0; i < 4_500; i++) yield { id: `S-${String(i).padStart(5, '0')}`, kind: i % 3 === 0 ? 'valve' : 'pipe', geometry: { type: 'Point' as const, coordinates: [117.2 + (i % 100) * 0.001, 31.8 + Math.floor(i / 100) * 0.001] as [number, number] } };
      }
      await store.replaceDataset('streamed', generate());
      const seen = new Set<string>();
      let between = 0;
      for await (const asset of store.streamAssets({ dataset: 'streamed', kinds: ['pipe'] })) {
        expect(asset.kind).toBe('pipe');
        seen.add(asset.id);
        // A query of its own on the same store while the stream is open.
        if (seen.size % 1_000 === 0) between += (await store.get(asset.id)) ? 1 : 0;
      }
      expect(seen.size).toBe(3_000);
      expect(between).toBe(3);
      expect(await collect(store.streamAssets({ dataset: 'streamed', kinds: ['valve'], bbox: [117.2, 31.8, 117.2005, 31.8005] }))).toEqual(['S-00000']);
    });

    it('rejects bad options before reading', async () => {
      await expect(collect(store.streamAssets({ dataset: "x' OR 1=1" }))).rejects.toThrow(AssetInputError);
      await expect(collect(store.streamAssets({ kinds: ["pipe') --"] }))).rejects.toThrow(/kinds must be/);
      await expect(collect(store.streamAssets({ bbox: [117.3, 31.8, 117.2, 31.9] }))).rejects.toThrow(AssetQueryError);
    });
  });
});

describe('SQLite: 1–2 character terms', () => {
  const SHORT_SEARCHES = ['合肥', '馆', '%', '_', '合肥 第一中学', 'b-', '蜀山区 科技', '区', 'o'];
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'asset-store-short-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const loaded = async (path: string, options?: { maximumShortTermTrigrams?: number }) => {
    const store = await SqliteAssetStore.open(path, options);
    await store.replaceDataset('district-buildings', BUILDINGS);
    await store.replaceDataset('district-water', PIPES);
    return store;
  };

  it('finds the same through the trigram vocabulary as by LIKE', async () => {
    const indexed = await loaded(join(directory, 'indexed.sqlite'));
    const scanned = await loaded(join(directory, 'scanned.sqlite'), { maximumShortTermTrigrams: 0 });
    try {
      for (const text of SHORT_SEARCHES) {
        const expected = ids((await scanned.search(text)).assets);
        expect(ids((await indexed.search(text)).assets), text).toEqual(expected);
      }
      expect(ids((await scanned.search('馆')).assets)).toEqual(['B-002']);
      // The vocabulary look-up is what the indexed store used: a 2-character term starts trigrams.
      const trigrams = indexed.db.prepare("SELECT term FROM assets_trigrams WHERE term >= '合肥' AND term < '合肥\u{10FFFF}'").all() as { term: string }[];
      expect(trigrams.map((t) => t.term)).toEqual(expect.arrayContaining(['合肥市', '合肥科', '合肥路', '合肥\u0001']));
    } finally {
      await indexed.close();
      await scanned.close();
    }
  });

  it('re-indexes a version 1 store (values indexed without the end marker)', async () => {
    const path = join(directory, 'v1.sqlite');
    const store = await loaded(path);
    store.db.exec(`DROP TABLE assets_trigrams; DROP TABLE assets_text;
      CREATE VIRTUAL TABLE assets_text USING fts5(id, name, address, tokenize = 'trigram', content = '', contentless_delete = 1);
      INSERT INTO assets_text (rowid, id, name, address) SELECT row, id, name, address FROM assets;
      PRAGMA user_version = 1;`);
    await store.close();
    const reopened = await SqliteAssetStore.open(path);
    try {
      expect(reopened.db.pragma('user_version', { simple: true })).toBe(5);
      // Schema 5's index of every filter column, which a count of two or more clauses is forced onto.
      expect(reopened.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'assets_filter'").get()).toBeTruthy();
      expect(await reopened.countMatching('floors>=1;yearBuilt>=1900')).toBe(await reopened.countMatching('floors>=1'));
      expect(ids((await reopened.search('合肥')).assets)).toEqual(['B-003', 'B-001', 'B-002']);
      expect(ids((await reopened.search('第一中学')).assets)).toEqual(['B-001']);
    } finally {
      await reopened.close();
    }
  });
});

describe('SQLite: broad searches ranked in tiers', () => {
  const QUERIES = ['花园', '绿地', '长江西路', '蜀山区', 's1', 'S12', '3栋', '合肥', 'b-00', '绿地花园1栋', '区 路', '号', 'S', '万科 华府'];
  const PAGES = [{ limit: 1 }, { limit: 3 }, { limit: 2, offset: 1 }, { limit: 1, offset: 3 }, { limit: 4 }];
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'asset-store-broad-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('gives the same pages as ranking every match', async () => {
    const open = async (name: string, broadSearchMatches: number, maximumShortTermTrigrams?: number) => {
      const store = await SqliteAssetStore.open(join(directory, name), { broadSearchMatches, maximumShortTermTrigrams });
      await store.replaceDataset('district-buildings', BUILDINGS);
      await store.replaceDataset('synthetic', syntheticAssets(1_500));
      return store;
    };
    const full = await open('full.sqlite', 1e9);
    // Tiers over the trigram index, and over LIKE for the short terms (none may expand to trigrams).
    const tieredStores = [await open('tiered.sqlite', 10), await open('tiered-like.sqlite', 10, 0)];
    try {
      for (const tiered of tieredStores) {
        for (const text of QUERIES) {
          for (const page of PAGES) {
            const expected = await full.search(text, page);
            const got = await tiered.search(text, page);
            expect({ ids: ids(got.assets), truncated: got.truncated }, `${text} ${JSON.stringify(page)}`).toEqual({ ids: ids(expected.assets), truncated: expected.truncated });
          }
        }
        expect(tiered.statistics.broadSearches).toBeGreaterThan(QUERIES.length * 2);
      }
      expect(full.statistics.broadSearches).toBe(0);
    } finally {
      for (const store of [full, ...tieredStores]) await store.close();
    }
  });
});

describe('PostgreSQL: broad searches ranked in tiers', () => {
  const QUERIES = ['花园', '绿地', '长江西路', '蜀山区', 's1', 'S12', '3栋', '合肥', 'b-00', '绿地花园1栋', '区 路', '号', 'S', '万科 华府'];
  const PAGES = [{ limit: 1 }, { limit: 3 }, { limit: 2, offset: 1 }, { limit: 1, offset: 3 }, { limit: 4 }];
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    if (reachability.reachable) database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('gives the same pages as ranking every match', async (context) => {
    if (!reachability.reachable) context.skip(reachability.reason);
    const full = await PostgresAssetStore.open(database!.url, { broadSearchMatches: 1e9 });
    // A broad tier is found among the shortest names, or ranked whole (up to a cap), or walked
    // without a bound: each way alone, and the three in turn (a short prefix, a small cap).
    const tieredStores = await Promise.all([
      { tierWalkPrefix: 0, tierSortCap: 0 },
      { tierWalkPrefix: 0, tierSortCap: 1e9 },
      { tierWalkPrefix: 1e9, tierSortCap: 0 },
      { tierWalkPrefix: 20, tierSortCap: 30 },
    ].map((tiers) => PostgresAssetStore.open(database!.url, { broadSearchMatches: 10, ...tiers })));
    try {
      await full.replaceDataset('district-buildings', BUILDINGS);
      await full.replaceDataset('synthetic', syntheticAssets(1_500));
      for (const tiered of tieredStores) {
        for (const text of QUERIES) {
          for (const page of PAGES) {
            const expected = await full.search(text, page);
            const got = await tiered.search(text, page);
            expect({ ids: ids(got.assets), truncated: got.truncated }, `${text} ${JSON.stringify(page)}`).toEqual({ ids: ids(expected.assets), truncated: expected.truncated });
          }
        }
        expect(tiered.statistics.broadSearches).toBeGreaterThan(QUERIES.length * 2);
      }
      expect(full.statistics.broadSearches).toBe(0);
    } finally {
      for (const store of [full, ...tieredStores]) await store.close();
    }
  });
  it('migrates a schema-3 store to 6: one table becomes a partition per dataset, the search text moves to asset_search, searches find the same, datasets get generations', async (context) => {
    if (!reachability.reachable) context.skip(reachability.reason);
    const client = new pg.Client({ connectionString: database!.url });
    await client.connect();
    try {
      const store = await PostgresAssetStore.open(database!.url);
      await store.replaceDataset('district-buildings', BUILDINGS);
      await store.replaceDataset('district-water', PIPES);
      const before = await Promise.all(['花园', '长江西路', 's1'].map(async (q) => ids((await store.search(q, { limit: 50 })).assets)));
      await store.close();
      // Schema 3: one assets table for every dataset, the search text a generated column of it, with its indexes there.
      await client.query(`CREATE TABLE assets_single AS SELECT * FROM assets;
        DROP TABLE asset_search, asset_datasets, assets;
        ALTER TABLE assets_single RENAME TO assets;
        ALTER TABLE assets ADD PRIMARY KEY (id);
        CREATE INDEX assets_dataset ON assets (dataset);
        CREATE INDEX assets_geometry ON assets USING gist (geometry);
        ALTER TABLE assets ADD COLUMN search_text text GENERATED ALWAYS AS (lower(id || E'\\n' || name || E'\\n' || address)) STORED;
        CREATE INDEX assets_search ON assets USING gin (search_text gin_trgm_ops);
        CREATE INDEX assets_name_search ON assets USING gin (lower(name) gin_trgm_ops);
        UPDATE asset_store_schema SET version = 3`);
      const reopened = await PostgresAssetStore.open(database!.url);
      try {
        expect((await client.query('SELECT version FROM asset_store_schema')).rows).toEqual([{ version: 6 }]);
        const partitions = await client.query("SELECT c.relname AS parent, count(*)::int AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent WHERE c.relname IN ('assets', 'asset_search') GROUP BY c.relname ORDER BY c.relname");
        const datasets = (await reopened.datasets()).length;
        expect(datasets).toBeGreaterThanOrEqual(2);
        expect(partitions.rows).toEqual([{ parent: 'asset_search', n: datasets }, { parent: 'assets', n: datasets }]);
        expect(await reopened.count('district-water')).toBe(PIPES.length);
        expect([...(await reopened.datasetGenerations()).keys()].sort()).toEqual((await reopened.datasets()).map((d) => d.dataset).sort());
        expect((await client.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'assets' AND column_name = 'search_text'")).rows).toEqual([{ n: 0 }]);
        expect((await client.query('SELECT count(*)::int AS n FROM asset_search')).rows).toEqual((await client.query('SELECT count(*)::int AS n FROM assets')).rows);
        expect((await client.query("SELECT indexdef FROM pg_indexes WHERE indexname = 'asset_search_text'")).rows[0]?.indexdef).toMatch(/gin \(search_text gin_trgm_ops\)/);
        const after = await Promise.all(['花园', '长江西路', 's1'].map(async (q) => ids((await reopened.search(q, { limit: 50 })).assets)));
        expect(after).toEqual(before);
        expect(after.flat().length).toBeGreaterThan(0);
      } finally {
        await reopened.close();
      }
    } finally {
      await client.end();
    }
  });
});

describe('PostgreSQL: a partition per dataset', () => {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    if (reachability.reachable) database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('a load swaps in its partitions with their indexes taken as the parents\', and a failed load leaves no table behind', async (context) => {
    if (!reachability.reachable) context.skip(reachability.reason);
    const store = await PostgresAssetStore.open(database!.url);
    const client = new pg.Client({ connectionString: database!.url });
    await client.connect();
    try {
      await store.replaceDataset('district-buildings', BUILDINGS);
      await store.replaceDataset('district-water', PIPES);
      await store.replaceDataset('district-buildings', BUILDINGS.slice(1));
      await expect(store.replaceDataset('district-water', [...PIPES, BUILDINGS[1]!])).rejects.toThrow(/already belongs to dataset district-buildings/);
      const tables = await client.query("SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 'asset%part%'");
      expect(tables.rows).toHaveLength(4);
      // Every index of a partition is one of its parent's (none built twice by ATTACH, none missing).
      const indexes = await client.query(`SELECT p.relname AS parent, count(*)::int AS n, count(*) FILTER (WHERE ii.inhparent IS NOT NULL)::int AS attached
        FROM pg_inherits t JOIN pg_class p ON p.oid = t.inhparent JOIN pg_index x ON x.indrelid = t.inhrelid LEFT JOIN pg_inherits ii ON ii.inhrelid = x.indexrelid
        WHERE p.relname IN ('assets', 'asset_search') GROUP BY p.relname ORDER BY p.relname`);
      const parentIndexes = async (table: string) => Number((await client.query('SELECT count(*) AS n FROM pg_index WHERE indrelid = $1::regclass', [table])).rows[0].n);
      expect(indexes.rows).toEqual([
        { parent: 'asset_search', n: 2 * (await parentIndexes('asset_search')), attached: 2 * (await parentIndexes('asset_search')) },
        { parent: 'assets', n: 2 * (await parentIndexes('assets')), attached: 2 * (await parentIndexes('assets')) },
      ]);
      expect(await store.count('district-buildings')).toBe(BUILDINGS.length - 1);
      expect(await store.count('district-water')).toBe(PIPES.length);
    } finally {
      await client.end();
      await store.close();
    }
  });
});
