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
import earcut from 'earcut';
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

const orient = (a: Position, b: Position, c: Position) => (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);

function onSegment(p: Position, a: Position, b: Position): boolean {
  return orient(a, b, p) === 0 && Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

/** Distance from p to the segment a–b (in degrees: for the overlap test's tolerance only). */
function distanceToSegment(p: Position, a: Position, b: Position): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / lengthSquared));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/**
 * 1 inside the ring, 0 on its boundary, −1 outside (crossing number, boundary first). With a
 * tolerance (degrees), a point that near an edge counts as on it.
 */
export function pointInRing(p: Position, ring: readonly Position[], tolerance = 0): 1 | 0 | -1 {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[j]!;
    const b = ring[i]!;
    if (tolerance === 0 ? onSegment(p, a, b) : distanceToSegment(p, a, b) <= tolerance) return 0;
    if (a[1] > p[1] !== b[1] > p[1]) {
      const x = a[0] + ((p[1] - a[1]) * (b[0] - a[0])) / (b[1] - a[1]);
      if (p[0] < x) inside = !inside;
    }
  }
  return inside ? 1 : -1;
}

/** 1 inside the polygon (outer ring minus holes), 0 on a boundary, −1 outside. */
export function pointInPolygon(p: Position, polygon: readonly (readonly Position[])[], tolerance = 0): 1 | 0 | -1 {
  const outer = pointInRing(p, polygon[0]!, tolerance);
  if (outer !== 1) return outer;
  for (const hole of polygon.slice(1)) {
    const inHole = pointInRing(p, hole, tolerance);
    if (inHole === 0) return 0;
    if (inHole === 1) return -1;
  }
  return 1;
}

/** 1 inside, 0 on the boundary, −1 outside the geometry. */
export function pointInGeometry(p: Position, geometry: GridGeometry): 1 | 0 | -1 {
  let best: 1 | 0 | -1 = -1;
  for (const polygon of polygonsOf(geometry)) {
    const where = pointInPolygon(p, polygon);
    if (where === 1) return 1;
    if (where === 0) best = 0;
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

/** Segments a–b and c–d cross at a point inside both (not at an end, not collinear). */
function crossProperly(a: Position, b: Position, c: Position, d: Position): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  return ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0));
}

/** Segments a–b and c–d share any point. */
function touch(a: Position, b: Position, c: Position, d: Position): boolean {
  if (crossProperly(a, b, c, d)) return true;
  return onSegment(c, a, b) || onSegment(d, a, b) || onSegment(a, c, d) || onSegment(b, c, d);
}

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
    const crossing = selfIntersection(rings);
    if (crossing) return `${at}${crossing}`;
    for (const [r, ring] of rings.entries()) if (signedArea(ring) === 0) return `${at}ring ${r} has no area`;
    for (const [h, hole] of rings.slice(1).entries()) {
      if (pointInRing(hole[0]!, rings[0]!) !== 1) return `${at}hole ${h + 1} is not inside the outer ring`;
    }
  }
  return undefined;
}

