import proj4 from 'proj4';
import { describe, expect, it } from 'vitest';
import { epsgDefinition, fromLonLat, lonLatHeightToEcef, resolveCrs, toLonLat, UnknownCrsError } from './crs.ts';

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
    expect(() => toLonLat('EPSG:999999')).toThrow(/unknown CRS "EPSG:999999": EPSG:999999 is not in the EPSG database/);
    expect(() => toLonLat('+proj=nonsense')).toThrow(UnknownCrsError);
    expect(() => toLonLat('EPSG4547')).toThrow(/unknown CRS "EPSG4547": not an EPSG code/);
  });

  it('WGS84 to ECEF: a known point on the equator and at the pole', () => {
    const [x, y, z] = lonLatHeightToEcef(0, 0, 0);
    expect(x).toBeCloseTo(6378137, 3);
    expect(y).toBeCloseTo(0, 3);
    expect(z).toBeCloseTo(0, 3);
    expect(lonLatHeightToEcef(0, 90, 0)[2]).toBeCloseTo(6356752.314245, 3);
  });
});

/** Metres between two lon/lat points (WGS84), by proj4's geocentric coordinates: a chord, exact enough at 1 km. */
function metresBetween(a: [number, number], b: [number, number]): number {
  const p = lonLatHeightToEcef(a[0], a[1], 0);
  const q = lonLatHeightToEcef(b[0], b[1], 0);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

describe('any EPSG code of the EPSG database (epsg-index)', () => {
  it('EPSG:2056 (Swiss LV95): the projection centre near Bern, 2 600 000 / 1 200 000, is 7.4386°E 46.9511°N', () => {
    const [lon, lat] = toLonLat('EPSG:2056')(2_600_000, 1_200_000);
    expect(lon).toBeCloseTo(7.4386, 4);
    expect(lat).toBeCloseTo(46.9511, 4);
    // 1 km east in LV95 is 1 km on the ground (oblique Mercator, scale 1 at the centre).
    expect(metresBetween([lon, lat], toLonLat('EPSG:2056')(2_601_000, 1_200_000))).toBeCloseTo(1000, 0);
  });

  it('EPSG:3089 (Kentucky single zone, US survey feet): the origin at its false easting/northing in feet, and feet are US survey feet', () => {
    const [lon, lat] = toLonLat('EPSG:3089')(4_921_250, 3_280_833.333);
    expect(lon).toBeCloseTo(-85.75, 6);
    expect(lat).toBeCloseTo(36 + 20 / 60, 6);
    // The same projection in metres gives the same place for x·1200/3937.
    const metric = proj4('+proj=lcc +lat_0=36.3333333333333 +lon_0=-85.75 +lat_1=37.0833333333333 +lat_2=38.6666666666667 +x_0=1500000 +y_0=999999.999898399 +ellps=GRS80 +units=m +no_defs', '+proj=longlat +datum=WGS84 +no_defs');
    const usFoot = 1200 / 3937;
    for (const [x, y] of [[5_000_000, 3_500_000], [4_500_000, 3_900_000]] as const) {
      const [a, b] = toLonLat('EPSG:3089')(x, y);
      const [c, d] = metric.forward([x * usFoot, y * usFoot]) as [number, number];
      expect(a).toBeCloseTo(c, 9);
      expect(b).toBeCloseTo(d, 9);
    }
    // Round trip.
    const [x, y] = fromLonLat('EPSG:3089')(-84.8755, 38.1867);
    expect(toLonLat('EPSG:3089')(x, y)[0]).toBeCloseTo(-84.8755, 9);
  });

  it('EPSG:2222 (Arizona East, international feet): 1000 ft east of the central meridian is 304.8 m', () => {
    const [x0, y0] = fromLonLat('EPSG:2222')(-110.166666666667, 33);
    expect(x0).toBeCloseTo(213_360 / 0.3048, 3); // the false easting, in feet
    const a = toLonLat('EPSG:2222')(x0, y0);
    const b = toLonLat('EPSG:2222')(x0 + 1000, y0);
    expect(metresBetween(a, b)).toBeCloseTo(304.8 / 0.9999, 2); // grid = ground × 0.9999 on the central meridian
  });

  it('a compound CRS uses its horizontal part: EPSG:7415 (RD New + NAP height) is EPSG:28992, EPSG:5555 is EPSG:25832', () => {
    expect(resolveCrs('EPSG:7415')).not.toMatch(/vunits/);
    expect(toLonLat('EPSG:7415')(155_000, 463_000)).toEqual(toLonLat('EPSG:28992')(155_000, 463_000).map((v) => expect.closeTo(v, 6)));
    expect(toLonLat('EPSG:5555')(500_000, 5_500_000)).toEqual(toLonLat('EPSG:25832')(500_000, 5_500_000).map((v) => expect.closeTo(v, 9)));
  });

  it('CGCS2000 codes from the database match their definition (EPSG:4547 is CM 114°E, no prefix)', () => {
    expect(resolveCrs('EPSG:4547')).toBe('+proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs');
    expect(epsgDefinition(4490)).toMatch(/\+proj=longlat \+ellps=GRS80/);
  });

  it.each([
    ['EPSG:12345', /EPSG:12345 is not in the EPSG database/],
    ['EPSG:5703', /EPSG:5703 \(NAVD88 height\) is a vertical CRS \(heights only\)/],
    ['EPSG:4978', /EPSG:4978 \(WGS 84\) is a geocentric \(Earth-centred XYZ\) CRS/],
    ['+proj=geocent +datum=WGS84 +units=m', /geocentric/],
    ['EPSG:27700', /EPSG:27700 \(OSGB36 \/ British National Grid\) needs the datum grid OSTN15_NTv2_OSGBtoETRS\.gsb, which is not available; give a proj4 string with \+towgs84 instead/],
    ['+proj=longlat +ellps=clrk66 +nadgrids=conus +no_defs', /needs the datum grid conus/],
    ['EPSG:4136', /EPSG:4136 \(St\. Lawrence Island\) has no proj4 definition in the EPSG database/],
    ['EPSG:5800', /EPSG:5800 \(Astra Minas Grid\) is an engineering \(local\) CRS/],
  ])('refuses %s, saying why', (crs, reason) => {
    expect(() => toLonLat(crs)).toThrow(UnknownCrsError);
    expect(() => toLonLat(crs)).toThrow(reason);
    expect(epsgDefinition(Number(/^EPSG:(\d+)$/.exec(crs)?.[1] ?? 0))).toBeUndefined();
  });

  it('a .prj WKT with an EPSG authority takes the database definition', () => {
    const wkt = 'PROJCS["CH1903+ / LV95",GEOGCS["CH1903+",DATUM["CH1903+",SPHEROID["Bessel 1841",6377397.155,299.1528128]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Hotine_Oblique_Mercator_Azimuth_Center"],PARAMETER["latitude_of_center",46.9524055555556],PARAMETER["longitude_of_center",7.43958333333333],PARAMETER["azimuth",90],PARAMETER["rectified_grid_angle",90],PARAMETER["scale_factor",1],PARAMETER["false_easting",2600000],PARAMETER["false_northing",1200000],UNIT["metre",1],AUTHORITY["EPSG","2056"]]';
    expect(resolveCrs(wkt)).toBe(resolveCrs('EPSG:2056'));
  });
});
