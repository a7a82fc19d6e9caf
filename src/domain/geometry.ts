/** Small planar geometry rules shared by the tiler and the analyses. Pure functions. */

/** A ring of [x, y] positions. GeoJSON rings repeat the first position at the end. */
export type Ring = ReadonlyArray<readonly [number, number]>;

/** Signed area of a ring by the shoelace formula (positive when counter-clockwise). Closing point optional. */
export function signedArea(ring: Ring): number {
  let sum = 0;
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % n]!;
    sum += a[0] * b[1] - b[0] * a[1];
  }
  return sum / 2;
}

/** Area of a polygon with holes: |outer| minus |holes|. */
export function polygonArea(rings: readonly Ring[]): number {
  let area = 0;
  rings.forEach((ring, i) => {
    const a = Math.abs(signedArea(ring));
    area += i === 0 ? a : -a;
  });
  return area;
}
