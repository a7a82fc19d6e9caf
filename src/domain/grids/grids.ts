/**
 * Grids (网格): the street (街道), community (社区) and unit grid (单元网格, GB/T 30428.1)
 * polygons a city is managed by, with their codes (src/domain/cases/grid-codes.ts), names and
 * grid workers (网格员). Pure: the checks an importer and both grid stores share (a valid code of
 * a grid level, a valid polygon, no two grids of one level overlapping) and the exact
 * point-in-polygon test the SQLite store runs on its R*Tree's candidates.
 *
 * A point on the boundary of a grid is covered by it (as PostGIS ST_Covers): a point on the edge
 * two unit grids share is covered by both, and is assigned to the one with the lowest code
 * (GRID_TIE_RULE), on both stores.
 */
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { featureCollection, feature } from '@turf/helpers';
import { intersect } from '@turf/intersect';
import { kinks } from '@turf/kinks';
import { parseGridCode, type GridLevel } from '../cases/grid-codes.ts';
import type { Bbox } from '../assets.ts';

export type { Bbox } from '../assets.ts';

/** The levels a grid may be (a county-level division is not drawn as a grid). */
export const GRID_LEVELS = ['street', 'community', 'unit'] as const;
export type GridLayerLevel = (typeof GRID_LEVELS)[number];

export const GRID_LEVEL_NAMES: Record<GridLayerLevel, { zh: string; en: string }> = {
  street: { zh: '街道', en: 'Street' },
  community: { zh: '社区', en: 'Community' },
  unit: { zh: '单元网格', en: 'Unit grid' },
};

export const GRID_TIE_RULE = 'a point on the boundary of several grids of one level belongs to the one with the lowest code';

export function isGridLevel(value: unknown): value is GridLayerLevel {
  return typeof value === 'string' && (GRID_LEVELS as readonly string[]).includes(value);
}

export type Position = [number, number];

export type GridGeometry = { type: 'Polygon'; coordinates: Position[][] } | { type: 'MultiPolygon'; coordinates: Position[][][] };

export interface GridWorker {
  name: string;
  phone?: string;
}

/** A grid as an importer hands it to the store. */
export interface GridInput {
  code: string;
  name: string;
  /** Follows from the code's length; when given it must agree. */
  level?: GridLayerLevel;
  workers?: GridWorker[];
  geometry: GridGeometry;
}

/** A grid after its checks, as the stores keep and answer it. */
export interface Grid {
  code: string;
  level: GridLayerLevel;
  name: string;
  /** The code of the enclosing level (the street of a community, the community of a unit grid). */
  parentCode?: string;
  workers: GridWorker[];
  geometry: GridGeometry;
  bbox: Bbox;
}

/** Bad grid input, naming the feature (its position in the input and its code when known). */
export class GridInputError extends Error {
  constructor(readonly feature: string, readonly reason: string) {
    super(`${feature}: ${reason}`);
    this.name = 'GridInputError';
  }
}

export function polygonsOf(geometry: GridGeometry): Position[][][] {
  return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
}

export function bboxOf(geometry: GridGeometry): Bbox {
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  for (const polygon of polygonsOf(geometry)) {
    for (const [lon, lat] of polygon[0]!) {
      if (lon < west) west = lon;
      if (lon > east) east = lon;
      if (lat < south) south = lat;
      if (lat > north) north = lat;
    }
  }
  return [west, south, east, north];
}

/** 1 inside the geometry, 0 on its boundary (an outer ring's or a hole's), −1 outside (@turf/boolean-point-in-polygon). */
export function pointInGeometry(p: Position, geometry: GridGeometry): 1 | 0 | -1 {
  let best: 1 | 0 | -1 = -1;
  for (const polygon of polygonsOf(geometry)) {
    const shape = { type: 'Polygon' as const, coordinates: polygon };
    if (!booleanPointInPolygon(p, shape)) continue;
    if (booleanPointInPolygon(p, shape, { ignoreBoundary: true })) return 1;
    best = 0;
  }
  return best;
}

