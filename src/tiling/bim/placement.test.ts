/**
 * Placement of IFC models, checked against each model's own georeference: IfcMapConversion
 * (IFC4) through proj4 independently of the tiler's path, IfcSite's RefLatitude/RefLongitude with
 * TrueNorth, --origin overriding both, and the tiled vertices of a wall where its map conversion
 * says it stands; a site reference is of the IfcSite's own placement origin (moved, turned, in mm).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lonLatHeightToEcef, resolveCrs } from '../crs.ts';
import { LocalFrame } from '../local-frame.ts';
import { contentTiles, readTile, readTileset } from '../testing/read-tiles.ts';
import { tileIfc } from './bim-pipeline.ts';
import { IfcModel } from './ifc-model.ts';
import { choosePlacement, compoundAngleDegrees, fromMapConversion, fromSiteReference, modelToEnu, PlacementError, webIfcToFrameMatrix } from './placement.ts';
import { syntheticIfc, type SyntheticIfcOptions } from './testing/synthetic-ifc.ts';

const COS30 = Math.cos(Math.PI / 6);
const SIN30 = Math.sin(Math.PI / 6);
/** CGCS2000 / 3-degree Gauss-Kruger CM 117E, near Hefei. */
const MAP_CONVERSION = { crs: 'EPSG:4548', eastings: 503000, northings: 3525000, height: 30, xAxisAbscissa: COS30, xAxisOrdinate: SIN30 };
const SITE: NonNullable<SyntheticIfcOptions['site']> = { latitude: [31, 51, 0, 0], longitude: [117, 17, 0, 0], elevation: 12 };

/** Where grid coordinates are, by proj4 alone (not through the tiler's placement). */
function gridToLonLat(crs: string, e: number, n: number): [number, number] {
  return proj4(resolveCrs(crs), '+proj=longlat +datum=WGS84 +no_defs').forward([e, n]) as [number, number];
}

function enuToEcef(frame: LocalFrame, [e, n, u]: [number, number, number]): [number, number, number] {
  return [0, 1, 2].map((k) => frame.originEcef[k]! + e * frame.east[k]! + n * frame.north[k]! + u * frame.up[k]!) as [number, number, number];
}

const distance = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);

/** ECEF of east, north, up metres on the tangent plane at lon, lat, height (worked out here, not by LocalFrame). */
function tangentPoint(lonDegrees: number, latDegrees: number, height: number, [e, n, u]: [number, number, number]): number[] {
  const lon = (lonDegrees * Math.PI) / 180;
  const lat = (latDegrees * Math.PI) / 180;
  const east = [-Math.sin(lon), Math.cos(lon), 0];
  const north = [-Math.sin(lat) * Math.cos(lon), -Math.sin(lat) * Math.sin(lon), Math.cos(lat)];
  const up = [Math.cos(lat) * Math.cos(lon), Math.cos(lat) * Math.sin(lon), Math.sin(lat)];
  const origin = lonLatHeightToEcef(lonDegrees, latDegrees, height);
  return [0, 1, 2].map((k) => origin[k]! + e * east[k]! + n * north[k]! + u * up[k]!);
}

/** The centre of the box of a named wall's vertices in ECEF (a wall is centrally symmetric: its centre). */
async function wallCentre(directory: string, name: string): Promise<number[]> {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  let n = 0;
  for (const content of contentTiles((await readTileset(directory)).root)) {
    const tile = await readTile(directory, content.content!.uri);
    const row = (tile.columns['name'] as string[]).indexOf(name);
    if (row < 0) continue;
    for (let v = 0; v < tile.featureIds.length; v++) {
      if (tile.featureIds[v] !== row) continue;
      for (let k = 0; k < 3; k++) {
        min[k] = Math.min(min[k]!, tile.positionsEcef[v * 3 + k]!);
        max[k] = Math.max(max[k]!, tile.positionsEcef[v * 3 + k]!);
      }
      n++;
    }
  }
  expect(n, name).toBeGreaterThan(0);
  return min.map((m, k) => (m + max[k]!) / 2);
}

