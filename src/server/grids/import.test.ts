/** The grid importer (npm run grids): a user's GeoJSON or shapefile in, bad input refused whole, naming the feature. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import write from '@mapbox/shp-write/src/write.js';
import { generateDistrict, localToGaussKruger } from '../../demo/district.ts';
import { generateGrids } from '../../demo/grids.ts';
import type { Position } from '../../domain/grids/grids.ts';
import { runGridImport } from '../../../scripts/grids.ts';
import { openGridStore } from './grid-store.ts';
import { parseWorkers } from './import.ts';

const square = (west: number, south: number, size = 0.01): Position[] => [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]];
const feature = (code: string, ring: Position[], properties: Record<string, unknown> = {}) => ({ type: 'Feature', properties: { code, name: `网格${code}`, workers: '网格员 李明 0757-82000001、王芳', ...properties }, geometry: { type: 'Polygon', coordinates: [ring] } });
const GOOD = [feature('44060400100101', square(113, 23)), feature('44060400100102', square(113.01, 23))];

let directory: string;
let database: string;
const geojson = (name: string, features: object[], extra: object = {}) => {
  const path = join(directory, name);
  writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', ...extra, features }));
  return path;
};
async function run(file: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runGridImport([file, '--database', database], (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}
async function storedCodes(): Promise<string[]> {
  const store = await openGridStore(database);
  try {
    return (await store.list({ level: 'unit', bbox: [-180, -90, 180, 90] })).grids.map((g) => g.code);
  } finally {
    await store.close();
  }
}

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'grid-import-'));
  database = join(directory, 'grids.sqlite');
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('npm run grids', () => {
  it('imports a GeoJSON file: codes, names, grid workers', async () => {
    const result = await run(geojson('good.geojson', GOOD));
    expect(result).toMatchObject({ code: 0, err: [] });
    expect(result.out[0]).toMatch(/2 grids in the grid store/);
    const store = await openGridStore(database);
    expect(await store.get('44060400100101')).toMatchObject({ name: '网格44060400100101', level: 'unit', parentCode: '440604001001', workers: [{ name: '网格员 李明', phone: '0757-82000001' }, { name: '王芳' }] });
    await store.close();
  });

  it('reprojects a file in a projected CRS (the demo grids in EPSG:4547) and replaces the grids', async () => {
    const district = generateDistrict();
    const projected = generateGrids(district, localToGaussKruger()).map((g) => ({ type: 'Feature', properties: { code: g.code, name: g.name, workers: g.workers }, geometry: g.geometry }));
    const path = geojson('projected.geojson', projected, { crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4547' } } });
    expect((await run(path)).code).toBe(0);
    const store = await openGridStore(database);
    expect(await store.count()).toBe(93);
    const lonLat = generateGrids(district).find((g) => g.code === '44060400100105')!;
    const ring = (lonLat.geometry.coordinates as Position[][])[0]!;
    const inside: Position = [(ring[0]![0] + ring[2]![0]) / 2, (ring[0]![1] + ring[2]![1]) / 2];
    expect((await store.containing(inside[0], inside[1], 'unit'))?.code).toBe('44060400100105');
    await store.close();
    // Back to the two grids, for the refusals below.
    expect((await run(geojson('good.geojson', GOOD))).code).toBe(0);
  });

  it('imports a shapefile', async () => {
    const files = await new Promise<{ shp: DataView; shx: DataView; dbf: DataView }>((resolve, reject) =>
      write([{ code: '44060400100101', name: 'A' }, { code: '44060400100102', name: 'B' }], 'POLYGON', [[square(113, 23)], [square(113.01, 23)]], (error: unknown, result: { shp: DataView; shx: DataView; dbf: DataView }) => (error ? reject(error as Error) : resolve(result))));
    const bytes = (view: DataView) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    for (const extension of ['shp', 'shx', 'dbf'] as const) writeFileSync(join(directory, `grids.${extension}`), bytes(files[extension]));
    const result = await run(join(directory, 'grids.shp'));
    expect(result.err).toEqual([]);
    expect(await storedCodes()).toEqual(['44060400100101', '44060400100102']);
  });

  it.each([
    ['a self-intersecting polygon (a bow tie)', [GOOD[0]!, feature('44060400100103', [[113, 23.01], [113.01, 23.02], [113.01, 23.01], [113, 23.02], [113, 23.01]])], /feature 1 \(44060400100103\): invalid geometry: ring 0 intersects itself/],
    ['a ring that is not closed', [feature('44060400100103', square(113, 23.01).slice(0, 4))], /feature 0 \(44060400100103\): invalid geometry: ring 0 is not closed/],
    ['a point, not a polygon', [{ type: 'Feature', properties: { code: '44060400100103', name: 'x' }, geometry: { type: 'Point', coordinates: [113, 23] } }], /feature 0 \(44060400100103\): invalid geometry: geometry type "Point"/],
    ['coordinates that are not degrees', [feature('44060400100103', square(500_000, 2_500_000, 100))], /feature 0 \(44060400100103\): invalid geometry: ring 0, position 0 \[500000, 2500000\] is not lon\/lat degrees/],
    ['two unit grids overlapping', [...GOOD, feature('44060400100103', square(113.005, 23.005))], /feature 2 \(44060400100103\): overlaps feature [01] \(4406040010010[12]\), another unit grid/],
    ['an unknown county-level division', [feature('11010100100101', square(113, 23.01))], /feature 0 \(11010100100101\): grid code 11010100100101: county-level division 110101 is not one of this platform's/],
    ['an invalid code', [feature('4406040010A101', square(113, 23.01))], /feature 0 \(4406040010A101\): grid code "4406040010A101" must be digits only/],
    ['a district code, which is not a grid', [feature('440604', square(113, 23.01))], /feature 0 \(440604\): grid code 440604 names a district/],
    ['a level that disagrees with the code', [feature('44060400100103', square(113, 23.01), { level: 'community' })], /level "community" does not agree with its code, which names a unit/],
    ['no code', [feature('', square(113, 23.01))], /feature 0: no grid code/],
    ['a code twice', [...GOOD, feature('44060400100101', square(113.05, 23))], /feature 2 \(44060400100101\): grid code 44060400100101 is also feature 0's/],
  ])('refuses %s: exit 1 naming the file, the feature and the reason; nothing stored', async (_name, features, message) => {
    const path = geojson('bad.geojson', features);
    const result = await run(path);
    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toContain(`${path}: `);
    expect(result.err[0]).toMatch(message);
    expect(result.err[0]).toMatch(/nothing was stored$/);
    expect(await storedCodes()).toEqual(['44060400100101', '44060400100102']);
  });

  it('refuses a file it cannot read, and a usage without a file', async () => {
    const missing = await run(join(directory, 'missing.geojson'));
    expect(missing.code).toBe(1);
    expect(missing.err[0]).toMatch(/missing\.geojson: cannot read the file/);
    const broken = join(directory, 'broken.geojson');
    writeFileSync(broken, '{"type":"FeatureCollection","features":[{"type":');
    expect((await run(broken)).code).toBe(1);
    expect(await runGridImport([], () => {}, () => {})).toBe(2);
    expect(await storedCodes()).toEqual(['44060400100101', '44060400100102']);
  });
});

describe('grid workers', () => {
  it('reads a list, or text with phones', () => {
    expect(parseWorkers('李明 13800000000、王芳；张伟')).toEqual([{ name: '李明', phone: '13800000000' }, { name: '王芳' }, { name: '张伟' }]);
    expect(parseWorkers([{ name: '李明', phone: '1' }, '王芳'])).toEqual([{ name: '李明', phone: '1' }, { name: '王芳' }]);
    expect(parseWorkers(undefined)).toEqual([]);
  });
});
