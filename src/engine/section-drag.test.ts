import { describe, expect, it } from 'vitest';
import {
  closestOnAxis,
  dragSectionPosition,
  pointOnPlane,
  rayPlaneIntersection,
  sectionClippingPlane,
  sectionCoordinate,
  sectionPlaneMatrix,
  sectionPositionOf,
  sectionRimBands,
  startSectionDrag,
  type Ray,
  type SectionBox,
  type Vec3,
} from './section-drag.ts';

/** A model 20 m east-west, 12 m north-south, 8 m high, a little off the frame's origin. */
const BOX: SectionBox = { west: -10, east: 10, south: -4, north: 8, bottom: -3, top: 5 };

/** The ray from a camera through a point of the scene (what the pointer over that point gives). */
const rayThrough = (camera: Vec3, point: Vec3): Ray => ({ origin: camera, direction: [point[0] - camera[0], point[1] - camera[1], point[2] - camera[2]] });

const NO_SCREEN = { pixelsUp: 0, metresPerPixel: 0, axisTowardsCamera: true };

/** A camera south-west of the model and above it, looking down at it (as the viewer opens a model). */
const CAMERA: Vec3 = [-40, -50, 45];

describe('the section plane', () => {
  it('goes from the bottom to the top, or west to east, with the position, and back', () => {
    expect(sectionCoordinate('horizontal', BOX, 0)).toBe(-3);
    expect(sectionCoordinate('horizontal', BOX, 1)).toBe(5);
    expect(sectionCoordinate('horizontal', BOX, 0.25)).toBe(-1);
    expect(sectionCoordinate('vertical', BOX, 0.75)).toBe(5);
    expect(sectionPositionOf('vertical', BOX, 5)).toBeCloseTo(0.75, 12);
    expect(sectionPositionOf('horizontal', BOX, -1)).toBeCloseTo(0.25, 12);
    // Beyond the model: held at its ends.
    expect(sectionPositionOf('horizontal', BOX, 40)).toBe(1);
    expect(sectionPositionOf('vertical', BOX, -40)).toBe(0);
    expect(sectionCoordinate('horizontal', BOX, 3)).toBe(5);
  });

  it('clips as the README says: a horizontal plane keeps what is below it, a vertical one what is west of it', () => {
    const kept = (plane: { normal: Vec3; distance: number }, p: Vec3) => plane.normal[0] * p[0] + plane.normal[1] * p[1] + plane.normal[2] * p[2] + plane.distance > 0;
    const horizontal = sectionClippingPlane('horizontal', BOX, 0.5); // z = 1
    expect(kept(horizontal, [0, 0, 0.9])).toBe(true);
    expect(kept(horizontal, [0, 0, 1.1])).toBe(false);
    const vertical = sectionClippingPlane('vertical', BOX, 0.25); // x = −5
    expect(kept(vertical, [-5.1, 3, 2])).toBe(true);
    expect(kept(vertical, [-4.9, 3, 2])).toBe(false);
  });

  it('is drawn at the clipping plane, wider than the model by the margin on every side', () => {
    const horizontal = sectionPlaneMatrix('horizontal', BOX, 0.5, 0.1);
    // 20 m × 1.2 east-west, 12 m × 1.2 north-south, centred on the model, at z = 1.
    expect(pointOnPlane(horizontal, -0.5, -0.5)).toEqual([-12, -5.2, 1].map((v) => expect.closeTo(v, 9)));
    expect(pointOnPlane(horizontal, 0.5, 0.5)).toEqual([12, 9.2, 1].map((v) => expect.closeTo(v, 9)));
    // Its normal (the unit square's z) is up.
    expect(horizontal.slice(8, 11)).toEqual([0, 0, 1]);
    const vertical = sectionPlaneMatrix('vertical', BOX, 0.25, 0.1);
    // At x = −5, spanning north-south and bottom-top; normal east.
    expect(pointOnPlane(vertical, -0.5, -0.5)).toEqual([-5, -5.2, -3.8].map((v) => expect.closeTo(v, 9)));
    expect(pointOnPlane(vertical, 0.5, 0.5)).toEqual([-5, 9.2, 5.8].map((v) => expect.closeTo(v, 9)));
    expect(vertical.slice(8, 11)).toEqual([1, 0, 0]);
  });

  it('finds where a ray meets it, and nothing behind the camera or along the plane', () => {
    const hit = rayPlaneIntersection(rayThrough(CAMERA, [2, 3, 1]), [0, 0, 1], 1)!;
    expect(hit).toEqual([2, 3, 1].map((v) => expect.closeTo(v, 9)));
    expect(rayPlaneIntersection({ origin: [0, 0, 10], direction: [0, 0, 1] }, [0, 0, 1], 1)).toBeUndefined();
    expect(rayPlaneIntersection({ origin: [0, 0, 10], direction: [1, 0, 0] }, [0, 0, 1], 1)).toBeUndefined();
  });
});

