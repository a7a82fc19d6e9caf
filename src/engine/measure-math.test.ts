import { Cartesian3, Matrix4, Transforms } from 'cesium';
import { describe, expect, it } from 'vitest';
import { heightDifference, horizontalDistance, measureValue, toLocalFrame } from './measure-math.ts';

/** A point `east`, `north`, `up` metres from an origin, in its east-north-up frame. */
function offset(origin: Cartesian3, east: number, north: number, up: number): Cartesian3 {
  return Matrix4.multiplyByPoint(Transforms.eastNorthUpToFixedFrame(origin), new Cartesian3(east, north, up), new Cartesian3());
}

describe('measure math', () => {
  it('gives the geodesic of the WGS84 ellipsoid: a degree along the equator and along a meridian', () => {
    // a·π/180 on the equator; 110,574.4 m from 0° to 1° N (the meridian arc of WGS84).
    expect(horizontalDistance(Cartesian3.fromDegrees(0, 0), Cartesian3.fromDegrees(1, 0))).toBeCloseTo(111_319.4908, 3);
    expect(horizontalDistance(Cartesian3.fromDegrees(0, 0), Cartesian3.fromDegrees(0, 1))).toBeCloseTo(110_574.4, 0);
  });

  it('measures the plan distance whatever the heights, and the straight line through them', () => {
    const ground = Cartesian3.fromDegrees(113.12, 23.02, 0);
    const roof = offset(ground, 30, 40, 0);
    const far = offset(ground, 30, 40, 120);
    // 3-4-5 in the plane; the roof point 120 m up: its plan distance (at its own footprint) is still 50 m.
    expect(measureValue('horizontal', [ground, roof])!.metres).toBeCloseTo(50, 2);
    expect(measureValue('horizontal', [ground, far])!.metres).toBeCloseTo(50, 2);
    expect(measureValue('spatial', [ground, far])!.metres).toBeCloseTo(130, 6);
  });

  it('gives the height difference of a roof over the ground next to it, signed', () => {
    const ground = Cartesian3.fromDegrees(113.12, 23.02, 0);
    const roof = Cartesian3.fromDegrees(113.1201, 23.0201, 42.5);
    expect(heightDifference(ground, roof)).toBeCloseTo(42.5, 6);
    expect(measureValue('height', [roof, ground])!.metres).toBeCloseTo(-42.5, 6);
  });

  it('measures a 100 m square on the ground, and a pitched roof over it, in the local frame', () => {
    const origin = Cartesian3.fromDegrees(113.12, 23.02, 0);
    const square = [offset(origin, 0, 0, 0), offset(origin, 100, 0, 0), offset(origin, 100, 100, 0), offset(origin, 0, 100, 0)];
    const flat = measureValue('area', square)!.area!;
    expect(flat.horizontal).toBeCloseTo(10_000, 3);
    expect(flat.surface).toBeCloseTo(10_000, 3);
    // Rising 100 m over 100 m north: 45°.
    const pitched = [offset(origin, 0, 0, 10), offset(origin, 100, 0, 10), offset(origin, 100, 100, 110), offset(origin, 0, 100, 110)];
    const roof = measureValue('area', pitched)!.area!;
    expect(roof.horizontal).toBeCloseTo(10_000, 2);
    expect(roof.surface).toBeCloseTo(10_000 * Math.SQRT2, 2);
    const local = toLocalFrame(square, origin);
    expect(local[2]!.east).toBeCloseTo(100, 6);
    expect(local[2]!.north).toBeCloseTo(100, 6);
  });

  it('has no value until it has its points', () => {
    const a = Cartesian3.fromDegrees(113.12, 23.02, 0);
    expect(measureValue('horizontal', [a])).toBeUndefined();
    expect(measureValue('area', [a, a])).toBeUndefined();
    expect(measureValue('horizontal', [a, a])!.metres).toBe(0);
  });
});
