import { describe, expect, it } from 'vitest';
import { BUILDING_USES } from '../domain/buildings.ts';
import { buildingFeatures, DISTRICT_CENTRE, generateDistrict, groundFeatures, localToLonLat } from './district.ts';

describe('demo district', () => {
  const district = generateDistrict();

  it('is deterministic for a seed and different for another', () => {
    const again = generateDistrict();
    expect(JSON.stringify(again.buildings)).toBe(JSON.stringify(district.buildings));
    expect(JSON.stringify(generateDistrict('other-seed').buildings)).not.toBe(JSON.stringify(district.buildings));
  });

  it('has at least 3,000 buildings with unique stable IDs and every attribute', () => {
    expect(district.buildings.length).toBeGreaterThanOrEqual(3000);
    const ids = new Set(district.buildings.map((b) => b.properties.id));
    expect(ids.size).toBe(district.buildings.length);
    for (const { properties: p } of district.buildings) {
      expect(p.id).toMatch(/^440604-B-\d{6}$/);
      expect(p.name.length).toBeGreaterThan(0);
      expect(p.address).toMatch(/^广东省佛山市禅城区.+路?.*\d+号/);
      expect(BUILDING_USES).toContain(p.use);
      expect(p.heightMetres).toBeGreaterThan(0);
      expect(p.floors).toBeGreaterThanOrEqual(1);
      expect(p.yearBuilt).toBeGreaterThanOrEqual(1950);
      expect(p.yearBuilt).toBeLessThanOrEqual(2026);
    }
  });

  it('has footprints that are not all boxes: L-shapes, courtyards and towers on podiums', () => {
    const outerVertexCounts = district.buildings.map((b) => b.parts[0]!.rings[0]!.length - 1);
    expect(outerVertexCounts.filter((n) => n === 6).length).toBeGreaterThan(10); // L-shapes
    expect(district.buildings.filter((b) => b.parts[0]!.rings.length > 1).length).toBeGreaterThan(20); // courtyards
    const towers = district.buildings.filter((b) => b.parts.length > 1);
    expect(towers.length).toBeGreaterThan(5);
    for (const t of towers) expect(t.parts[1]!.baseHeightMetres).toBe(t.parts[0]!.heightMetres);
  });

  it('lies within about 2 km × 2 km around Chancheng (113.12°E, 23.02°N), streets named and sized', () => {
    const convert = localToLonLat();
    const lonLats = district.buildings.flatMap((b) => b.parts[0]!.rings[0]!.map(convert));
    const lons = lonLats.map((p) => p[0]);
    const lats = lonLats.map((p) => p[1]);
    expect(Math.min(...lons)).toBeGreaterThan(DISTRICT_CENTRE.lonDegrees - 0.011);
    expect(Math.max(...lons)).toBeLessThan(DISTRICT_CENTRE.lonDegrees + 0.011);
    expect(Math.min(...lats)).toBeGreaterThan(DISTRICT_CENTRE.latDegrees - 0.01);
    expect(Math.max(...lats)).toBeLessThan(DISTRICT_CENTRE.latDegrees + 0.01);
    expect(new Set(district.streets.map((s) => s.name)).size).toBe(district.streets.length);
    expect(new Set(district.streets.map((s) => s.streetClass))).toEqual(new Set(['arterial', 'secondary', 'branch']));
  });

  it('writes one feature per part (parts share the ID) and ground features for every street and block', () => {
    const features = buildingFeatures(district, localToLonLat()) as { properties: Record<string, unknown> }[];
    const parts = district.buildings.reduce((n, b) => n + b.parts.length, 0);
    expect(features).toHaveLength(parts);
    const tower = features.find((f) => f.properties.min_height !== undefined)!;
    expect(features.filter((f) => f.properties.id === tower.properties.id)).toHaveLength(2);
    expect(groundFeatures(district, localToLonLat())).toHaveLength(district.streets.length + district.blocks.length);
  });
});
