/** One suite for the grid store, run against both backends (testing/backends.ts). */
import { describe, expect, it } from 'vitest';
import { eachFreshStore } from '../testing/store-backends.ts';
import { generateDistrict } from '../../demo/district.ts';
import { generateGrids } from '../../demo/grids.ts';
import type { GridInput, Position } from '../../domain/grids/grids.ts';
import { GridInputError, GridQueryError, type GridStore } from './grid-store.ts';
import { gridBackends } from './testing/backends.ts';

const square = (west: number, south: number, size: number): Position[] => [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]];
const unit = (code: string, west: number, south: number, size = 0.01): GridInput => ({ code, name: `网格 ${code}`, workers: [{ name: '网格员 李明', phone: '0757-82000001' }], geometry: { type: 'Polygon', coordinates: [square(west, south, size)] } });

/** Four unit grids meeting at (113.01, 23.01), in a community. */
const FOUR: GridInput[] = [
  { code: '440604001001', name: '普君社区', geometry: { type: 'Polygon', coordinates: [square(113, 23, 0.02)] } },
  unit('44060400100104', 113.01, 23.01),
  unit('44060400100103', 113, 23.01),
  unit('44060400100102', 113.01, 23),
  unit('44060400100101', 113, 23),
];

const BACKENDS = await gridBackends('grid-store');
const demoGrids = generateGrids(generateDistrict());