/** Whether the geometry covers the point (inside or on its boundary), as PostGIS ST_Covers. */
export function covers(geometry: GridGeometry, lon: number, lat: number): boolean {
  return pointInGeometry([lon, lat], geometry) >= 0;
}

/** Of the grids covering a point, the one GRID_TIE_RULE picks (lowest code), or undefined. */
export function pickCovering<T extends { code: string; geometry: GridGeometry }>(candidates: Iterable<T>, lon: number, lat: number): T | undefined {
  let best: T | undefined;
  for (const grid of candidates) if ((best === undefined || grid.code < best.code) && covers(grid.geometry, lon, lat)) best = grid;
  return best;
}

/** Shoelace area of a closed ring (degrees², signed): zero for a flat ring. */
function signedArea(ring: readonly Position[]): number {
  let area = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) area += (ring[j]![0] - ring[i]![0]) * (ring[j]![1] + ring[i]![1]);
  return area / 2;
}

const MAXIMUM_RING_POSITIONS = 20_000;

/** Positions as [lon, lat] (a third number dropped), a position repeated right after itself dropped. */
function cleanRing(ring: unknown[]): Position[] {
  const out: Position[] = [];
  for (const position of ring) {
    const [lon, lat] = position as number[];
    const previous = out[out.length - 1];
    if (!previous || previous[0] !== lon || previous[1] !== lat) out.push([lon!, lat!]);
  }
  return out;
}

function normalised(geometry: GridGeometry): GridGeometry {
  return geometry.type === 'Polygon'
    ? { type: 'Polygon', coordinates: geometry.coordinates.map(cleanRing) }
    : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((polygon) => polygon.map(cleanRing)) };
}

/** Why a geometry is not a valid grid polygon, or undefined when it is. */
export function geometryProblem(geometry: unknown): string | undefined {
  if (typeof geometry !== 'object' || geometry === null) return 'no geometry (a grid is a Polygon or MultiPolygon)';
  const { type, coordinates } = geometry as { type?: unknown; coordinates?: unknown };
  if (type !== 'Polygon' && type !== 'MultiPolygon') return `geometry type ${JSON.stringify(type)}: a grid is a Polygon or MultiPolygon`;
  if (!Array.isArray(coordinates) || coordinates.length === 0) return `${type} without coordinates`;
  const polygons = (type === 'Polygon' ? [coordinates] : coordinates) as unknown[];
  for (const [p, polygon] of polygons.entries()) {
    const at = type === 'MultiPolygon' ? `polygon ${p}, ` : '';
    if (!Array.isArray(polygon) || polygon.length === 0) return `${at}no rings`;
    for (const [r, ring] of polygon.entries()) {
      const where = `${at}ring ${r}`;
      if (!Array.isArray(ring)) return `${where} is not a list of positions`;
      if (ring.length < 4) return `${where} has ${ring.length} positions; a ring needs at least 4 (closed)`;
      if (ring.length > MAXIMUM_RING_POSITIONS) return `${where} has ${ring.length} positions (at most ${MAXIMUM_RING_POSITIONS})`;
      for (const [i, position] of ring.entries()) {
        if (!Array.isArray(position) || position.length < 2 || !Number.isFinite(position[0]) || !Number.isFinite(position[1])) return `${where}, position ${i} is not [lon, lat] numbers`;
        const [lon, lat] = position as number[];
        if (lon! < -180 || lon! > 180 || lat! < -90 || lat! > 90) return `${where}, position ${i} [${lon}, ${lat}] is not lon/lat degrees (WGS84; reproject a projected CRS first)`;
      }
      const first = ring[0] as number[];
      const last = ring[ring.length - 1] as number[];
      if (first[0] !== last[0] || first[1] !== last[1]) return `${where} is not closed (its last position is not its first)`;
      const clean = cleanRing(ring);
      if (clean.length < 4) return `${where} has ${clean.length} distinct positions; a ring needs at least 4 (closed)`;
    }
    const rings = (polygon as unknown[][]).map(cleanRing);
    const crossing = ringIntersection(rings);
    if (crossing) return `${at}${crossing}`;
    for (const [r, ring] of rings.entries()) if (signedArea(ring) === 0) return `${at}ring ${r} has no area`;
    const outer = { type: 'Polygon' as const, coordinates: [rings[0]!] };
    for (const [h, hole] of rings.slice(1).entries()) {
      // The rings do not touch (above), so a hole's first position is strictly inside the outer ring or outside it.
      if (!booleanPointInPolygon(hole[0]!, outer, { ignoreBoundary: true })) return `${at}hole ${h + 1} is not inside the outer ring`;
    }
  }
  return undefined;
}

