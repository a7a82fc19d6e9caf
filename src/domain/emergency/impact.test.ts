import { describe, expect, it } from 'vitest';
import { localProjection } from '../geometry.ts';
import type { PipeNetwork, PipelineType, PointAsset } from '../pipelines.ts';
import { assetsNear, buildingsInRings, estimateOccupancy, ringRadii, type ImpactBuilding, type ImpactRules } from './impact.ts';
import { adjacentUndergroundSpaces } from './underground-spaces.ts';

const ORIGIN = { lonDegrees: 113.12, latDegrees: 23.02 };
const { toLonLat } = localProjection(ORIGIN.lonDegrees, ORIGIN.latDegrees);
/** A building at x metres east and y north of the origin. */
const at = (id: string, x: number, y: number, extra: Partial<ImpactBuilding> = {}): ImpactBuilding => {
  const [lonDegrees, latDegrees] = toLonLat(x, y);
  return { id, lonDegrees, latDegrees, ...extra };
};
const rules: ImpactRules = { ringsMetres: { 'gas-leak': [100, 50] }, personsPerSquareMetre: { residential: 0.03, office: 0.1, other: 0.02 }, storeyHeightMetres: 3 };

describe('impact rings', () => {
  it('puts each building in the innermost ring containing it; the bound belongs to the inner ring', () => {
    const rings = buildingsInRings([at('a', 10, 0), at('b', 50, 0), at('c', 0, 50.5), at('d', 99, 0), at('e', 101, 0)], ORIGIN.lonDegrees, ORIGIN.latDegrees, ringRadii('gas-leak', rules), rules);
    expect(rings.map((r) => [r.innerMetres, r.outerMetres, r.buildings.map((b) => b.id)])).toEqual([
      [0, 50, ['a', 'b']],
      [50, 100, ['c', 'd']],
    ]);
    expect(rings[0]!.buildings[1]!.distanceMetres).toBeCloseTo(50, 1);
  });

  it('estimates occupancy as footprint × floors × density, from the height when floors are missing', () => {
    expect(estimateOccupancy({ id: 'r', lonDegrees: 0, latDegrees: 0, use: 'residential', floors: 10, footprintSquareMetres: 500 }, rules)).toBe(150);
    expect(estimateOccupancy({ id: 'o', lonDegrees: 0, latDegrees: 0, use: 'office', heightMetres: 30, footprintSquareMetres: 1000 }, rules)).toBe(1000);
    expect(estimateOccupancy({ id: 'x', lonDegrees: 0, latDegrees: 0, use: 'castle', floors: 1, footprintSquareMetres: 100 }, rules)).toBe(2);
    expect(estimateOccupancy({ id: 'n', lonDegrees: 0, latDegrees: 0, use: 'office', floors: 3 }, rules)).toBeUndefined();
    const [ring] = buildingsInRings([at('r', 5, 0, { use: 'residential', floors: 10, footprintSquareMetres: 500 }), at('n', 6, 0, { use: 'office' })], ORIGIN.lonDegrees, ORIGIN.latDegrees, [50], rules);
    expect(ring!.occupancy).toBe(150);
    expect(ring!.buildings.find((b) => b.id === 'n')!.occupancy).toBeUndefined();
  });

  it('has radii for every incident type in the shipped rules, innermost first', () => {
    for (const type of ['gas-leak', 'methane-over-limit', 'water-main-burst', 'waterlogging', 'road-subsidence', 'building-tilt'] as const) {
      const radii = ringRadii(type);
      expect(radii.length).toBeGreaterThan(1);
      expect([...radii].sort((a, b) => a - b)).toEqual(radii);
    }
  });
});

