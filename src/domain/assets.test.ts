import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AssetInputError, checkAsset, checkBbox, circleBbox, escapeLike, greatCircleDistanceMetres, indexedValue, MEAN_EARTH_RADIUS_METRES, parseSearchQuery,
} from './assets.ts';

describe('checkAsset', () => {
  it('completes bounds, the default position and empty texts', () => {
    const asset = checkAsset({ id: 'P-1', kind: 'pipe', geometry: { type: 'LineString', coordinates: [[117.1, 31.2], [117.3, 31.1]] } }, 'water', 0);
    expect(asset).toEqual({
      id: 'P-1', dataset: 'water', kind: 'pipe', name: '', address: '', attributes: {},
      geometry: { type: 'LineString', coordinates: [[117.1, 31.2], [117.3, 31.1]] },
      bounds: [117.1, 31.1, 117.3, 31.2], position: [(117.1 + 117.3) / 2, (31.1 + 31.2) / 2],
    });
  });

  it('keeps only type and coordinates of the geometry', () => {
    const asset = checkAsset({ id: 'X', kind: 'valve', geometry: { type: 'Point', coordinates: [117, 31], bbox: [1, 2, 3, 4] } as never }, 'd', 0);
    expect(asset.geometry).toEqual({ type: 'Point', coordinates: [117, 31] });
  });

  it.each([
    [{ id: 'X', kind: 'building', geometry: { type: 'LineString', coordinates: [[117, 31]] } }, /needs at least 2 positions/],
    [{ id: 'X', kind: 'building', geometry: { type: 'Polygon', coordinates: [] } }, /empty coordinates/],
    [{ id: 'X', kind: 'building', geometry: { type: 'Circle', coordinates: [117, 31] } }, /geometry must be a GeoJSON/],
    [{ id: 'X', kind: 'building', geometry: { type: 'Point', coordinates: [117, Number.NaN] } }, /2 or 3 finite numbers/],
    [{ id: 'X', kind: 'building', geometry: { type: 'Point', coordinates: [117, 31] }, position: [1000, 31] }, /position.*outside lon\/lat/],
    [{ id: 'X', kind: 'building', name: 42, geometry: { type: 'Point', coordinates: [117, 31] } }, /name must be text/],
    [{ id: 'x'.repeat(257), kind: 'building', geometry: { type: 'Point', coordinates: [117, 31] } }, /ID is longer than 256/],
    [{ id: 'X', kind: 'building', attributes: [1], geometry: { type: 'Point', coordinates: [117, 31] } }, /attributes must be a JSON object/],
    [{ id: 'X', kind: 'building', attributes: { n: 'a\ud800' }, geometry: { type: 'Point', coordinates: [117, 31] } }, /unpaired surrogate/],
  ])('rejects %j', (input, message) => {
    expect(() => checkAsset(input, 'd', 4)).toThrow(AssetInputError);
    expect(() => checkAsset(input, 'd', 4)).toThrow(message);
  });

  it('accepts attributes with escaped backslashes and surrogate pairs', () => {
    expect(checkAsset({ id: 'X', kind: 'building', attributes: { a: '\\u0000', b: '𠀀' }, geometry: { type: 'Point', coordinates: [117, 31] } }, 'd', 0).attributes).toEqual({ a: '\\u0000', b: '𠀀' });
  });
});

describe('indexedValue', () => {
  it.each([
    [{ floors: '12' }, 'floors', 12],
    [{ floors: 'many' }, 'floors', null],
    [{ use: '' }, 'use', null],
    [{ use: 'residential' }, 'use', 'residential'],
    [{}, 'height', null],
  ] as const)('%j %s → %j', (attributes, attribute, expected) => {
    expect(indexedValue(attributes, attribute)).toBe(expected);
  });
});

describe('parseSearchQuery', () => {
  it('splits, lower-cases and de-duplicates terms, and knows whether one can use the trigram index', () => {
    expect(parseSearchQuery('  合肥  B-001 合肥 ')).toEqual({ terms: ['合肥', 'b-001'], whole: '合肥 b-001', indexed: true });
    expect(parseSearchQuery('合肥 区').indexed).toBe(false);
    expect(parseSearchQuery('𠀀𠀀').indexed).toBe(false); // code points, not UTF-16 units
  });
});

describe('escapeLike', () => {
  it('escapes %, _ and the escape character', () => {
    expect(escapeLike('100%_a\\b')).toBe('100\\%\\_a\\\\b');
  });
});

describe('checkBbox', () => {
  it('accepts a point-sized bbox', () => {
    expect(checkBbox([117, 31, 117, 31])).toEqual([117, 31, 117, 31]);
  });
});

describe('circleBbox', () => {
  // Away from the antimeridian, which the stores do not support (a bbox across it is an error).
  it('holds every point within the radius', () => {
    fc.assert(
      fc.property(fc.double({ min: -170, max: 170, noNaN: true }), fc.double({ min: -85, max: 85, noNaN: true }), fc.double({ min: 0, max: 50_000, noNaN: true }), fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }), (lon, lat, metres, bearing) => {
        // The point at `metres` along `bearing` (spherical direct problem).
        const d = metres / MEAN_EARTH_RADIUS_METRES;
        const φ1 = (lat * Math.PI) / 180;
        const φ2 = Math.asin(Math.sin(φ1) * Math.cos(d) + Math.cos(φ1) * Math.sin(d) * Math.cos(bearing));
        const λ2 = (lon * Math.PI) / 180 + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(φ1), Math.cos(d) - Math.sin(φ1) * Math.sin(φ2));
        const [pLon, pLat] = [(λ2 * 180) / Math.PI, (φ2 * 180) / Math.PI];
        expect(greatCircleDistanceMetres(lon, lat, pLon, pLat)).toBeCloseTo(metres, 3);
        const [west, south, east, north] = circleBbox(lon, lat, metres);
        expect(pLon).toBeGreaterThanOrEqual(west);
        expect(pLon).toBeLessThanOrEqual(east);
        expect(pLat).toBeGreaterThanOrEqual(south);
        expect(pLat).toBeLessThanOrEqual(north);
      }),
      { numRuns: 2_000 },
    );
  });
});