describe('placement rules', () => {
  it('reads IfcCompoundPlaneAngleMeasure as degrees, minutes, seconds and millionths', () => {
    expect(compoundAngleDegrees([41, 52, 27, 840000])).toBeCloseTo(41 + 52 / 60 + 27.84 / 3600, 10);
    expect(compoundAngleDegrees([-87, -38, -21, -839999])).toBeCloseTo(-(87 + 38 / 60 + 21.839999 / 3600), 10);
  });

  it('maps a model point through IfcMapConversion to where proj4 puts its grid coordinates', () => {
    const placement = fromMapConversion({ crs: MAP_CONVERSION.crs, eastings: MAP_CONVERSION.eastings, northings: MAP_CONVERSION.northings, orthogonalHeight: 30, xAxisAbscissa: COS30, xAxisOrdinate: SIN30 });
    expect(placement.source).toBe('map-conversion');
    const frame = new LocalFrame(placement.lonDegrees, placement.latDegrees);
    for (const [x, y] of [[100, 0], [0, 80], [-60, 45]] as const) {
      const [lon, lat] = gridToLonLat(MAP_CONVERSION.crs, MAP_CONVERSION.eastings + x * COS30 - y * SIN30, MAP_CONVERSION.northings + x * SIN30 + y * COS30);
      const expected = lonLatHeightToEcef(lon, lat, 30 + 5);
      // Grid scale 3 km off the central meridian is about 1.00011: 1 cm per 100 m at most.
      expect(distance(enuToEcef(frame, modelToEnu(placement, x, y, 5)), expected)).toBeLessThan(0.03);
    }
  });

  it('turns a site reference by the context TrueNorth', () => {
    expect(fromSiteReference({ refLatitude: [31, 51, 0, 0], refLongitude: [117, 17, 0, 0] }).headingDegrees).toBeCloseTo(0, 9);
    // North along model +X: the model's +Y points west, heading 270°.
    const turned = fromSiteReference({ refLatitude: [31, 51, 0, 0], refLongitude: [117, 17, 0, 0], trueNorth: [1, 0] });
    expect(turned.headingDegrees).toBeCloseTo(270, 9);
    const [e, n] = modelToEnu(turned, 0, 10, 0);
    expect(e).toBeCloseTo(-10, 9);
    expect(n).toBeCloseTo(0, 9);
  });

  it('places the IfcSite’s placement origin, not the model’s, at the site reference', () => {
    const site = { refLatitude: [31, 51, 0, 0], refLongitude: [117, 17, 0, 0], refElevation: 12, siteOrigin: [100, 200, 5] as [number, number, number] };
    const placement = fromSiteReference(site);
    expect(placement.modelOrigin).toEqual([100, 200, 5]);
    expect(placement.description).toMatch(/at the site's origin \(100, 200, 5\) of the model$/);
    const at = (x: number, y: number, z: number) => modelToEnu(placement, x, y, z).map((v) => Number(v.toFixed(9)) + 0);
    expect(at(100, 200, 5)).toEqual([0, 0, 12]);
    expect(at(200, 200, 5)).toEqual([100, 0, 12]);
    expect(at(100, 250, 8)).toEqual([0, 50, 15]);
    // TrueNorth along model +X: 100 m along +X from the site's origin is 100 m north of it.
    const [e, n, u] = modelToEnu(fromSiteReference({ ...site, trueNorth: [1, 0] }), 200, 200, 5);
    expect([e, n, u].map((v) => Number(v.toFixed(9)) + 0)).toEqual([0, 100, 12]);
    // A site at the model's origin changes nothing.
    const plain = fromSiteReference({ ...site, siteOrigin: [0, 0, 0] });
    expect(plain.modelOrigin).toBeUndefined();
    expect(plain.description).not.toMatch(/site's origin/);
  });

  it('puts web-ifc coordinates where modelToEnu puts the model point (the tiler’s matrix, with a site offset)', () => {
    const placement = fromSiteReference({ refLatitude: [31, 51], refLongitude: [117, 17], refElevation: 12, trueNorth: [Math.sin(0.4), Math.cos(0.4)], siteOrigin: [100, 200, 5] });
    const m = webIfcToFrameMatrix(placement);
    for (const [x, y, z] of [[100, 200, 5], [0, 0, 0], [-30, 250, 17]] as const) {
      // web-ifc's axes: (x, z, −y) of the model; the frame's glTF axes: (east, up, −north).
      const w = [x, z, -y, 1];
      const g = [0, 1, 2].map((row) => [0, 1, 2, 3].reduce((sum, col) => sum + m[col * 4 + row]! * w[col]!, 0));
      const [e, n, u] = modelToEnu(placement, x, y, z);
      expect(distance(g, [e, u, -n])).toBeLessThan(1e-9);
    }
  });

  it('prefers --origin, then IfcMapConversion, then IfcSite, and says what is missing', () => {
    const found = { mapConversion: { crs: 'EPSG:4548', eastings: 500000, northings: 3530000, orthogonalHeight: 0 }, site: { refLatitude: [31, 51], refLongitude: [117, 17] } };
    expect(choosePlacement(found).source).toBe('map-conversion');
    expect(choosePlacement({ site: found.site }).source).toBe('site-reference');
    expect(choosePlacement(found, { lonDegrees: 117.3, latDegrees: 31.86, heightMetres: 20, headingDegrees: 15 })).toMatchObject({ source: 'origin-option', lonDegrees: 117.3, headingDegrees: 15 });
    expect(() => choosePlacement({})).toThrow(/no IfcMapConversion and no IfcSite RefLatitude\/RefLongitude: give --origin/);
    expect(() => choosePlacement({}, { lonDegrees: 200, latDegrees: 0, heightMetres: 0, headingDegrees: 0 })).toThrow(PlacementError);
  });
});

describe('placement of IFC fixtures', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cim-twin-ifc-placement-'));
    await writeFile(join(work, 'mapped.ifc'), syntheticIfc({ walls: 6, shareEvery: 0, mapConversion: MAP_CONVERSION, site: SITE }));
    await writeFile(join(work, 'site.ifc'), syntheticIfc({ walls: 6, site: SITE }));
    await writeFile(join(work, 'bare.ifc'), syntheticIfc({ walls: 6 }));
    // Two walls 100 m apart along the site's x-axis: wall 1 at the site's origin, wall 2 at (100, 0, 0) in the site.
    const offsetSite = { walls: 2, shareEvery: 0, spacing: [100, 2] as [number, number], site: SITE };
    await writeFile(join(work, 'site-moved.ifc'), syntheticIfc({ ...offsetSite, sitePlacement: { location: [100, 200, 5] } }));
    await writeFile(join(work, 'site-turned.ifc'), syntheticIfc({ ...offsetSite, sitePlacement: { location: [100, 200, 5], refDirection: [0, 1, 0] } }));
    await writeFile(
      join(work, 'site-mm.ifc'),
      syntheticIfc({ ...offsetSite, spacing: [100000, 2000], lengthPrefix: 'MILLI', site: { ...SITE, elevation: 12000 }, sitePlacement: { location: [100000, 200000, 5000], refDirection: [0, 1, 0] } }),
    );
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const georeference = async (name: string) => {
    const { readFile } = await import('node:fs/promises');
    const model = await IfcModel.open(await readFile(join(work, name)), 'IFC4');
    try {
      return model.georeference();
    } finally {
      model.close();
    }
  };

  it('reads IfcMapConversion and its IfcProjectedCRS from an IFC4 file', async () => {
    const found = await georeference('mapped.ifc');
    expect(found.mapConversion).toMatchObject({ crs: 'EPSG:4548', eastings: 503000, northings: 3525000, orthogonalHeight: 30 });
    expect(found.mapConversion!.xAxisAbscissa).toBeCloseTo(COS30, 6);
    expect(choosePlacement(found).source).toBe('map-conversion');
  });

  it('reads IfcSite RefLatitude, RefLongitude and RefElevation when there is no map conversion', async () => {
    const found = await georeference('site.ifc');
    expect(found.mapConversion).toBeUndefined();
    const placement = choosePlacement(found);
    expect(placement).toMatchObject({ source: 'site-reference', heightMetres: 12 });
    expect(placement.latDegrees).toBeCloseTo(31.85, 9);
    expect(placement.lonDegrees).toBeCloseTo(117 + 17 / 60, 9);
  });

  it('puts a tiled wall where the model’s map conversion says it stands', async () => {
    const out = join(work, 'mapped-tiles');
    const lines: string[] = [];
    const report = await tileIfc({ sourceName: join(work, 'mapped.ifc'), outputDirectory: out, compress: false, log: (line) => lines.push(line) });
    expect(report.placement.source).toBe('map-conversion');
    expect(lines[0]).toMatch(/^placement: IfcMapConversion in EPSG:4548/);
    const tile = await readTile(out, 'content/0/0_0.glb');
    // Wall 2 stands at model (5, 0, 0): a 4 × 0.2 m profile centred there, extruded 2.6 m.
    const row = (tile.columns['name'] as string[]).indexOf('Wall 2');
    expect(row).toBeGreaterThanOrEqual(0);
    // The wall is centrally symmetric: the centre of its vertices' box (in any axes) is its centre.
    const min = [Infinity, Infinity, Infinity];
    const max = [-Infinity, -Infinity, -Infinity];
    let n = 0;
    for (let v = 0; v < tile.featureIds.length; v++) {
      if (tile.featureIds[v] !== row) continue;
      for (let k = 0; k < 3; k++) {
        min[k] = Math.min(min[k]!, tile.positionsEcef[v * 3 + k]!);
        max[k] = Math.max(max[k]!, tile.positionsEcef[v * 3 + k]!);
      }
      n++;
    }
    expect(n).toBeGreaterThan(0);
    const centre = min.map((m, k) => (m + max[k]!) / 2);
    const [lon, lat] = gridToLonLat('EPSG:4548', 503000 + 5 * COS30, 3525000 + 5 * SIN30);
    expect(distance(centre, lonLatHeightToEcef(lon, lat, 30 + 1.3))).toBeLessThan(0.02);
  });

  const SITE_LON = 117 + 17 / 60;
  const SITE_LAT = 31 + 51 / 60;

  it('puts the IfcSite’s placement origin, moved to (100, 200, 5), at RefLatitude/RefLongitude/RefElevation', async () => {
    const out = join(work, 'site-moved-tiles');
    const lines: string[] = [];
    await tileIfc({ sourceName: join(work, 'site-moved.ifc'), outputDirectory: out, compress: false, log: (line) => lines.push(line) });
    // Wall 1 (2.5 m high) stands on the site's origin; wall 2 (2.6 m) 100 m along model X: east.
    expect(distance(await wallCentre(out, 'Wall 1'), tangentPoint(SITE_LON, SITE_LAT, 12, [0, 0, 1.25]))).toBeLessThan(0.01);
    expect(distance(await wallCentre(out, 'Wall 2'), tangentPoint(SITE_LON, SITE_LAT, 12, [100, 0, 1.3]))).toBeLessThan(0.01);
    expect(lines[0]).toMatch(/^placement: IfcSite RefLatitude\/RefLongitude: .* at the site's origin \(100, 200, 5\) of the model$/);
    expect((await georeference('site-moved.ifc')).site?.siteOrigin).toEqual([100, 200, 5]);
  });

  it('turns with a turned site placement but keeps north where TrueNorth says (in world coordinates)', async () => {
    const { readFile } = await import('node:fs/promises');
    const model = await IfcModel.open(await readFile(join(work, 'site-turned.ifc')), 'IFC4');
    try {
      // The composed placement is web-ifc's own world transform of the site (IFC axes, file units).
      const mine = model.placementMatrix(31);
      const theirs = model.api.GetWorldTransformMatrix(model.modelId, 31);
      mine.forEach((v, k) => expect(v).toBeCloseTo(theirs[k]!, 9));
      expect(model.georeference().site?.siteOrigin).toEqual([100, 200, 5]);
    } finally {
      model.close();
    }
    const out = join(work, 'site-turned-tiles');
    await tileIfc({ sourceName: join(work, 'site-turned.ifc'), outputDirectory: out, compress: false });
    // The site's x-axis points along world +Y, which TrueNorth (default) says is north: wall 2 is 100 m north.
    expect(distance(await wallCentre(out, 'Wall 1'), tangentPoint(SITE_LON, SITE_LAT, 12, [0, 0, 1.25]))).toBeLessThan(0.01);
    expect(distance(await wallCentre(out, 'Wall 2'), tangentPoint(SITE_LON, SITE_LAT, 12, [0, 100, 1.3]))).toBeLessThan(0.01);
  });

  it('reads the site’s placement and RefElevation in the project’s length unit (millimetres)', async () => {
    const found = await georeference('site-mm.ifc');
    expect(found.site?.siteOrigin?.map((v) => Number(v.toFixed(9)) + 0)).toEqual([100, 200, 5]);
    expect(found.site?.refElevation).toBeCloseTo(12, 9);
    const placement = choosePlacement(found);
    expect(placement).toMatchObject({ source: 'site-reference', heightMetres: 12 });
    const out = join(work, 'site-mm-tiles');
    await tileIfc({ sourceName: join(work, 'site-mm.ifc'), outputDirectory: out, compress: false });
    // The walls are 2.5 and 2.6 mm high here, 100 m apart along the site's x-axis (north).
    expect(distance(await wallCentre(out, 'Wall 1'), tangentPoint(SITE_LON, SITE_LAT, 12, [0, 0, 0.00125]))).toBeLessThan(0.01);
    expect(distance(await wallCentre(out, 'Wall 2'), tangentPoint(SITE_LON, SITE_LAT, 12, [0, 100, 0.0013]))).toBeLessThan(0.01);
  });

  it('is placed by --origin over the file, and refuses a model with nothing to place it by', async () => {
    const report = await tileIfc({ sourceName: join(work, 'mapped.ifc'), outputDirectory: join(work, 'origin-tiles'), origin: { lonDegrees: 117.2, latDegrees: 31.8, heightMetres: 5, headingDegrees: 90 } });
    expect(report.placement).toMatchObject({ source: 'origin-option', lonDegrees: 117.2, latDegrees: 31.8, heightMetres: 5, headingDegrees: 90 });
    await expect(tileIfc({ sourceName: join(work, 'bare.ifc'), outputDirectory: join(work, 'bare-tiles') })).rejects.toThrow(/bare\.ifc: has no IfcMapConversion and no IfcSite RefLatitude\/RefLongitude: give --origin/);
  });
});
