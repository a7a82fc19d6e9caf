import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTile } from '../tiling/testing/read-tiles.ts';
import { generateDistrict, localToGaussKruger } from './district.ts';
import { blockSurfaces, lod2Building, lod2CityJson, lod2PatchBuildings, pitchedSurfaces, type Surface } from './lod2.ts';
import { buildLod2Demo, LOD2_SWITCH_ERROR_METRES } from './lod2-tiles.ts';
import type { TilesetJson } from '../tiling/tileset.ts';

type P = [number, number, number];

/** Vector area of a ring (Newell), m². */
function areaVector(ring: P[]): P {
  const n: P = [0, 0, 0];
  ring.forEach((a, i) => {
    const b = ring[(i + 1) % ring.length]!;
    n[0] += (a[1] - b[1]) * (a[2] + b[2]);
    n[1] += (a[2] - b[2]) * (a[0] + b[0]);
    n[2] += (a[0] - b[0]) * (a[1] + b[1]);
  });
  return [n[0] / 2, n[1] / 2, n[2] / 2];
}

function surfaceVector(s: Surface): P {
  return s.rings.map(areaVector).reduce((t, v) => [t[0] + v[0], t[1] + v[1], t[2] + v[2]], [0, 0, 0] as P);
}

/** A closed, outward-oriented solid: its surfaces' vector areas sum to zero, and each edge is used once each way. */
function expectClosed(surfaces: Surface[]) {
  const sum = surfaces.map(surfaceVector).reduce((t, v) => [t[0] + v[0], t[1] + v[1], t[2] + v[2]], [0, 0, 0] as P);
  for (const c of sum) expect(Math.abs(c)).toBeLessThan(1e-6);
  const edges = new Map<string, number>();
  const key = (p: P) => p.map((c) => c.toFixed(6)).join(',');
  for (const s of surfaces) for (const ring of s.rings) ring.forEach((a, i) => {
    const k = `${key(a)}>${key(ring[(i + 1) % ring.length]!)}`;
    edges.set(k, (edges.get(k) ?? 0) + 1);
  });
  for (const [edge, count] of edges) {
    const [a, b] = edge.split('>');
    expect(count, edge).toBe(1);
    expect(edges.get(`${b}>${a}`), `edge ${edge} has its twin`).toBe(1);
  }
}

const square = (w: number, d: number): [number, number][] => [[0, 0], [w, 0], [w, d], [0, d], [0, 0]];
const byType = (surfaces: Surface[], type: Surface['type']) => surfaces.filter((s) => s.type === type);

