import { describe, expect, it } from 'vitest';
import { horizonDistanceMetres, horizonRectangleDegrees } from './geometry.ts';

describe('horizon', () => {
  it('is about √(2Rh) away for an eye above the ground, and nowhere at or below it', () => {
    // 1,347 m: the demo's opening view. √(2 × 6,371 km × 1.347 km) ≈ 131.0 km.
    expect(horizonDistanceMetres(1347)).toBeCloseTo(131_000, -3);
    expect(horizonDistanceMetres(0)).toBe(0);
    expect(horizonDistanceMetres(-25)).toBe(0);
    expect(horizonDistanceMetres(Number.NaN)).toBe(0);
  });

  it('boxes the eye’s horizon plus the relief’s, with the margin, around the eye', () => {
    const box = horizonRectangleDegrees(113.12, 23.0, 1347, { reliefMetres: 1000, marginFactor: 1.2, minimumRadiusMetres: 0 });
    const radiusMetres = (horizonDistanceMetres(1347) + horizonDistanceMetres(1000)) * 1.2;
    const halfLatitude = (radiusMetres / 6_371_000) * (180 / Math.PI);
    expect(box.northDegrees - 23.0).toBeCloseTo(halfLatitude, 6);
    expect(23.0 - box.southDegrees).toBeCloseTo(halfLatitude, 6);
    // Longitude degrees are shorter away from the equator: the box is wider than tall, by 1/cos of its widest latitude.
    expect(box.eastDegrees - 113.12).toBeCloseTo(halfLatitude / Math.cos((box.northDegrees * Math.PI) / 180), 6);
    expect(box.eastDegrees - 113.12).toBeCloseTo(113.12 - box.westDegrees, 9);
    // Higher eye, larger box.
    const higher = horizonRectangleDegrees(113.12, 23.0, 20_000);
    expect(higher.northDegrees).toBeGreaterThan(box.northDegrees);
  });

  it('keeps a minimum radius for an eye below the ground', () => {
    const box = horizonRectangleDegrees(113.12, 23.0, -30, { reliefMetres: 0, minimumRadiusMetres: 50_000 });
    expect(box.northDegrees - 23.0).toBeCloseTo((50_000 / 6_371_000) * (180 / Math.PI), 6);
  });

  it('crosses the antimeridian with west greater than east', () => {
    const box = horizonRectangleDegrees(179.9, -17.0, 1000);
    expect(box.westDegrees).toBeGreaterThan(box.eastDegrees);
    expect(box.westDegrees).toBeLessThan(179.9);
    expect(box.eastDegrees).toBeLessThan(-170);
  });

  it('spans every longitude near a pole and stops at it', () => {
    const box = horizonRectangleDegrees(10, 89.5, 1000);
    expect(box).toMatchObject({ westDegrees: -180, eastDegrees: 180, northDegrees: 90 });
  });
});
