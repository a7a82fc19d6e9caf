/**
 * The BIM section plane (剖切, CJJ/T 315) as pure math, no Cesium: where the clipping plane is for
 * a slider position, the rectangle drawn at it, and how a drag of that rectangle in the scene
 * moves it. Everything is in the clipping frame: east-north-up metres at the model's bounding
 * sphere centre (x east, y north, z up), the frame Cesium clips an untransformed tileset in.
 *
 * A horizontal plane moves along z (up), a vertical one along x (east). A drag follows the
 * pointer's ray: the plane goes where the ray passes closest to the line through the grabbed
 * point along the plane's normal (the usual axis-drag of a 3D manipulator), so the grabbed point
 * stays under the pointer. When that line points at the camera (a horizontal plane seen from
 * straight above) the ray says nothing about the distance along it; the drag then moves the plane
 * by the pointer's screen movement instead, up on the screen being towards the camera.
 */

export type Vec3 = readonly [number, number, number];

/** The plane's orientation: horizontal (a plan cut, keeps what is below) or vertical (keeps what is west of it). */
export type SectionAxisMode = 'horizontal' | 'vertical';

/** The model's extent in the clipping frame, metres. */
export interface SectionBox {
  west: number;
  east: number;
  south: number;
  north: number;
  bottom: number;
  top: number;
}

/** A ray in the clipping frame (the pointer's, from the camera). */
export interface Ray {
  origin: Vec3;
  direction: Vec3;
}

const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

/** The direction the plane moves in (its axis): up for a horizontal plane, east for a vertical one. */
export function sectionAxis(mode: SectionAxisMode): Vec3 {
  return mode === 'horizontal' ? [0, 0, 1] : [1, 0, 0];
}

/** The model's range along the plane's axis: bottom to top, or west to east. */
function span(mode: SectionAxisMode, box: SectionBox): [number, number] {
  return mode === 'horizontal' ? [box.bottom, box.top] : [box.west, box.east];
}

/** The plane's coordinate along its axis (z or x, metres) at a position from 0 (bottom / west) to 1 (top / east). */
export function sectionCoordinate(mode: SectionAxisMode, box: SectionBox, position: number): number {
  const [low, high] = span(mode, box);
  return low + (high - low) * clamp01(position);
}

/** The position (0 to 1) of a coordinate along the axis, held within the model's extent. */
export function sectionPositionOf(mode: SectionAxisMode, box: SectionBox, coordinate: number): number {
  const [low, high] = span(mode, box);
  return high > low ? clamp01((coordinate - low) / (high - low)) : 0.5;
}

/**
 * The clipping plane as Cesium takes it (normal·p + distance = 0, the side the normal points to
 * kept): a horizontal plane keeps z ≤ its height, a vertical one x ≤ its easting.
 */
export function sectionClippingPlane(mode: SectionAxisMode, box: SectionBox, position: number): { normal: Vec3; distance: number } {
  const coordinate = sectionCoordinate(mode, box, position);
  return mode === 'horizontal' ? { normal: [0, 0, -1], distance: coordinate } : { normal: [-1, 0, 0], distance: coordinate };
}

/**
 * The rectangle drawn at the plane: the model's cross-section and `margin` of its size more on
 * every side, so a rim sticks out to grab even where the model hides the plane. As a column-major
 * 4×4 matrix from the unit square (x and y from −0.5 to 0.5, normal +z, Cesium's PlaneGeometry)
 * into the clipping frame: a horizontal rectangle spans east and north, a vertical one north and
 * up (its normal east).
 */
export function sectionPlaneMatrix(mode: SectionAxisMode, box: SectionBox, position: number, margin = 0.15): number[] {
  const coordinate = sectionCoordinate(mode, box, position);
  const grow = 1 + 2 * margin;
  const northSouth = Math.max(box.north - box.south, 1) * grow;
  const centreNorth = (box.south + box.north) / 2;
  if (mode === 'horizontal') {
    const eastWest = Math.max(box.east - box.west, 1) * grow;
    // columns: unit x → east × width, unit y → north × depth, unit z → up, then the centre.
    return [eastWest, 0, 0, 0, 0, northSouth, 0, 0, 0, 0, 1, 0, (box.west + box.east) / 2, centreNorth, coordinate, 1];
  }
  const height = Math.max(box.top - box.bottom, 1) * grow;
  // columns: unit x → north × depth, unit y → up × height, unit z → east (the normal), then the centre.
  return [0, northSouth, 0, 0, 0, 0, height, 0, 1, 0, 0, 0, coordinate, centreNorth, (box.bottom + box.top) / 2, 1];
}

