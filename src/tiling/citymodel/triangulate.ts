/**
 * Triangulation of one planar 3D polygon with holes (a CityJSON/CityGML surface): the rings are
 * projected onto the polygon's best-fit plane (Newell's normal) and triangulated by earcut, the
 * triangulator the building extrusion already uses. Triangles come out wound counter-clockwise
 * seen from the side the outer ring's normal points to (CityJSON and CityGML: outside the solid).
 */
import earcut from 'earcut';

/** Newell's normal of a ring of flat [x, y, z, …] points: length is twice the ring's area. */
export function newellNormal(ring: ArrayLike<number>): [number, number, number] {
  let nx = 0;
  let ny = 0;
  let nz = 0;
  const n = ring.length / 3;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const [xi, yi, zi] = [ring[3 * i]!, ring[3 * i + 1]!, ring[3 * i + 2]!];
    const [xj, yj, zj] = [ring[3 * j]!, ring[3 * j + 1]!, ring[3 * j + 2]!];
    nx += (yi - yj) * (zi + zj);
    ny += (zi - zj) * (xi + xj);
    nz += (xi - xj) * (yi + yj);
  }
  return [nx, ny, nz];
}

export interface SurfaceTriangles {
  /** Unit normal of the surface (from its outer ring), or [0, 0, 0] when degenerate. */
  normal: [number, number, number];
  /** The rings' points concatenated, flat [x, y, z, …]: what `indices` index. */
  points: Float64Array;
  /** Three point indices per triangle, wound counter-clockwise about `normal`. */
  indices: number[];
}

/**
 * Triangulate a polygon: `rings[0]` is the outer ring, the rest are holes, each flat [x, y, z, …]
 * without the closing point. A degenerate polygon (no area) gives no triangles.
 */
export function triangulatePolygon(rings: readonly ArrayLike<number>[]): SurfaceTriangles {
  const total = rings.reduce((s, r) => s + r.length, 0);
  const points = new Float64Array(total);
  let offset = 0;
  for (const ring of rings) {
    points.set(ring as ArrayLike<number>, offset);
    offset += ring.length;
  }
  const [nx, ny, nz] = newellNormal(rings[0]!);
  const length = Math.hypot(nx, ny, nz);
  if (!(length > 0) || rings[0]!.length < 9) return { normal: [0, 0, 0], points, indices: [] };
  const normal: [number, number, number] = [nx / length, ny / length, nz / length];
  // An orthonormal basis (u, v) of the plane with u × v = normal: projected rings keep their winding.
  const helper: [number, number, number] = Math.abs(normal[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const u = cross(helper, normal);
  const ul = Math.hypot(...u);
  u[0] /= ul;
  u[1] /= ul;
  u[2] /= ul;
  const v = cross(normal, u);
  const flat = new Float64Array((total / 3) * 2);
  for (let i = 0, k = 0; i < total; i += 3, k += 2) {
    const x = points[i]!;
    const y = points[i + 1]!;
    const z = points[i + 2]!;
    flat[k] = x * u[0] + y * u[1] + z * u[2];
    flat[k + 1] = x * v[0] + y * v[1] + z * v[2];
  }
  const holes: number[] = [];
  let start = 0;
  rings.forEach((ring, r) => {
    if (r > 0) holes.push(start);
    start += ring.length / 3;
  });
  const triangles = earcut(flat, holes, 2);
  const indices: number[] = [];
  for (let t = 0; t < triangles.length; t += 3) {
    const a = triangles[t]!;
    const b = triangles[t + 1]!;
    const c = triangles[t + 2]!;
    const area2 = (flat[2 * b]! - flat[2 * a]!) * (flat[2 * c + 1]! - flat[2 * a + 1]!) - (flat[2 * b + 1]! - flat[2 * a + 1]!) * (flat[2 * c]! - flat[2 * a]!);
    if (area2 === 0) continue;
    if (area2 > 0) indices.push(a, b, c);
    else indices.push(a, c, b);
  }
  return { normal, points, indices };
}

function cross(a: readonly number[], b: readonly number[]): [number, number, number] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

/** Area of a planar polygon with holes (outer minus holes), from Newell's normals. */
export function polygonArea3d(rings: readonly ArrayLike<number>[]): number {
  const outer = newellNormal(rings[0]!);
  const ol = Math.hypot(...outer);
  if (ol === 0) return 0;
  let area = ol / 2;
  for (const hole of rings.slice(1)) {
    const h = newellNormal(hole);
    // The hole's area, whatever its winding: its normal's length along the outer normal.
    area -= Math.abs((h[0] * outer[0] + h[1] * outer[1] + h[2] * outer[2]) / ol) / 2;
  }
  return area;
}

/** Sum of the areas of the triangles. */
export function trianglesArea(points: ArrayLike<number>, indices: readonly number[]): number {
  let sum = 0;
  for (let t = 0; t < indices.length; t += 3) {
    const a = 3 * indices[t]!;
    const b = 3 * indices[t + 1]!;
    const c = 3 * indices[t + 2]!;
    const ab = [points[b]! - points[a]!, points[b + 1]! - points[a + 1]!, points[b + 2]! - points[a + 2]!];
    const ac = [points[c]! - points[a]!, points[c + 1]! - points[a + 1]!, points[c + 2]! - points[a + 2]!];
    sum += Math.hypot(...cross(ab, ac)) / 2;
  }
  return sum;
}