describe.each(BACKENDS)('grid store on $name', (backend) => {
  let store: GridStore;
  let location: string;

  eachFreshStore(backend, (fresh) => ({ store, location } = fresh));

  it('opens the backend its location names', () => {
    expect(store.backend).toBe(location.startsWith('postgres://') ? 'postgres' : 'sqlite');
  });

  it('keeps a grid with its level, parent, name, workers and geometry; answers it by code', async () => {
    expect(await store.replaceAll(FOUR)).toBe(5);
    const grid = await store.get('44060400100102');
    expect(grid).toEqual({
      code: '44060400100102', level: 'unit', parentCode: '440604001001', name: '网格 44060400100102', workers: [{ name: '网格员 李明', phone: '0757-82000001' }],
      geometry: { type: 'Polygon', coordinates: [square(113.01, 23, 0.01)] }, bbox: [113.01, 23, 113.01 + 0.01, 23 + 0.01],
    });
    expect(await store.get('440604001001')).toMatchObject({ level: 'community', parentCode: '440604001', workers: [] });
    expect(await store.get('44060400100109')).toBeUndefined();
    expect(await store.count()).toBe(5);
    expect(await store.count('unit')).toBe(4);
  });

  it('finds the grid containing a point, per level', async () => {
    await store.replaceAll(FOUR);
    expect((await store.containing(113.015, 23.005, 'unit'))?.code).toBe('44060400100102');
    expect((await store.containing(113.005, 23.015, 'unit'))?.code).toBe('44060400100103');
    expect((await store.containing(113.005, 23.015, 'community'))?.code).toBe('440604001001');
    expect(await store.containing(113.005, 23.015, 'street')).toBeUndefined();
    expect(await store.containing(113.03, 23.005, 'unit')).toBeUndefined();
    await expect(store.containing(200, 23, 'unit')).rejects.toThrow(GridQueryError);
  });

  it('gives a point on a shared edge or corner to the grid with the lowest code, whatever the load order', async () => {
    await store.replaceAll(FOUR);
    // The edge 01 | 02 (x = 113.01, below the corner), the edge 02 | 04, and the corner all four share.
    expect((await store.containing(113.01, 23.005, 'unit'))?.code).toBe('44060400100101');
    expect((await store.containing(113.015, 23.01, 'unit'))?.code).toBe('44060400100102');
    expect((await store.containing(113.01, 23.01, 'unit'))?.code).toBe('44060400100101');
    // The outer boundary is covered too.
    expect((await store.containing(113.02, 23.015, 'unit'))?.code).toBe('44060400100104');
  });

  it('places many points at once in the finest grid covering each, as containing does level by level', async () => {
    await store.replaceAll([...FOUR.filter((g) => g.code !== '44060400100103'), { code: '440604001', name: '祖庙街道', geometry: { type: 'Polygon', coordinates: [square(112.99, 22.99, 0.04)] } }]);
    const points: [number, number][] = [
      [113.015, 23.005], // unit 02
      [113.005, 23.015], // no unit grid there (03 left out): the community
      [112.995, 22.995], // outside the community: the street
      [113.03, 23.005], // in the street only
      [113.5, 23.5], // outside everything
      [113.01, 23.01], // the corner unit grids share: the lowest code
    ];
    expect(await store.place(points)).toEqual(['44060400100102', '440604001001', '440604001', '440604001', undefined, '44060400100101']);
    expect(await store.place([])).toEqual([]);
    // The same answer as containing, finest level first, over a grid of points.
    const many: [number, number][] = [];
    for (let i = 0; i <= 30; i++) for (let j = 0; j <= 30; j++) many.push([112.985 + i * 0.0015, 22.985 + j * 0.0015]);
    const placed = await store.place(many);
    for (let k = 0; k < many.length; k++) {
      const [lon, lat] = many[k]!;
      const expected = (await store.containing(lon, lat, 'unit')) ?? (await store.containing(lon, lat, 'community')) ?? (await store.containing(lon, lat, 'street'));
      expect(placed[k], `${lon},${lat}`).toBe(expected?.code);
    }
    await expect(store.place([[200, 23]])).rejects.toThrow(GridQueryError);
  });

  it('lists one level in a bbox by code, a page at a time', async () => {
    await store.replaceAll(FOUR);
    const page = await store.list({ level: 'unit', bbox: [113.012, 23.002, 113.03, 23.03] });
    expect(page.grids.map((g) => g.code)).toEqual(['44060400100102', '44060400100104']);
    expect(page.truncated).toBe(false);
    const first = await store.list({ level: 'unit', bbox: [112, 22, 114, 24], limit: 3 });
    expect(first.grids.map((g) => g.code)).toEqual(['44060400100101', '44060400100102', '44060400100103']);
    expect(first.truncated).toBe(true);
    const next = await store.list({ level: 'unit', bbox: [112, 22, 114, 24], limit: 3, offset: 3 });
    expect(next).toMatchObject({ truncated: false, grids: [{ code: '44060400100104' }] });
    expect((await store.list({ level: 'community', bbox: [113.012, 23.002, 113.03, 23.03] })).grids.map((g) => g.code)).toEqual(['440604001001']);
    expect((await store.list({ level: 'unit', bbox: [114, 24, 115, 25] })).grids).toEqual([]);
    await expect(store.list({ level: 'unit', bbox: [112, 22, 114, 24], limit: 5_000 })).rejects.toThrow(/limit/);
  });

  it('refuses a bad set whole, naming the feature, and keeps what it had', async () => {
    await store.replaceAll(FOUR);
    const overlapping = [...FOUR, unit('44060400100105', 113.005, 23.005)];
    await expect(store.replaceAll(overlapping)).rejects.toThrow(/feature 5 \(44060400100105\): overlaps feature \d \(4406040010010\d\), another unit grid/);
    await expect(store.replaceAll([unit('4406040010010', 113, 23)])).rejects.toThrow(GridInputError);
    await expect(store.replaceAll([...FOUR, unit('44060400100101', 114, 24)])).rejects.toThrow(/feature 5 \(44060400100101\): grid code 44060400100101 is also feature 4's/);
    expect(await store.count()).toBe(5);
    expect((await store.containing(113.005, 23.005, 'unit'))?.code).toBe('44060400100101');
  });

  it('replaces every grid with a new set', async () => {
    await store.replaceAll(FOUR);
    await store.replaceAll([unit('44060400200101', 113.1, 23.1)]);
    expect(await store.count()).toBe(1);
    expect(await store.get('44060400100101')).toBeUndefined();
    expect((await store.containing(113.105, 23.105, 'unit'))?.code).toBe('44060400200101');
  });

  it("holds the demo's grids: each street crossing on a boundary goes to the lowest code of the grids touching it", async () => {
    expect(await store.replaceAll(demoGrids)).toBe(93);
    expect(await store.count('street')).toBe(3);
    expect(await store.count('community')).toBe(9);
    expect(await store.count('unit')).toBe(81);
    // Every unit grid's interior point is in it, and in its community and street.
    for (const grid of demoGrids.filter((g) => g.code.length === 14).slice(0, 20)) {
      const ring = (grid.geometry.coordinates as Position[][])[0]!;
      const [lon, lat] = [(ring[0]![0] + ring[2]![0]) / 2, (ring[0]![1] + ring[2]![1]) / 2];
      expect((await store.containing(lon, lat, 'unit'))?.code).toBe(grid.code);
      expect((await store.containing(lon, lat, 'community'))?.code).toBe(grid.code.slice(0, 12));
      expect((await store.containing(lon, lat, 'street'))?.code).toBe(grid.code.slice(0, 9));
    }
    // A crossing shared by unit grids 01, 02, 04 and 05 of the first community.
    const corner = (demoGrids.find((g) => g.code === '44060400100105')!.geometry.coordinates as Position[][])[0]![0]!;
    expect((await store.containing(corner[0], corner[1], 'unit'))?.code).toBe('44060400100101');
  });
});