/** Where the rings of one polygon intersect themselves or each other, or undefined. */
function selfIntersection(rings: Position[][]): string | undefined {
  const segments: { ring: number; index: number; a: Position; b: Position; count: number }[] = [];
  rings.forEach((ring, r) => {
    for (let i = 0; i < ring.length - 1; i++) segments.push({ ring: r, index: i, a: ring[i]!, b: ring[i + 1]!, count: ring.length - 1 });
  });
  const sorted = [...segments].sort((s, t) => Math.min(s.a[0], s.b[0]) - Math.min(t.a[0], t.b[0]));
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i]!;
    const sEast = Math.max(s.a[0], s.b[0]);
    for (let j = i + 1; j < sorted.length; j++) {
      const t = sorted[j]!;
      if (Math.min(t.a[0], t.b[0]) > sEast) break;
      if (Math.max(s.a[1], s.b[1]) < Math.min(t.a[1], t.b[1]) || Math.max(t.a[1], t.b[1]) < Math.min(s.a[1], s.b[1])) continue;
      if (s.ring === t.ring) {
        const gap = Math.abs(s.index - t.index);
        const adjacent = gap === 1 || gap === s.count - 1;
        if (adjacent) {
          // Neighbours share one end; they must not fold back over each other.
          const [first, second] = t.index === s.index + 1 ? [s, t] : s.index === t.index + 1 ? [t, s] : s.index === s.count - 1 ? [s, t] : [t, s];
          const shared = first.b;
          if (orient(first.a, shared, second.b) === 0 && (second.b[0] - shared[0]) * (first.a[0] - shared[0]) + (second.b[1] - shared[1]) * (first.a[1] - shared[1]) > 0) return `ring ${s.ring} folds back on itself at [${shared[0]}, ${shared[1]}]`;
          continue;
        }
      }
      if (touch(s.a, s.b, t.a, t.b)) {
        return s.ring === t.ring ? `ring ${s.ring} intersects itself (edges ${Math.min(s.index, t.index)} and ${Math.max(s.index, t.index)})` : `rings ${s.ring} and ${t.ring} intersect`;
      }
    }
  }
  return undefined;
}

/** A point inside a polygon (the centroid of its largest triangle), for the overlap test. */
function interiorPoint(polygon: Position[][]): Position {
  const flat: number[] = [];
  const holes: number[] = [];
  for (const [r, ring] of polygon.entries()) {
    if (r > 0) holes.push(flat.length / 2);
    for (const [lon, lat] of ring.slice(0, -1)) flat.push(lon, lat);
  }
  const triangles = earcut(flat, holes);
  let best: Position = polygon[0]![0]!;
  let bestArea = -1;
  for (let i = 0; i < triangles.length; i += 3) {
    const [a, b, c] = [triangles[i]!, triangles[i + 1]!, triangles[i + 2]!].map((k) => [flat[2 * k]!, flat[2 * k + 1]!] as Position);
    const area = Math.abs(orient(a!, b!, c!));
    if (area > bestArea) {
      bestArea = area;
      best = [(a![0] + b![0] + c![0]) / 3, (a![1] + b![1] + c![1]) / 3];
    }
  }
  return best;
}

/** About 1 cm: closer to a boundary than this is on it, for the overlap test (not for point location). */
const OVERLAP_TOLERANCE_DEGREES = 1e-7;

function polygonsOverlap(p: Position[][], q: Position[][]): boolean {
  const edges = (polygon: Position[][]) => polygon.flatMap((ring) => ring.slice(0, -1).map((a, i) => [a, ring[i + 1]!] as [Position, Position]));
  const pEdges = edges(p);
  const qEdges = edges(q);
  for (const [a, b] of pEdges) for (const [c, d] of qEdges) if (crossProperly(a, b, c, d)) return true;
  // Midpoints of a shared edge are computed, so not exactly on it: within OVERLAP_TOLERANCE counts as on it.
  const strictlyInside = (point: Position, polygon: Position[][]) => pointInPolygon(point, polygon, OVERLAP_TOLERANCE_DEGREES) === 1;
  for (const [a, b] of pEdges) if (strictlyInside(a, q) || strictlyInside([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2], q)) return true;
  for (const [a, b] of qEdges) if (strictlyInside(a, p) || strictlyInside([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2], p)) return true;
  return strictlyInside(interiorPoint(p), q) || strictlyInside(interiorPoint(q), p);
}

/**
 * Whether the interiors of two valid grid geometries intersect (sharing an edge or a corner is
 * not an overlap): an edge crossing, or a vertex, an edge's midpoint or an interior point of one
 * strictly inside the other.
 */
export function geometriesOverlap(g: GridGeometry, h: GridGeometry): boolean {
  const [w1, s1, e1, n1] = bboxOf(g);
  const [w2, s2, e2, n2] = bboxOf(h);
  if (w1 >= e2 || w2 >= e1 || s1 >= n2 || s2 >= n1) return false;
  for (const p of polygonsOf(g)) for (const q of polygonsOf(h)) if (polygonsOverlap(p, q)) return true;
  return false;
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