/** A hand-made street: a gas main along y = 0, a storm sewer 2 m beside it, a telecom duct 10 m away, a crossing power duct. */
function street(): PipeNetwork {
  const assets: PointAsset[] = [];
  const node = (id: string, x: number, y: number, kind: PointAsset['kind'] = 'junction', type: PipelineType = 'gas', buildingId?: string) => {
    const [lonDegrees, latDegrees] = toLonLat(x, y);
    assets.push({ id, kind, type, lonDegrees, latDegrees, groundElevationMetres: 0, ...(buildingId ? { buildingId } : {}) });
  };
  const segments: PipeNetwork['segments'] = [];
  const line = (id: string, type: PipelineType, from: string, to: string, a: [number, number], b: [number, number]) =>
    segments.push({ id, type, shape: { kind: 'circular', diameterMillimetres: 300 }, path: [toLonLat(...a), toLonLat(...b)], fromNodeId: from, toNodeId: to, start: { depthMetres: 1 }, end: { depthMetres: 1 } });
  node('G0', -100, 0);
  node('G1', 100, 0);
  node('GS', 100, 20, 'service-connection', 'gas', 'B-served');
  line('gas-main', 'gas', 'G0', 'G1', [-100, 0], [100, 0]);
  line('gas-service', 'gas', 'G1', 'GS', [100, 0], [100, 20]);
  node('MH1', -60, 2, 'manhole', 'drainage-storm');
  node('MH2', 60, 2, 'manhole', 'drainage-storm');
  line('storm', 'drainage-storm', 'MH1', 'MH2', [-60, 2], [60, 2]);
  node('TW1', -60, 10, 'well', 'telecom');
  node('TW2', 60, 10, 'well', 'telecom');
  line('telecom', 'telecom', 'TW1', 'TW2', [-60, 10], [60, 10]);
  node('PW1', 20, -30, 'well', 'power');
  node('PW2', 20, 30, 'well', 'power');
  line('power', 'power', 'PW1', 'PW2', [20, -30], [20, 30]);
  return { segments, assets };
}

describe('adjacent underground spaces for a gas leak', () => {
  it('ranks the same trench first, then crossings, then basements fed from the main, then the rest by distance', () => {
    const buildings = [at('B-served', 100, 30, { floors: 12 }), at('B-tower', 30, 40, { floors: 20 }), at('B-low', 10, 15, { floors: 2 })];
    const spaces = adjacentUndergroundSpaces(street(), ORIGIN, buildings, { radiusMetres: 120 });
    expect(spaces.map((s) => [s.id, s.connection])).toEqual([
      ['storm', 'same-trench'],
      ['MH1', 'same-trench'],
      ['MH2', 'same-trench'],
      ['power', 'crossing'],
      ['PW1', 'crossing'],
      ['PW2', 'crossing'],
      ['B-served', 'service-entry'],
      // Then by distance: the duct 10 m away, the tower 50 m, the wells 61 m.
      ['telecom', 'nearby'],
      ['B-tower', 'nearby'],
      ['TW1', 'nearby'],
      ['TW2', 'nearby'],
    ]);
    expect(spaces.find((s) => s.id === 'storm')!.distanceMetres).toBeCloseTo(2, 1);
    expect(spaces.find((s) => s.id === 'B-tower')!.kind).toBe('basement');
  });

  it('looks only within the distance, and a wider trench offset takes the telecom duct in', () => {
    const near = adjacentUndergroundSpaces(street(), ORIGIN, [], { radiusMetres: 25 });
    expect(near.map((s) => s.id)).toEqual(['storm', 'power', 'telecom']);
    const wide = adjacentUndergroundSpaces(street(), ORIGIN, [], { radiusMetres: 25, trenchOffsetMetres: 12 });
    expect(wide.find((s) => s.id === 'telecom')!.connection).toBe('same-trench');
  });
});

describe('assets near a place', () => {
  it('lists pipes by their nearest point and point assets, not junctions, nearest first', () => {
    const near = assetsNear(street(), ORIGIN.lonDegrees, ORIGIN.latDegrees, 25);
    expect(near.map((a) => a.id)).toEqual(['gas-main', 'storm', 'telecom', 'power']);
    expect(near[0]!.distanceMetres).toBeCloseTo(0, 3);
  });
});
