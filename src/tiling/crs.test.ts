import { describe, expect, it } from 'vitest';
import { fromLonLat, lonLatHeightToEcef, resolveCrs, toLonLat, UnknownCrsError } from './crs.ts';

/** Length of the meridian arc from the equator to latitude φ on GRS80, by Simpson's rule on M(φ). */
function meridianArcGrs80(latitudeDegrees: number): number {
  const a = 6378137;
  const f = 1 / 298.257222101;
  const e2 = f * (2 - f);
  const phi = (latitudeDegrees * Math.PI) / 180;
  const n = 2000;
  const h = phi / n;
  const m = (p: number) => (a * (1 - e2)) / Math.pow(1 - e2 * Math.sin(p) ** 2, 1.5);
  let sum = m(0) + m(phi);
  for (let i = 1; i < n; i++) sum += (i % 2 ? 4 : 2) * m(i * h);
  return (sum * h) / 3;
}

describe('CGCS2000 Gauss–Krüger zones', () => {
  it.each([
    ['EPSG:4547', 114, 500_000],
    ['EPSG:4526', 114, 38_500_000],
    ['EPSG:4546', 111, 500_000],
    ['EPSG:4549', 120, 500_000],
    ['EPSG:4498', 117, 20_500_000], // 6-degree zone 20
  ])('%s puts its central meridian (%i°E) at easting %i and northing = meridian arc', (crs, centralMeridian, falseEasting) => {
    for (const lat of [0, 22.5, 23.02, 31.24, 45]) {
      const [x, y] = fromLonLat(crs)(centralMeridian, lat);
      expect(x).toBeCloseTo(falseEasting, 3);
      expect(y).toBeCloseTo(meridianArcGrs80(lat), 2);
    }
  });

  it('zone prefixes differ by exactly the zone number in millions', () => {
    const [x1, y1] = fromLonLat('EPSG:4547')(113.12, 23.02);
    const [x2, y2] = fromLonLat('EPSG:4526')(113.12, 23.02);
    expect(x2 - x1).toBeCloseTo(38_000_000, 6);
    expect(y2).toBeCloseTo(y1, 6);
  });

  it('keeps scale 1 on the central meridian: 1 km along it is 1 km of meridian arc', () => {
    const [, y0] = fromLonLat('EPSG:4547')(114, 23);
    const [, y1] = fromLonLat('EPSG:4547')(114, 23.01);
    expect(y1 - y0).toBeCloseTo(meridianArcGrs80(23.01) - meridianArcGrs80(23), 3);
  });

  it('round-trips Foshan coordinates to 1e-9 degrees', () => {
    const [x, y] = fromLonLat('EPSG:4547')(113.12345, 23.04567);
    const [lon, lat] = toLonLat('EPSG:4547')(x, y);
    expect(lon).toBeCloseTo(113.12345, 9);
    expect(lat).toBeCloseTo(23.04567, 9);
  });
});

describe('other CRSs', () => {
  it('UTM 49N: the central meridian on the equator is (500000, 0)', () => {
    const [x, y] = fromLonLat('EPSG:32649')(111, 0);
    expect(x).toBeCloseTo(500_000, 3);
    expect(y).toBeCloseTo(0, 3);
  });

  it('accepts CRS84 and OGC URNs', () => {
    expect(toLonLat('urn:ogc:def:crs:OGC:1.3:CRS84')(113, 23)).toEqual([113, 23]);
    expect(resolveCrs('urn:ogc:def:crs:EPSG::4547')).toContain('+lon_0=114');
  });

  it('names an unknown CRS in its error', () => {
    expect(() => toLonLat('EPSG:999999')).toThrow(UnknownCrsError);
    expect(() => toLonLat('EPSG:999999')).toThrow(/unknown CRS "EPSG:999999"/);
    expect(() => toLonLat('+proj=nonsense')).toThrow(UnknownCrsError);
  });

  it('WGS84 to ECEF: a known point on the equator and at the pole', () => {
    const [x, y, z] = lonLatHeightToEcef(0, 0, 0);
    expect(x).toBeCloseTo(6378137, 3);
    expect(y).toBeCloseTo(0, 3);
    expect(z).toBeCloseTo(0, 3);
    expect(lonLatHeightToEcef(0, 90, 0)[2]).toBeCloseTo(6356752.314245, 3);
  });
});
