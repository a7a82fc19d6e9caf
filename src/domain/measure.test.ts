import { describe, expect, it } from 'vitest';
import { formatArea, formatLength, isCompleteAt, polygonAreas, surfaceDiffers, type LocalPoint } from './measure.ts';

const p = (east: number, north: number, up = 0): LocalPoint => ({ east, north, up });

describe('polygon areas', () => {
  it('gives a flat rectangle its area, both ways, in either winding and with a closing vertex', () => {
    const rectangle = [p(0, 0), p(40, 0), p(40, 25), p(0, 25)];
    expect(polygonAreas(rectangle)).toEqual({ horizontal: 1000, surface: 1000 });
    expect(polygonAreas([...rectangle].reverse()).horizontal).toBeCloseTo(1000, 9);
    expect(polygonAreas([...rectangle, p(0, 0)]).horizontal).toBeCloseTo(1000, 9);
  });

  it('gives an L-shaped (concave) footprint its area, not its hull’s', () => {
    // 30 × 20 with its 12 × 10 north-east corner cut away: 600 − 120.
    const l = [p(0, 0), p(30, 0), p(30, 10), p(18, 10), p(18, 20), p(0, 20)];
    expect(polygonAreas(l).horizontal).toBeCloseTo(480, 9);
  });

  it('gives a roof pitched at 30° its horizontal area and the plane’s, horizontal ÷ cos 30°', () => {
    // 10 m east–west, 8 m north–south, rising 8·tan 30° to the north.
    const rise = 8 * Math.tan(Math.PI / 6);
    const roof = [p(0, 0, 20), p(10, 0, 20), p(10, 8, 20 + rise), p(0, 8, 20 + rise)];
    const areas = polygonAreas(roof);
    expect(areas.horizontal).toBeCloseTo(80, 9);
    expect(areas.surface).toBeCloseTo(80 / Math.cos(Math.PI / 6), 9);
    expect(surfaceDiffers(areas)).toBe(true);
    expect(surfaceDiffers(polygonAreas([p(0, 0, 5), p(10, 0, 5), p(10, 8, 5)]))).toBe(false);
  });

  it('takes non-planar points as the triangulated surface over them', () => {
    // A unit square with one corner raised 1 m: two triangles. Split along the raised diagonal,
    // both lean (√2/2 m² each); along the other, one is flat (0.5 m²) and one tilted (√3/2 m²).
    const areas = polygonAreas([p(0, 0), p(1, 0), p(1, 1, 1), p(0, 1)]);
    expect(areas.horizontal).toBeCloseTo(1, 9);
    const viaRaisedDiagonal = Math.SQRT2;
    const viaOtherDiagonal = 0.5 + Math.sqrt(3) / 2;
    expect([viaRaisedDiagonal, viaOtherDiagonal].some((expected) => Math.abs(areas.surface - expected) < 1e-9)).toBe(true);
  });

  it('is 0 for fewer than three points or points on a line', () => {
    expect(polygonAreas([p(0, 0), p(5, 5)])).toEqual({ horizontal: 0, surface: 0 });
    expect(polygonAreas([p(0, 0), p(5, 5), p(10, 10)]).horizontal).toBe(0);
  });
});

describe('tools', () => {
  it('ends distances and the height difference at the second point, never an area by itself', () => {
    expect(isCompleteAt('horizontal', 1)).toBe(false);
    expect(isCompleteAt('horizontal', 2)).toBe(true);
    expect(isCompleteAt('height', 2)).toBe(true);
    expect(isCompleteAt('area', 50)).toBe(false);
  });
});

describe('formatting', () => {
  it('writes lengths in metres with the precision a pick gives, kilometres when long', () => {
    expect(formatLength(18.004)).toBe('18.00 m');
    expect(formatLength(-3.456)).toBe('-3.46 m');
    expect(formatLength(1234.56)).toBe('1234.6 m');
    expect(formatLength(12_345.6)).toBe('12.346 km');
  });

  it('writes areas in m²', () => {
    expect(formatArea(480)).toBe('480.0 m²');
    expect(formatArea(123_456.7)).toBe('123,457 m²');
  });
});
