/**
 * Placement of IFC models, checked against each model's own georeference: IfcMapConversion
 * (IFC4) through proj4 independently of the tiler's path, IfcSite's RefLatitude/RefLongitude with
 * TrueNorth, --origin overriding both, and the tiled vertices of a wall where its map conversion
 * says it stands.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lonLatHeightToEcef, resolveCrs } from '../crs.ts';
import { LocalFrame } from '../local-frame.ts';
import { readTile } from '../testing/read-tiles.ts';
import { tileIfc } from './bim-pipeline.ts';
import { IfcModel } from './ifc-model.ts';
import { choosePlacement, compoundAngleDegrees, fromMapConversion, fromSiteReference, modelToEnu, PlacementError } from './placement.ts';
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

  it('is placed by --origin over the file, and refuses a model with nothing to place it by', async () => {
    const report = await tileIfc({ sourceName: join(work, 'mapped.ifc'), outputDirectory: join(work, 'origin-tiles'), origin: { lonDegrees: 117.2, latDegrees: 31.8, heightMetres: 5, headingDegrees: 90 } });
    expect(report.placement).toMatchObject({ source: 'origin-option', lonDegrees: 117.2, latDegrees: 31.8, heightMetres: 5, headingDegrees: 90 });
    await expect(tileIfc({ sourceName: join(work, 'bare.ifc'), outputDirectory: join(work, 'bare-tiles') })).rejects.toThrow(/bare\.ifc: has no IfcMapConversion and no IfcSite RefLatitude\/RefLongitude: give --origin/);
  });
});