describe('demo LoD2 roofs', () => {
  it('a gabled roof: closed solid, ridge along the long side at half the span times the slope, roof covering the footprint', () => {
    const { surfaces, ridge } = pitchedSurfaces(square(12, 8), 6, 'gabled');
    expectClosed(surfaces);
    expect(ridge).toBeCloseTo(6 + 4 * 0.5, 9);
    const roofs = byType(surfaces, 'RoofSurface');
    expect(roofs).toHaveLength(2);
    // The roofs' plan area is the footprint's; each slope faces up and away from the ridge (north/south).
    expect(roofs.reduce((t, s) => t + surfaceVector(s)[2], 0)).toBeCloseTo(96, 9);
    for (const roof of roofs) {
      const [nx, ny] = surfaceVector(roof);
      expect(Math.abs(nx)).toBeLessThan(1e-9);
      expect(Math.abs(ny)).toBeGreaterThan(0);
    }
    // Two gable walls are pentagons reaching the ridge.
    expect(byType(surfaces, 'WallSurface').filter((s) => s.rings[0]!.length === 5)).toHaveLength(2);
    expect(surfaceVector(byType(surfaces, 'GroundSurface')[0]!)[2]).toBeCloseTo(-96, 9);
  });

  it('a hipped roof: closed solid, four slopes (two triangles), ridge shortened', () => {
    const { surfaces } = pitchedSurfaces(square(8, 13), 9, 'hipped');
    expectClosed(surfaces);
    const roofs = byType(surfaces, 'RoofSurface');
    expect(roofs.map((s) => s.rings[0]!.length).sort()).toEqual([3, 3, 4, 4]);
    expect(roofs.reduce((t, s) => t + surfaceVector(s)[2], 0)).toBeCloseTo(104, 9);
    expect(byType(surfaces, 'WallSurface').every((s) => s.rings[0]!.every((p) => p[2] <= 9))).toBe(true);
  });

  it('a courtyard block (footprint with a hole) is a closed solid with walls round the courtyard', () => {
    const outer = square(14, 12);
    const hole: [number, number][] = [[3, 3], [3, 9], [11, 9], [11, 3], [3, 3]];
    const surfaces = blockSurfaces([outer, hole], 7);
    expectClosed(surfaces);
    expect(byType(surfaces, 'WallSurface')).toHaveLength(8);
    expect(surfaceVector(byType(surfaces, 'RoofSurface')[0]!)[2]).toBeCloseTo(14 * 12 - 8 * 6, 9);
  });

  it('the patch: old-town buildings of one block, every one a closed solid at both levels, with the district IDs', () => {
    const district = generateDistrict();
    const patch = lod2PatchBuildings(district);
    expect(patch.length).toBeGreaterThan(50);
    const ids = new Set(district.buildings.map((b) => b.properties.id));
    const roofs = new Map<string, number>();
    for (const building of patch) {
      expect(ids.has(building.properties.id)).toBe(true);
      const model = lod2Building(building);
      expectClosed(model.lod1);
      expectClosed(model.lod2);
      roofs.set(model.roof, (roofs.get(model.roof) ?? 0) + 1);
      expect(model.ridgeMetres).toBeGreaterThanOrEqual(model.eaveMetres);
      expect(model.eaveMetres).toBe(building.properties.heightMetres);
    }
    expect(roofs.get('gabled')).toBeGreaterThan(0);
    expect(roofs.get('hipped')).toBeGreaterThan(0);
  });

  it('the CityJSON: 2.0, EPSG:4547, one object per building with LoD1 and LoD2 solids and roof/wall/ground semantics', () => {
    const district = generateDistrict();
    const patch = lod2PatchBuildings(district).slice(0, 10);
    const doc = lod2CityJson(patch, localToGaussKruger(), () => 'operation') as {
      version: string;
      metadata: { referenceSystem: string };
      vertices: number[][];
      CityObjects: Record<string, { type: string; attributes: Record<string, unknown>; geometry: { lod: string; boundaries: number[][][][]; semantics: { surfaces: { type: string }[]; values: number[][] } }[] }>;
    };
    expect(doc.version).toBe('2.0');
    expect(doc.metadata.referenceSystem).toMatch(/EPSG\/0\/4547$/);
    expect(Object.keys(doc.CityObjects)).toEqual(patch.map((b) => b.properties.id));
    for (const [id, object] of Object.entries(doc.CityObjects)) {
      expect(object.type).toBe('Building');
      expect(object.attributes.stage).toBe('operation');
      expect(object.attributes.height).toBe(patch.find((b) => b.properties.id === id)!.properties.heightMetres);
      expect(object.geometry.map((g) => g.lod)).toEqual(['1', '2']);
      for (const g of object.geometry) {
        expect(g.semantics.values[0]).toHaveLength(g.boundaries[0]!.length);
        const types = new Set(g.semantics.values[0]!.map((v) => g.semantics.surfaces[v]!.type));
        expect(types).toEqual(new Set(['RoofSurface', 'WallSurface', 'GroundSurface']));
        for (const surface of g.boundaries[0]!) for (const ring of surface) for (const i of ring) expect(i).toBeLessThan(doc.vertices.length);
      }
    }
  });

  it('the demo patch tiled: LoD1 and LoD2 tiles hold the same building IDs as the district, LoD2 with more roofs, every surface typed', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cim-twin-lod2-'));
    try {
      const district = generateDistrict();
      const report = await buildLod2Demo(district, join(work, 'patch.city.json'), join(work, 'levels'));
      const ids = lod2PatchBuildings(district).map((b) => b.properties.id).sort();
      expect(report.buildings).toBe(ids.length);
      expect(report.lod2.skipped).toEqual({});
      expect(report.lod2.levels).toMatchObject({ far: '1', near: '2', farTiles: 1, nearTiles: 1, nearFromFar: {}, farFromNear: {} });
      const levels = JSON.parse(await readFile(join(work, 'levels', 'tileset.json'), 'utf8')) as TilesetJson;
      // The root (no content) holds the one LoD1 tile, refined by REPLACE into the LoD2 tile.
      expect(levels.root.content).toBeUndefined();
      const pair = levels.root.children![0]!;
      expect(levels.root.children).toHaveLength(1);
      expect(pair).toMatchObject({ refine: 'REPLACE', geometricError: LOD2_SWITCH_ERROR_METRES });
      expect(pair.children).toHaveLength(1);
      expect(levels.root.geometricError).toBeGreaterThan(LOD2_SWITCH_ERROR_METRES);
      const far = await readTile(join(work, 'levels'), pair.content!.uri);
      const near = await readTile(join(work, 'levels'), pair.children![0]!.content!.uri);
      const index = JSON.parse(await readFile(join(work, 'levels', 'search-index.json'), 'utf8')) as { rows: unknown[][] };
      expect(index.rows.map((row) => String(row[0])).sort()).toEqual(ids);
      expect([...(far.columns.id as string[])].sort()).toEqual(ids);
      expect([...(near.columns.id as string[])].sort()).toEqual(ids);
      expect(new Set(far.columns.lod)).toEqual(new Set(['1']));
      expect(new Set(near.columns.lod)).toEqual(new Set(['2']));
      // Surface rows: every vertex typed roof, wall or ground; LoD2 has more roof surfaces than LoD1 (the slopes).
      const types = (tile: typeof far) => new Set(Array.from(tile.surfaceIds!, (row) => String(tile.tables[1]!.surfaceType![row])));
      expect(types(far)).toEqual(new Set(['RoofSurface', 'WallSurface', 'GroundSurface']));
      expect(types(near)).toEqual(new Set(['RoofSurface', 'WallSurface', 'GroundSurface']));
      const roofs = (tile: typeof far) => new Set(Array.from(tile.indices, (v) => `${tile.featureIds[v]}:${tile.tables[1]!.surfaceType![tile.surfaceIds![v]!]}`).filter((key) => key.endsWith(':RoofSurface'))).size;
      expect(roofs(near)).toBe(roofs(far)); // every building has a roof at both levels …
      expect(report.lod2.surfaces.RoofSurface!).toBeGreaterThan(ids.length * 1.5); // … and most have two or four slopes near
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
