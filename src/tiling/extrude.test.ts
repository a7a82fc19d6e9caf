import { describe, expect, it } from 'vitest';
import { polygonArea } from '../domain/geometry.ts';
import { TileMeshBuilder } from './extrude.ts';
import { LocalFrame } from './local-frame.ts';
import { FIXTURE_BUILDINGS, FIXTURE_CENTRE, localConverter } from './testing/fixtures.ts';

function flatRings(rings: ReadonlyArray<ReadonlyArray<readonly [number, number]>>): Float64Array[] {
  const convert = localConverter();
  return rings.map((ring) => Float64Array.from(ring.slice(0, -1).flatMap((p) => convert([p[0], p[1]]))));
}

/** Area of the triangles whose normal points up (the roof), measured in the glTF x/z plane. */
function roofArea(positions: Float32Array, normals: Float32Array, indices: ArrayLike<number>): number {
  let area = 0;
  for (let t = 0; t < indices.length; t += 3) {
    const [a, b, c] = [indices[t]!, indices[t + 1]!, indices[t + 2]!];
    if (normals[3 * a + 1]! < 0.99) continue;
    const ux = positions[3 * b]! - positions[3 * a]!;
    const uz = positions[3 * b + 2]! - positions[3 * a + 2]!;
    const vx = positions[3 * c]! - positions[3 * a]!;
    const vz = positions[3 * c + 2]! - positions[3 * a + 2]!;
    area += Math.abs(ux * vz - uz * vx) / 2;
  }
  return area;
}

describe('extrusion', () => {
  const frame = new LocalFrame(FIXTURE_CENTRE.lonDegrees, FIXTURE_CENTRE.latDegrees);

  it.each(FIXTURE_BUILDINGS.filter((b) => b.id !== 'tower').map((b) => [b.id, b] as const))('%s: roof triangulation preserves the footprint area', (_, building) => {
    const builder = new TileMeshBuilder(frame);
    builder.addExtrusion(flatRings(building.rings), 0, 10, 0);
    const mesh = builder.finish();
    // Hand-computed areas; polygonArea checks the fixture itself.
    expect(polygonArea(building.rings.map((r) => r.slice(0, -1)))).toBeCloseTo(building.areaSquareMetres, 6);
    expect(roofArea(mesh.positions, mesh.normals, mesh.indices)).toBeCloseTo(building.areaSquareMetres, 0);
  });

  it('walls: two triangles per edge of every ring, holes included; roof counter-clockwise from above', () => {
    const court = FIXTURE_BUILDINGS.find((b) => b.id === 'court')!;
    const builder = new TileMeshBuilder(frame);
    const triangles = builder.addExtrusion(flatRings(court.rings), 0, 9, 7);
    const mesh = builder.finish();
    const edges = 4 + 4;
    const roofTriangles = 8; // a square with a square hole: n + 2·h − 2 = 8 + 2 − 2
    expect(triangles).toBe(edges * 2 + roofTriangles);
    expect(new Set(mesh.featureIds)).toEqual(new Set([7]));
    // Every roof triangle faces up: (b − a) × (c − a) has a positive y in glTF's Y-up axes.
    const p = mesh.positions;
    for (let t = 0; t < mesh.indices.length; t += 3) {
      const [a, b, c] = [mesh.indices[t]!, mesh.indices[t + 1]!, mesh.indices[t + 2]!];
      if (mesh.normals[3 * a + 1]! < 0.99) continue;
      const u = [p[3 * b]! - p[3 * a]!, p[3 * b + 2]! - p[3 * a + 2]!];
      const v = [p[3 * c]! - p[3 * a]!, p[3 * c + 2]! - p[3 * a + 2]!];
      // y of the cross product of (ux, 0, uz) × (vx, 0, vz) is uz·vx − ux·vz.
      expect(u[1]! * v[0]! - u[0]! * v[1]!).toBeGreaterThan(0);
    }
  });

  it('wall normals point out of the solid (away from the footprint centre) and into courtyards', () => {
    const court = FIXTURE_BUILDINGS.find((b) => b.id === 'court')!;
    const builder = new TileMeshBuilder(frame);
    builder.addExtrusion(flatRings(court.rings), 0, 9, 0);
    const mesh = builder.finish();
    // Courtyard centre in local glTF coordinates: the hole spans x 10–20, y 50–60 (north) → z = −55.
    let checked = 0;
    for (let i = 0; i < mesh.normals.length / 3; i++) {
      if (Math.abs(mesh.normals[3 * i + 1]!) > 0.01) continue; // walls only
      const x = mesh.positions[3 * i]!;
      const z = mesh.positions[3 * i + 2]!;
      const inHoleWall = x > 9.5 && x < 20.5 && -z > 49.5 && -z < 60.5;
      const [cx, cz] = [15, -55]; // centre of both the footprint and its courtyard
      const outward = (x - cx) * mesh.normals[3 * i]! + (z - cz) * mesh.normals[3 * i + 2]!;
      // Outer walls face away from the centre; hole walls face towards it.
      if (inHoleWall) expect(outward).toBeLessThan(0);
      else expect(outward).toBeGreaterThan(0);
      checked++;
    }
    expect(checked).toBe(8 * 4);
  });
});