const kinkAt = (found: ReturnType<typeof kinks>) => {
  const [lon, lat] = found.features[0]!.geometry.coordinates;
  return `[${lon}, ${lat}]`;
};

/**
 * Where the rings of one polygon cross or touch themselves or each other (@turf/kinks), or
 * undefined. One pass over the whole polygon; only when it finds something, ring by ring and
 * pair by pair to name the rings.
 */
function ringIntersection(rings: Position[][]): string | undefined {
  if (kinks({ type: 'Polygon', coordinates: rings }).features.length === 0) return undefined;
  for (const [r, ring] of rings.entries()) {
    const found = kinks({ type: 'LineString', coordinates: ring });
    if (found.features.length > 0) return `ring ${r} intersects itself at ${kinkAt(found)}`;
  }
  for (let r = 0; r < rings.length; r++) {
    for (let t = r + 1; t < rings.length; t++) {
      const found = kinks({ type: 'MultiLineString', coordinates: [rings[r]!, rings[t]!] });
      if (found.features.length > 0) return `rings ${r} and ${t} intersect at ${kinkAt(found)}`;
    }
  }
  return 'its rings intersect';
}

/**
 * Two grids may share an edge or a corner but not area. Their intersection (@turf/intersect) of
 * less than this is taken as a shared boundary: a T-junction vertex reprojected from a projected
 * CRS lands within about a millimetre of the other grid's edge, which leaves a sliver of well under
 * 1 m² (1 mm × 1 km = 1 m²) — about what the former 1 cm distance tolerance let through along a
 * 100 m edge; a real overlap of two grids drawn on a map is far larger.
 */
const OVERLAP_TOLERANCE_SQUARE_METRES = 1;
const METRES_PER_DEGREE = 111_319.49;

/** Area of a polygonal geometry in m² (shoelace in degrees², scaled at its middle latitude: for small areas). */
function areaSquareMetres(geometry: GridGeometry): number {
  const [, south, , north] = bboxOf(geometry);
  let degrees = 0;
  for (const polygon of polygonsOf(geometry)) for (const [r, ring] of polygon.entries()) degrees += (r === 0 ? 1 : -1) * Math.abs(signedArea(ring));
  return degrees * METRES_PER_DEGREE ** 2 * Math.cos((((south + north) / 2) * Math.PI) / 180);
}

/**
 * Whether the interiors of two valid grid geometries intersect: their intersection
 * (@turf/intersect) has an area of at least OVERLAP_TOLERANCE_SQUARE_METRES. Sharing an edge or a
 * corner is not an overlap.
 */
export function geometriesOverlap(g: GridGeometry, h: GridGeometry): boolean {
  const [w1, s1, e1, n1] = bboxOf(g);
  const [w2, s2, e2, n2] = bboxOf(h);
  if (w1 >= e2 || w2 >= e1 || s1 >= n2 || s2 >= n1) return false;
  const shared = intersect(featureCollection([feature(g), feature(h)]));
  return shared !== null && areaSquareMetres(shared.geometry as GridGeometry) >= OVERLAP_TOLERANCE_SQUARE_METRES;
}

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '');

