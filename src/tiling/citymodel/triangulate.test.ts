import { describe, expect, it } from 'vitest';
import { newellNormal, polygonArea3d, trianglesArea, triangulatePolygon } from './triangulate.ts';

/** Rotate flat [x, y, z, …] points about the x axis then the z axis (a tilted, turned plane). */
function rotate(ring: number[], ax: number, az: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ring.length; i += 3) {
    const [x, y, z] = [ring[i]!, ring[i + 1]!, ring[i + 2]!];
    const y1 = y * Math.cos(ax) - z * Math.sin(ax);
    const z1 = y * Math.sin(ax) + z * Math.cos(ax);
    out.push(x * Math.cos(az) - y1 * Math.sin(az) + 1000, x * Math.sin(az) + y1 * Math.cos(az) - 500, z1 + 20);
  }
  return out;
}

describe('triangulating planar polygons with holes', () => {
  // A 10 × 6 L-shaped (concave) outer ring with two holes: area 10·6 − 4·3 − 1·1 − 2·1 = 45.
  const outer = [0, 0, 0, 10, 0, 0, 10, 3, 0, 6, 3, 0, 6, 6, 0, 0, 6, 0];
  const holeA = [1, 1, 0, 1, 2, 0, 2, 2, 0, 2, 1, 0];
  const holeB = [7, 1, 0, 7, 2, 0, 9, 2, 0, 9, 1, 0];
  const expected = 10 * 3 + 6 * 3 - 1 - 2;

  it('keeps the area of a horizontal concave polygon with two holes', () => {
    const { points, indices, normal } = triangulatePolygon([outer, holeA, holeB]);
    expect(indices.length).toBeGreaterThan(0);
    expect(polygonArea3d([outer, holeA, holeB])).toBeCloseTo(expected, 9);
    expect(trianglesArea(points, indices)).toBeCloseTo(expected, 9);
    expect(normal[2]).toBeCloseTo(1, 12);
  });

  it('keeps the area on a tilted, turned plane (a roof) and winds every triangle about the outer normal', () => {
    const rings = [outer, holeA, holeB].map((r) => rotate(r, 0.6, 1.1));
    const { points, indices, normal } = triangulatePolygon(rings);
    expect(trianglesArea(points, indices)).toBeCloseTo(expected, 6);
    for (let t = 0; t < indices.length; t += 3) {
      const tri = [indices[t]!, indices[t + 1]!, indices[t + 2]!].flatMap((i) => [points[3 * i]!, points[3 * i + 1]!, points[3 * i + 2]!]);
      const n = newellNormal(tri);
      expect(n[0] * normal[0] + n[1] * normal[1] + n[2] * normal[2]).toBeGreaterThan(0);
    }
  });

  it('a vertical wall with a window hole: wall minus window', () => {
    const wall = [0, 0, 0, 10, 0, 0, 10, 0, 6, 0, 0, 6];
    const window = [4, 0, 1, 4, 0, 3, 5, 0, 3, 5, 0, 1];
    const { points, indices, normal } = triangulatePolygon([wall, window]);
    expect(trianglesArea(points, indices)).toBeCloseTo(58, 9);
    expect(normal).toEqual([0, -1, 0].map((c) => expect.closeTo(c, 12)));
  });

  it('gives no triangles for a degenerate ring (all points on a line)', () => {
    expect(triangulatePolygon([[0, 0, 0, 1, 1, 1, 2, 2, 2]]).indices).toEqual([]);
  });
});