/**
 * The rim to grab the plane by: the drawn rectangle less the model's cross-section (the inner
 * 1/(1 + 2·margin) of it), as four bands of the unit square, each [centre u, centre v, width,
 * height]: the bands along v = ±0.5 (full width), then those along u = ±0.5 (between them).
 */
export function sectionRimBands(margin: number): [number, number, number, number][] {
  const inner = 0.5 / (1 + 2 * margin);
  const width = 0.5 - inner;
  const middle = (0.5 + inner) / 2;
  return [
    [0, middle, 1, width],
    [0, -middle, 1, width],
    [middle, 0, width, 2 * inner],
    [-middle, 0, width, 2 * inner],
  ];
}

/** A point of the unit square (−0.5 to 0.5) through a column-major matrix: where on the drawn plane it is. */
export function pointOnPlane(matrix: readonly number[], u: number, v: number): Vec3 {
  const m = matrix;
  return [m[0]! * u + m[4]! * v + m[12]!, m[1]! * u + m[5]! * v + m[13]!, m[2]! * u + m[6]! * v + m[14]!];
}

/** Where a ray meets the plane at `coordinate` along `axis` (a unit vector); undefined if it runs along the plane or away from it. */
export function rayPlaneIntersection(ray: Ray, axis: Vec3, coordinate: number): Vec3 | undefined {
  const along = dot(axis, ray.direction);
  if (Math.abs(along) < 1e-9) return undefined;
  const t = (coordinate - dot(axis, ray.origin)) / along;
  if (t < 0) return undefined;
  return [ray.origin[0] + t * ray.direction[0], ray.origin[1] + t * ray.direction[1], ray.origin[2] + t * ray.direction[2]];
}

/**
 * The parameter t of the point origin + t·axis (axis a unit vector) closest to a ray; undefined
 * when the ray is within `minimumSine` (as the sine of the angle) of parallel to the line, or when
 * that point is behind the ray's origin.
 */
export function closestOnAxis(origin: Vec3, axis: Vec3, ray: Ray, minimumSine = 0.05): number | undefined {
  const a = dot(axis, axis);
  const b = dot(axis, ray.direction);
  const c = dot(ray.direction, ray.direction);
  const w = sub(origin, ray.origin);
  const d = dot(axis, w);
  const e = dot(ray.direction, w);
  const denominator = a * c - b * b; // |axis|²|direction|² sin²(angle)
  if (!(denominator > minimumSine * minimumSine * a * c)) return undefined;
  const alongRay = (a * e - b * d) / denominator;
  if (alongRay < 0) return undefined;
  return (b * e - c * d) / denominator;
}

/** A drag in progress: the plane as it was grabbed and where. */
export interface SectionDrag {
  mode: SectionAxisMode;
  box: SectionBox;
  /** The plane's coordinate along its axis when grabbed. */
  startCoordinate: number;
  /** The grabbed point on the plane. */
  grab: Vec3;
  /** The axis parameter of the grabbing ray's closest point (≈ 0), undefined if it ran along the axis. */
  grabParameter: number | undefined;
}

/** Begin a drag: the plane at `position`, grabbed by the pointer's ray (at the point where it meets the plane, or `fallbackGrab`). */
export function startSectionDrag(mode: SectionAxisMode, box: SectionBox, position: number, ray: Ray, fallbackGrab: Vec3): SectionDrag {
  const axis = sectionAxis(mode);
  const startCoordinate = sectionCoordinate(mode, box, position);
  const grab = rayPlaneIntersection(ray, axis, startCoordinate) ?? fallbackGrab;
  return { mode, box, startCoordinate, grab, grabParameter: closestOnAxis(grab, axis, ray) };
}

/**
 * The position (0 to 1) the plane is dragged to by the pointer's ray now; undefined while that ray
 * runs along the axis or points away from it (the plane stays where it is). A drag grabbed with
 * the ray along the axis goes by the screen movement instead: `pixelsUp` the pointer's movement
 * up the screen since the grab, `metresPerPixel` the size of a pixel at the grabbed point, and
 * `axisTowardsCamera` whether the axis points at the camera (up on the screen moves the plane towards it).
 */
export function dragSectionPosition(drag: SectionDrag, ray: Ray, screen: { pixelsUp: number; metresPerPixel: number; axisTowardsCamera: boolean }): number | undefined {
  let moved: number;
  if (drag.grabParameter !== undefined) {
    const now = closestOnAxis(drag.grab, sectionAxis(drag.mode), ray);
    if (now === undefined) return undefined;
    moved = now - drag.grabParameter;
  } else moved = screen.pixelsUp * screen.metresPerPixel * (screen.axisTowardsCamera ? 1 : -1);
  return sectionPositionOf(drag.mode, drag.box, drag.startCoordinate + moved);
}