/** Check one grid; `feature` names it in the error (e.g. "feature 3"). */
export function checkGrid(input: GridInput, feature: string): Grid {
  const code = text(input.code);
  const named = code ? `${feature} (${code})` : feature;
  if (!code) throw new GridInputError(feature, 'no grid code (property code)');
  const parsed = parseGridCode(code);
  if ('error' in parsed) throw new GridInputError(named, parsed.error);
  const level = parsed.level as GridLevel;
  if (!isGridLevel(level)) throw new GridInputError(named, `grid code ${code} names a ${level}; a grid is a street (9 digits), community (12) or unit grid (14)`);
  if (input.level !== undefined && input.level !== level) throw new GridInputError(named, `level ${JSON.stringify(input.level)} does not agree with its code, which names a ${level}`);
  const name = text(input.name);
  if (!name) throw new GridInputError(named, 'no name (property name)');
  if (name.length > 100) throw new GridInputError(named, 'name longer than 100 characters');
  const workers = input.workers ?? [];
  if (!Array.isArray(workers) || workers.length > 50) throw new GridInputError(named, 'workers must be a list of at most 50 grid workers');
  const checkedWorkers: GridWorker[] = workers.map((worker, i) => {
    const workerName = text(worker?.name);
    if (!workerName || workerName.length > 50) throw new GridInputError(named, `worker ${i}: a name of 1–50 characters`);
    const phone = text(worker.phone);
    if (phone.length > 30) throw new GridInputError(named, `worker ${i}: phone longer than 30 characters`);
    return phone ? { name: workerName, phone } : { name: workerName };
  });
  const problem = geometryProblem(input.geometry);
  if (problem) throw new GridInputError(named, `invalid geometry: ${problem}`);
  const geometry = normalised(input.geometry);
  const grid: Grid = { code, level, name, workers: checkedWorkers, geometry, bbox: bboxOf(geometry) };
  if (parsed.path.length >= 2 && level !== 'street') grid.parentCode = parsed.path[parsed.path.length - 2];
  return grid;
}

/**
 * Check a whole set of grids (what one import replaces the store with): each grid, no code twice,
 * and no two grids of one level overlapping. Candidates come from a sort on the bboxes' west edges.
 */
export function checkGridSet(inputs: Iterable<GridInput>, featureName: (index: number) => string = (i) => `feature ${i}`): Grid[] {
  const grids: Grid[] = [];
  const seen = new Map<string, number>();
  let index = 0;
  for (const input of inputs) {
    const grid = checkGrid(input, featureName(index));
    const earlier = seen.get(grid.code);
    if (earlier !== undefined) throw new GridInputError(`${featureName(index)} (${grid.code})`, `grid code ${grid.code} is also ${featureName(earlier)}'s`);
    seen.set(grid.code, index);
    grids.push(grid);
    index++;
  }
  for (const level of GRID_LEVELS) {
    const ofLevel = grids.map((grid, i) => ({ grid, i })).filter((e) => e.grid.level === level).sort((a, b) => a.grid.bbox[0] - b.grid.bbox[0]);
    for (let k = 0; k < ofLevel.length; k++) {
      const { grid, i } = ofLevel[k]!;
      for (let m = k + 1; m < ofLevel.length; m++) {
        const other = ofLevel[m]!;
        if (other.grid.bbox[0] >= grid.bbox[2]) break;
        if (geometriesOverlap(grid.geometry, other.grid.geometry)) {
          const [first, second] = i < other.i ? [{ grid, i }, other] : [other, { grid, i }];
          throw new GridInputError(`${featureName(second.i)} (${second.grid.code})`, `overlaps ${featureName(first.i)} (${first.grid.code}), another ${GRID_LEVEL_NAMES[level].en.toLowerCase()}: grids of one level must not overlap (sharing an edge is fine)`);
        }
      }
    }
  }
  return grids;
}
