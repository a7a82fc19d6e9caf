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

/** Length of a lon/lat path in metres (small-extent approximation, for reports and tests). */
export function pathLengthMetres(path: readonly (readonly [number, number])[]): number {
  let total = 0;
  for (let i = 1; i < path.length; i++) {
    const [lon0, lat0] = path[i - 1]!;
    const [lon1, lat1] = path[i]!;
    const metresPerDegreeLongitude = 111_320 * Math.cos((((lat0 + lat1) / 2) * Math.PI) / 180);
    total += Math.hypot((lon1 - lon0) * metresPerDegreeLongitude, (lat1 - lat0) * 110_574);
  }
  return total;
}

/**
 * Local planar metres (x east, y north) around an origin, by an equirectangular approximation:
 * within 0.1 % over a few kilometres, which is what the district-scale analyses need. Exact
 * projections (proj4) stay in the tiler.
 */
export function localProjection(originLonDegrees: number, originLatDegrees: number): { toLocal: (lon: number, lat: number) => [number, number]; toLonLat: (x: number, y: number) => [number, number] } {
  const metresPerDegreeLongitude = 111_320 * Math.cos((originLatDegrees * Math.PI) / 180);
  const metresPerDegreeLatitude = 110_574;
  return {
    toLocal: (lon, lat) => [(lon - originLonDegrees) * metresPerDegreeLongitude, (lat - originLatDegrees) * metresPerDegreeLatitude],
    toLonLat: (x, y) => [originLonDegrees + x / metresPerDegreeLongitude, originLatDegrees + y / metresPerDegreeLatitude],
  };
}
