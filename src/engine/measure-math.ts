/**
 * The Cesium side of measurement math: picked positions (ECEF) to metres. Horizontal distance is
 * the geodesic on the WGS84 ellipsoid between the points' footprints (EllipsoidGeodesic, as a
 * survey's plan distance); spatial distance the straight line between them (Cartesian3.distance);
 * height difference the difference of their ellipsoidal heights (the ground here is the
 * ellipsoid, so it is the height above ground too). Areas: the points in a local east-north-up
 * frame at the first point (Transforms.eastNorthUpToFixedFrame), then src/domain/measure.ts.
 */
import { Cartesian3, Cartographic, Ellipsoid, EllipsoidGeodesic, Matrix4, Transforms } from 'cesium';
import { polygonAreas, type LocalPoint, type MeasureKind } from '../domain/measure.ts';

export interface MeasureValue {
  kind: MeasureKind;
  /** Metres: the distance, or the height difference (second point minus first: positive when it is higher). */
  metres?: number;
  /** m², for areas. */
  area?: { horizontal: number; surface: number };
}

/** Geodesic distance (m) along the ellipsoid between the footprints of two positions. */
export function horizontalDistance(a: Cartesian3, b: Cartesian3, ellipsoid: Ellipsoid = Ellipsoid.WGS84): number {
  const start = Cartographic.fromCartesian(a, ellipsoid);
  const end = Cartographic.fromCartesian(b, ellipsoid);
  if (Math.abs(start.longitude - end.longitude) < 1e-15 && Math.abs(start.latitude - end.latitude) < 1e-15) return 0;
  return new EllipsoidGeodesic(start, end, ellipsoid).surfaceDistance;
}

/** Height of b above a (m, negative when lower), from their ellipsoidal heights. */
export function heightDifference(a: Cartesian3, b: Cartesian3, ellipsoid: Ellipsoid = Ellipsoid.WGS84): number {
  return Cartographic.fromCartesian(b, ellipsoid).height - Cartographic.fromCartesian(a, ellipsoid).height;
}

/** Positions in metres in the east-north-up frame whose origin is `origin`. */
export function toLocalFrame(points: readonly Cartesian3[], origin: Cartesian3, ellipsoid: Ellipsoid = Ellipsoid.WGS84): LocalPoint[] {
  const inverse = Matrix4.inverseTransformation(Transforms.eastNorthUpToFixedFrame(origin, ellipsoid), new Matrix4());
  const scratch = new Cartesian3();
  return points.map((p) => {
    const local = Matrix4.multiplyByPoint(inverse, p, scratch);
    return { east: local.x, north: local.y, up: local.z };
  });
}

/** The value of a measurement over its points (undefined until it has enough of them). */
export function measureValue(kind: MeasureKind, points: readonly Cartesian3[], ellipsoid: Ellipsoid = Ellipsoid.WGS84): MeasureValue | undefined {
  if (kind === 'area') {
    if (points.length < 3) return undefined;
    return { kind, area: polygonAreas(toLocalFrame(points, points[0]!, ellipsoid)) };
  }
  if (points.length < 2) return undefined;
  const [a, b] = [points[0]!, points[1]!];
  const metres = kind === 'horizontal' ? horizontalDistance(a, b, ellipsoid) : kind === 'spatial' ? Cartesian3.distance(a, b) : heightDifference(a, b, ellipsoid);
  return { kind, metres };
}
