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

/** Mean Earth radius (metres), for horizon distances. */
const EARTH_RADIUS_METRES = 6_371_000;

/** Distance along the ground (metres) from the point below an eye at this height to its horizon; 0 at or below the ground. */
export function horizonDistanceMetres(heightMetres: number): number {
  if (!(heightMetres > 0)) return 0;
  return EARTH_RADIUS_METRES * Math.acos(EARTH_RADIUS_METRES / (EARTH_RADIUS_METRES + heightMetres));
}

export interface DegreesRectangle {
  westDegrees: number;
  southDegrees: number;
  eastDegrees: number;
  northDegrees: number;
}

export interface HorizonOptions {
  /** The highest ground (terrain, buildings) that may show above the horizon, metres. */
  reliefMetres: number;
  /** Never smaller than this, metres: what an eye below the ground sees overhead. */
  minimumRadiusMetres: number;
  /** Safety factor on the distance (the Earth is an ellipsoid, not a sphere). */
  marginFactor: number;
}

const DEFAULT_HORIZON: HorizonOptions = { reliefMetres: 1000, minimumRadiusMetres: 50_000, marginFactor: 1.2 };

/**
 * The longitude/latitude box around an eye that holds every piece of ground it can see over the
 * curve of the Earth: its own horizon plus the horizon of the highest relief beyond it. West is
 * greater than east where the box crosses the antimeridian; near a pole it spans every longitude.
 */
export function horizonRectangleDegrees(lonDegrees: number, latDegrees: number, heightMetres: number, options: Partial<HorizonOptions> = {}): DegreesRectangle {
  const { reliefMetres, minimumRadiusMetres, marginFactor } = { ...DEFAULT_HORIZON, ...options };
  const radiusMetres = Math.max(minimumRadiusMetres, (horizonDistanceMetres(heightMetres) + horizonDistanceMetres(reliefMetres)) * marginFactor);
  const halfLatitude = (radiusMetres / EARTH_RADIUS_METRES) * (180 / Math.PI);
  const southDegrees = Math.max(-90, latDegrees - halfLatitude);
  const northDegrees = Math.min(90, latDegrees + halfLatitude);
  const widestLatitude = Math.max(Math.abs(southDegrees), Math.abs(northDegrees));
  const halfLongitude = widestLatitude >= 89.9 ? 180 : halfLatitude / Math.cos((widestLatitude * Math.PI) / 180);
  if (halfLongitude >= 180) return { westDegrees: -180, southDegrees, eastDegrees: 180, northDegrees };
  const wrap = (degrees: number) => (degrees > 180 ? degrees - 360 : degrees < -180 ? degrees + 360 : degrees);
  return { westDegrees: wrap(lonDegrees - halfLongitude), southDegrees, eastDegrees: wrap(lonDegrees + halfLongitude), northDegrees };
}
