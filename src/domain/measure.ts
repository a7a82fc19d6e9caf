/**
 * Measurement (量测, CJJ/T 315 §量测分析): the tools, how many points each takes, the area of a
 * measured polygon and how results are written. Pure: the engine turns picked positions into
 * metres in a local east-north-up frame (src/engine/measure-math.ts, Cesium's geodesy) and
 * hands them here.
 *
 * Area, defined:
 * - horizontal (projected) area, 水平投影面积: the area of the polygon's projection on the local
 *   horizontal plane (the ENU east-north plane at the first point), as a land survey states a
 *   parcel or a footprint;
 * - surface area, 表面积: the vertices are triangulated in that projection (earcut) and each
 *   triangle is taken at its vertices' real heights; the sum of those 3D triangles. For points
 *   on one plane (a pitched roof) it is that plane's area, horizontal ÷ cos(slope); for
 *   non-planar points it is the area of that triangulated surface (a TIN over the vertices).
 */
import earcut from 'earcut';

export type MeasureKind = 'horizontal' | 'spatial' | 'height' | 'area';

export const MEASURE_KINDS: readonly MeasureKind[] = ['horizontal', 'spatial', 'height', 'area'];

/** What a picked point lies on: a building, a pipe (both 3D Tiles, depth-picked), the ground (globe). */
export type SnapTarget = 'building' | 'pipe' | 'ground' | 'other';

/** A position in metres in a local east-north-up frame. */
export interface LocalPoint {
  east: number;
  north: number;
  up: number;
}

/** Points a tool takes: distances and the height difference are two-point; an area takes 3 or more, ended by the user. */
export function pointsNeeded(kind: MeasureKind): { minimum: number; maximum: number } {
  return kind === 'area' ? { minimum: 3, maximum: Number.POSITIVE_INFINITY } : { minimum: 2, maximum: 2 };
}

/** Whether a measurement with this many points is complete without the user ending it. */
export function isCompleteAt(kind: MeasureKind, count: number): boolean {
  return count >= pointsNeeded(kind).maximum;
}

function triangleArea3d(a: LocalPoint, b: LocalPoint, c: LocalPoint): number {
  const ux = b.east - a.east;
  const uy = b.north - a.north;
  const uz = b.up - a.up;
  const vx = c.east - a.east;
  const vy = c.north - a.north;
  const vz = c.up - a.up;
  const cx = uy * vz - uz * vy;
  const cy = uz * vx - ux * vz;
  const cz = ux * vy - uy * vx;
  return Math.hypot(cx, cy, cz) / 2;
}

/**
 * Horizontal projected area and surface area (m², defined above) of a polygon given by its
 * vertices in order (not closed: the last vertex joins the first). Fewer than 3 vertices, or
 * all on one line, give 0.
 */
export function polygonAreas(points: readonly LocalPoint[]): { horizontal: number; surface: number } {
  // A closing vertex equal to the first is dropped.
  const ring = points.length > 1 && samePoint(points[0]!, points.at(-1)!) ? points.slice(0, -1) : points;
  if (ring.length < 3) return { horizontal: 0, surface: 0 };
  const flat: number[] = [];
  for (const p of ring) flat.push(p.east, p.north);
  const triangles = earcut(flat);
  let horizontal = 0;
  let surface = 0;
  for (let i = 0; i < triangles.length; i += 3) {
    const a = ring[triangles[i]!]!;
    const b = ring[triangles[i + 1]!]!;
    const c = ring[triangles[i + 2]!]!;
    horizontal += Math.abs((b.east - a.east) * (c.north - a.north) - (c.east - a.east) * (b.north - a.north)) / 2;
    surface += triangleArea3d(a, b, c);
  }
  return { horizontal, surface };
}

function samePoint(a: LocalPoint, b: LocalPoint): boolean {
  return a.east === b.east && a.north === b.north && a.up === b.up;
}

/** Whether the surface area says more than the horizontal one (points off the horizontal by more than rounding). */
export function surfaceDiffers(areas: { horizontal: number; surface: number }): boolean {
  return areas.surface - areas.horizontal > Math.max(0.05, areas.horizontal * 0.001);
}

/**
 * A length in metres as shown: centimetres below 100 m (about what a depth pick resolves
 * close up), decimetres below 10 km, then kilometres. Signed values keep their sign.
 */
export function formatLength(metres: number): string {
  const size = Math.abs(metres);
  if (size >= 10_000) return `${(metres / 1000).toFixed(3)} km`;
  return `${metres.toFixed(size < 100 ? 2 : 1)} m`;
}

/** An area in m²: one decimal below 10,000 m², whole square metres above, with thousands separators. */
export function formatArea(squareMetres: number): string {
  const digits = squareMetres < 10_000 ? 1 : 0;
  return `${squareMetres.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} m²`;
}

/** The tools' and snap targets' names (CJJ/T 315 terms), for labels and panels. */
export const MEASURE_KIND_NAMES: Record<MeasureKind, { zh: string; en: string }> = {
  horizontal: { zh: '水平距离', en: 'Horizontal distance' },
  spatial: { zh: '空间距离', en: 'Spatial distance' },
  height: { zh: '高差', en: 'Height difference' },
  area: { zh: '面积', en: 'Area' },
};

export const SNAP_TARGET_NAMES: Record<SnapTarget, { zh: string; en: string }> = {
  building: { zh: '建筑', en: 'Building' },
  pipe: { zh: '管线', en: 'Pipe' },
  ground: { zh: '地面', en: 'Ground' },
  other: { zh: '模型', en: 'Model' },
};