describe('the closest point of an axis to a ray', () => {
  it('is where the ray crosses the axis, or comes nearest to it', () => {
    // A vertical line through (2, 3); a ray through (2, 3, 7) meets it at t = 7 − 1.
    expect(closestOnAxis([2, 3, 1], [0, 0, 1], rayThrough(CAMERA, [2, 3, 7]))).toBeCloseTo(6, 9);
    // A ray along x at height 4, passing 5 m north of the vertical line through the origin: nearest at z = 4.
    expect(closestOnAxis([0, 0, 0], [0, 0, 1], { origin: [-30, 5, 4], direction: [1, 0, 0] })).toBeCloseTo(4, 9);
  });

  it('is undefined for a ray along the axis or one pointing away from it', () => {
    expect(closestOnAxis([0, 0, 0], [0, 0, 1], { origin: [0.1, 0, 100], direction: [0, 0, -1] })).toBeUndefined();
    expect(closestOnAxis([0, 0, 0], [0, 0, 1], { origin: [0.1, 0, 100], direction: [0.01, 0, -1] })).toBeUndefined();
    expect(closestOnAxis([0, 0, 0], [0, 0, 1], { origin: [-30, 5, 4], direction: [-1, 0, 0] })).toBeUndefined();
  });
});

describe('dragging the plane', () => {
  it('raises a horizontal plane so the grabbed point stays under the pointer', () => {
    const grabbed: Vec3 = [6, -3, 1]; // on the plane at position 0.5 (z = 1), near its rim
    const drag = startSectionDrag('horizontal', BOX, 0.5, rayThrough(CAMERA, grabbed), [0, 0, 0]);
    expect(drag.grab).toEqual(grabbed.map((v) => expect.closeTo(v, 9)));
    // The pointer now over the point 2 m above: the plane is at z = 3 (position 0.75).
    expect(dragSectionPosition(drag, rayThrough(CAMERA, [6, -3, 3]), NO_SCREEN)).toBeCloseTo(0.75, 9);
    // 2 m down, and a point off the vertical line (the ray's nearest approach counts).
    expect(dragSectionPosition(drag, rayThrough(CAMERA, [6, -3, -1]), NO_SCREEN)).toBeCloseTo(0.25, 9);
    expect(dragSectionPosition(drag, rayThrough(CAMERA, [6.5, -3.2, 2]), NO_SCREEN)!).toBeGreaterThan(0.6);
    // Beyond the model's top: held at the top.
    expect(dragSectionPosition(drag, rayThrough(CAMERA, [6, -3, 30]), NO_SCREEN)).toBe(1);
  });

  it('moves a vertical plane east and west along its normal', () => {
    const grabbed: Vec3 = [-5, 9, 4]; // on the plane at position 0.25 (x = −5), in the rim north of the model
    const drag = startSectionDrag('vertical', BOX, 0.25, rayThrough(CAMERA, grabbed), [0, 0, 0]);
    expect(dragSectionPosition(drag, rayThrough(CAMERA, [5, 9, 4]), NO_SCREEN)).toBeCloseTo(0.75, 9);
    expect(dragSectionPosition(drag, rayThrough(CAMERA, [-8, 9, 4]), NO_SCREEN)).toBeCloseTo(0.1, 9);
    expect(dragSectionPosition(drag, rayThrough(CAMERA, [-50, 9, 4]), NO_SCREEN)).toBe(0);
  });

  it('does not jump at the grab: the same ray gives the same position', () => {
    const ray = rayThrough(CAMERA, [3, 2, 1]);
    const drag = startSectionDrag('horizontal', BOX, 0.5, ray, [0, 0, 0]);
    expect(dragSectionPosition(drag, ray, NO_SCREEN)).toBeCloseTo(0.5, 12);
  });

  it('keeps the plane where it is while the ray runs along the axis', () => {
    const drag = startSectionDrag('horizontal', BOX, 0.5, rayThrough(CAMERA, [3, 2, 1]), [0, 0, 0]);
    expect(dragSectionPosition(drag, { origin: [3, 2, 60], direction: [0, 0, -1] }, NO_SCREEN)).toBeUndefined();
  });

  it('goes by the screen movement when grabbed looking straight along the axis (a plan cut seen from above)', () => {
    const fromAbove: Ray = { origin: [3, 2, 80], direction: [0, 0, -1] };
    const drag = startSectionDrag('horizontal', BOX, 0.5, fromAbove, [0, 0, 1]);
    expect(drag.grab).toEqual([3, 2, 1].map((v) => expect.closeTo(v, 9)));
    expect(drag.grabParameter).toBeUndefined();
    // 40 px up the screen at 5 cm a pixel, the axis (up) towards the camera: 2 m up.
    expect(dragSectionPosition(drag, fromAbove, { pixelsUp: 40, metresPerPixel: 0.05, axisTowardsCamera: true })).toBeCloseTo(0.75, 9);
    expect(dragSectionPosition(drag, fromAbove, { pixelsUp: 40, metresPerPixel: 0.05, axisTowardsCamera: false })).toBeCloseTo(0.25, 9);
  });
});

describe('the rim to grab the plane by', () => {
  it('covers the drawn rectangle outside the model, without overlaps or gaps', () => {
    const margin = 0.1;
    const bands = sectionRimBands(margin);
    const inner = 0.5 / 1.2;
    const inBand = (u: number, v: number) => bands.filter(([cu, cv, w, h]) => Math.abs(u - cu) < w / 2 && Math.abs(v - cv) < h / 2).length;
    let checked = 0;
    for (let u = -0.495; u < 0.5; u += 0.01) {
      for (let v = -0.495; v < 0.5; v += 0.01) {
        const insideModel = Math.abs(u) < inner - 1e-9 && Math.abs(v) < inner - 1e-9;
        const onEdge = Math.abs(Math.abs(u) - inner) < 1e-6 || Math.abs(Math.abs(v) - inner) < 1e-6;
        if (onEdge) continue;
        expect(inBand(u, v), `(${u}, ${v})`).toBe(insideModel ? 0 : 1);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(9000);
  });
});
