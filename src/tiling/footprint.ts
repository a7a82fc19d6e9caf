/**
 * Validation and normalisation of GeoJSON building footprints. A footprint becomes one or
 * more parts, each a list of rings as flat [lon, lat, lon, lat, …] arrays in WGS84 degrees,
 * without the closing position, outer ring first.
 */
import type { PositionConverter } from './crs.ts';
import { InvalidFeatureError } from './errors.ts';

/** One extrudable polygon: outer ring then holes, flat lon/lat degrees, not closed. */
export type FlatRings = Float64Array[];

/** Positions closer than this (in input units after conversion, degrees) count as the same point. */
const SAME_POINT_DEGREES = 1e-9;

interface GeoJsonGeometry {
  type?: unknown;
  coordinates?: unknown;
}

function ringFromPositions(positions: unknown, ringLabel: string, convert: PositionConverter): Float64Array {
  if (!Array.isArray(positions)) throw new InvalidFeatureError(`${ringLabel} is not an array of positions`);
  if (positions.length < 4) {
    throw new InvalidFeatureError(`${ringLabel} has ${positions.length} positions; a closed ring needs at least 4 (3 distinct points and the closing point)`);
  }
  const flat: number[] = [];
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i] as unknown;
    if (!Array.isArray(p) || p.length < 2) throw new InvalidFeatureError(`${ringLabel} position ${i} is not a [x, y] pair`);
    const x = p[0] as unknown;
    const y = p[1] as unknown;
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new InvalidFeatureError(`${ringLabel} position ${i} has a coordinate that is not a finite number (${JSON.stringify(p)})`);
    }
    const [lon, lat] = convert(x, y);
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 90 || Math.abs(lon) > 360) {
      throw new InvalidFeatureError(`${ringLabel} position ${i} (${x}, ${y}) does not convert to a valid longitude/latitude; is --crs right?`);
    }
    flat.push(lon, lat);
  }
  const n = flat.length;
  if (Math.abs(flat[0]! - flat[n - 2]!) > SAME_POINT_DEGREES || Math.abs(flat[1]! - flat[n - 1]!) > SAME_POINT_DEGREES) {
    throw new InvalidFeatureError(`${ringLabel} is not closed: its first and last positions differ`);
  }
  flat.length = n - 2;
  // Drop consecutive repeated points; count distinct points.
  const cleaned: number[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const lastX = cleaned[cleaned.length - 2];
    const lastY = cleaned[cleaned.length - 1];
    if (lastX !== undefined && lastY !== undefined && Math.abs(lastX - flat[i]!) <= SAME_POINT_DEGREES && Math.abs(lastY - flat[i + 1]!) <= SAME_POINT_DEGREES) continue;
    cleaned.push(flat[i]!, flat[i + 1]!);
  }
  const distinct = new Set<string>();
  for (let i = 0; i < cleaned.length; i += 2) distinct.add(`${cleaned[i]!.toFixed(9)},${cleaned[i + 1]!.toFixed(9)}`);
  if (distinct.size < 3) throw new InvalidFeatureError(`${ringLabel} has ${distinct.size} distinct points; a polygon needs at least 3`);
  return Float64Array.from(cleaned);
}

function polygonFromCoordinates(coordinates: unknown, label: string, convert: PositionConverter): FlatRings {
  if (!Array.isArray(coordinates) || coordinates.length === 0) throw new InvalidFeatureError(`${label} has no rings`);
  return coordinates.map((ring, r) => ringFromPositions(ring, r === 0 ? `${label} outer ring` : `${label} hole ${r}`, convert));
}

/**
 * Polygons of a GeoJSON geometry, converted to WGS84 lon/lat. Throws InvalidFeatureError
 * for anything that cannot be extruded: missing or non-areal geometry, open rings, fewer
 * than 3 distinct points, coordinates that are not finite numbers.
 */
export function footprintPolygons(geometry: unknown, convert: PositionConverter): FlatRings[] {
  if (geometry === null || typeof geometry !== 'object') throw new InvalidFeatureError('has no geometry');
  const g = geometry as GeoJsonGeometry;
  if (g.type === 'Polygon') return [polygonFromCoordinates(g.coordinates, 'polygon', convert)];
  if (g.type === 'MultiPolygon') {
    if (!Array.isArray(g.coordinates) || g.coordinates.length === 0) throw new InvalidFeatureError('multipolygon has no polygons');
    return g.coordinates.map((polygon, i) => polygonFromCoordinates(polygon, `polygon ${i}`, convert));
  }
  throw new InvalidFeatureError(`geometry type ${JSON.stringify(g.type)} is not a Polygon or MultiPolygon`);
}
