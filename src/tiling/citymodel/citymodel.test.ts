import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromLonLat } from '../crs.ts';
import { contentTiles, readTile, readTileset, type ReadTile } from '../testing/read-tiles.ts';
import { cityGmlFixture, cityJsonFixture, cityJsonSeqFixture, HOUSE_AREAS, ORIGIN } from '../testing/citymodel-fixtures.ts';
import { openCityGml } from './citygml-reader.ts';
import { tileCityModel, type CityModelReport, type CityModelTilingOptions } from './citymodel-pipeline.ts';
import { SURFACE_TYPES, type CityFeature } from './model.ts';
import type { AssetInput } from '../../domain/assets.ts';
import { detectInputKind, openCityModel } from './open-city-model.ts';
import { polygonArea3d } from './triangulate.ts';

const run = promisify(execFile);
const ecefToLonLatHeight = proj4('+proj=geocent +datum=WGS84 +units=m +no_defs', '+proj=longlat +datum=WGS84 +no_defs');
const DATA = join(import.meta.dirname, '../../../../shared/data');
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cim-twin-citymodel-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function tileText(name: string, text: string, options: Partial<CityModelTilingOptions> = {}): Promise<{ report: CityModelReport; out: string; input: string }> {
  const input = join(work, name);
  await writeFile(input, text);
  return tilePath(input, `${name}-tiles`, options);
}

async function tilePath(input: string, outName: string, options: Partial<CityModelTilingOptions> = {}) {
  const out = join(work, outName);
  const kind = await detectInputKind(input);
  if (kind === 'geojson') throw new Error(`${input} read as GeoJSON`);
  const report = await tileCityModel(await openCityModel(input, kind), { sourceName: input, outputDirectory: out, compress: false, ...options });
  return { report, out, input };
}

async function tilesOf(out: string): Promise<ReadTile[]> {
  const tileset = await readTileset(out);
  return Promise.all(contentTiles(tileset.root).map((tile) => readTile(out, tile.content!.uri)));
}

/** Per object ID: its row, and the area of its triangles by surface type (from the tile's ECEF positions). */
function objectsOf(tiles: ReadTile[]) {
  const objects = new Map<string, { row: Record<string, unknown>; areas: Record<string, number>; ecef: number[][] }>();
  for (const tile of tiles) {
    const ids = tile.columns.id!;
    const surfaceTypes = (tile.tables[1]?.surfaceType ?? []) as string[];
    for (let row = 0; row < tile.rowCount; row++) {
      objects.set(String(ids[row]), { row: Object.fromEntries(Object.entries(tile.columns).map(([k, v]) => [k, v[row]])), areas: {}, ecef: [] });
    }
    const p = tile.positionsEcef;
    for (let t = 0; t < tile.indices.length; t += 3) {
      const [a, b, c] = [tile.indices[t]!, tile.indices[t + 1]!, tile.indices[t + 2]!];
      const object = objects.get(String(ids[tile.featureIds[a]!]))!;
      const type = tile.surfaceIds ? (surfaceTypes[tile.surfaceIds[a]!] ?? '?') : '';
      const area = polygonArea3d([[p[3 * a]!, p[3 * a + 1]!, p[3 * a + 2]!, p[3 * b]!, p[3 * b + 1]!, p[3 * b + 2]!, p[3 * c]!, p[3 * c + 1]!, p[3 * c + 2]!]]);
      object.areas[type] = (object.areas[type] ?? 0) + area;
      for (const i of [a, b, c]) object.ecef.push([p[3 * i]!, p[3 * i + 1]!, p[3 * i + 2]!]);
    }
  }
  return objects;
}

async function collect(features: AsyncIterable<CityFeature> | Iterable<CityFeature>): Promise<CityFeature[]> {
  const out: CityFeature[] = [];
  for await (const f of features) out.push(f);
  return out;
}

/** RD New x, y and the height of an ECEF point. */
const toRd = fromLonLat('EPSG:28992');
function rd(ecef: number[]): [number, number, number] {
  const [lon, lat, h] = ecefToLonLatHeight.forward(ecef) as number[];
  const [x, y] = toRd(lon!, lat!);
  return [x, y, h!];
}

function expectHouseAreas(areas: Record<string, number>) {
  // RD New's scale factor near Delft is within 1e-4 of 1: areas within 0.1 %.
  for (const [type, expected] of Object.entries(HOUSE_AREAS)) expect(areas[type]).toBeCloseTo(expected, -Math.log10(expected * 1e-3));
  expect(Object.keys(areas).sort()).toEqual(Object.keys(HOUSE_AREAS).sort());
}

describe('CityGML 2.0 (saxes stream)', () => {
  it('reads gml:id, attributes, parts, and lod2Solid xlinks to the boundedBy polygons once each', async () => {
    const input = join(work, 'read.gml');
    await writeFile(input, cityGmlFixture({ posElements: true }));
    const source = await openCityGml(input);
    const features = await collect(source.features);
    expect(source.declaredCrs()).toBe('EPSG:7415');
    expect(features.map((f) => f.id)).toEqual(['house-1', 'block-2']);
    const house = features[0]!;
    expect(house.attributes).toMatchObject({ name: '山墙屋', roofMaterial: 'tiles', storeys: 2, roofType: 1030, yearOfConstruction: 1936, measuredHeight: 9 });
    expect(house.geometries.map((g) => [g.lod, g.surfaces.length])).toEqual([['2', 7]]);
    expect(house.geometries[0]!.surfaces.map((s) => s.semantic)).toEqual(['GroundSurface', 'WallSurface', 'WallSurface', 'WallSurface', 'WallSurface', 'RoofSurface', 'RoofSurface']);
    expect(house.geometries[0]!.surfaces[1]!.rings).toHaveLength(2); // the wall with the window hole
    const block = features[1]!;
    expect(block.attributes).toEqual({ function: 'garage' });
    expect(block.parts.map((p) => [p.id, p.type, p.attributes])).toEqual([['block-2-part', 'BuildingPart', { storeysAboveGround: 1 }]]);
    expect(block.parts[0]!.geometries.map((g) => [g.lod, g.surfaces.length])).toEqual([['1', 6]]);
  });

  it('tiles the house with its roof, wall and ground areas kept, and every surface type addressable', async () => {
    const { report, out } = await tileText('house.gml', cityGmlFixture());
    expect(report.format).toBe('CityGML 2.0');
    expect(report.crs).toBe('EPSG:7415');
    expect(report.heightReference).toMatch(/NAP height/);
    expect(report.tiled).toEqual({ Building: 2 });
    expect(report.partsJoined).toEqual({ BuildingPart: 1 });
    expect(report.surfaces).toEqual({ GroundSurface: 1, WallSurface: 4, RoofSurface: 2, '': 6 });
    const tiles = await tilesOf(out);
    // The surface table is the same in every tile: a _FEATURE_ID_1 value is a surface type anywhere.
    for (const tile of tiles) expect(tile.tables[1]!.surfaceType).toEqual([...SURFACE_TYPES]);
    const objects = objectsOf(tiles);
    expect([...objects.keys()].sort()).toEqual(['block-2', 'house-1']);
    const house = objects.get('house-1')!;
    expectHouseAreas(house.areas);
    expect(house.row).toMatchObject({ id: 'house-1', name: '山墙屋', cityObjectType: 'Building', lod: '2', roofMaterial: 'tiles', height: 9 });
    // Every vertex where the input put it: RD x, y within the house's 10 m square, NAP height 0–9 m.
    for (const point of house.ecef) {
      const [x, y, h] = rd(point);
      expect(x).toBeGreaterThan(ORIGIN.x - 0.05);
      expect(x).toBeLessThan(ORIGIN.x + 10.05);
      expect(y).toBeGreaterThan(ORIGIN.y - 0.05);
      expect(y).toBeLessThan(ORIGIN.y + 10.05);
      expect(h).toBeGreaterThan(-0.05);
      expect(h).toBeLessThan(9.05);
    }
    expect(objects.get('block-2')!.row).toMatchObject({ function: 'garage', storeysAboveGround: 1, parts: 'block-2-part', lod: '1', height: 4 });
    expect(objects.get('block-2')!.areas['']).toBeCloseTo(2 * 64 + 4 * 32, 1);
  });

  it('--lod 2: the LoD1-only block is an error naming the file and the object, and nothing is written', async () => {
    const input = join(work, 'lod.gml');
    await writeFile(input, cityGmlFixture());
    await expect(tilePath(input, 'lod-tiles', { lod: '2' })).rejects.toThrow(/lod\.gml: city object "block-2": has no geometry at LoD 2 \(it has LoD 1\)/);
    expect(existsSync(join(work, 'lod-tiles'))).toBe(false);
    const { report } = await tilePath(input, 'lod-skip-tiles', { lod: '2', skipInvalid: true });
    expect(report.tiled).toEqual({ Building: 1 });
    expect(report.skipped).toEqual({ 'Building: no geometry at LoD 2': 1 });
    expect(report.partsSkipped).toBe(1);
    expect(report.skippedExamples[0]).toMatchObject({ id: 'block-2', type: 'Building' });
  });

  it('an unknown CRS is an error naming the file, and nothing is written', async () => {
    const input = join(work, 'crs.gml');
    await writeFile(input, cityGmlFixture({ srsName: 'urn:ogc:def:crs:EPSG::999999' }));
    await expect(tilePath(input, 'crs-tiles')).rejects.toThrow(/crs\.gml: unknown CRS "EPSG:999999": EPSG:999999 is not in the EPSG database/);
    expect(existsSync(join(work, 'crs-tiles'))).toBe(false);
  });

  it('malformed XML names the file and the object being read', async () => {
    const input = join(work, 'broken.gml');
    await writeFile(input, cityGmlFixture().replace('</bldg:Building>\n</core:cityObjectMember>\n<core:cityObjectMember>', '</bldg:Buildin>'));
    await expect(tilePath(input, 'broken-tiles')).rejects.toThrow(/broken\.gml: city object "house-1": malformed XML/);
  });
});

describe('CityJSON 1.1, 2.0 and CityJSONSeq', () => {
  for (const [label, name, text] of [
    ['CityJSON 2.0', 'v2.city.json', () => JSON.stringify(cityJsonFixture(), null, 1)],
    ['CityJSON 1.1', 'v11.city.json', () => JSON.stringify(cityJsonFixture({ version: '1.1', referenceSystem: 'urn:ogc:def:crs:EPSG::7415' }))],
    ['CityJSONSeq 2.0', 'seq.city.jsonl', () => cityJsonSeqFixture()],
  ] as const) {
    it(`${label}: transform applied, parts joined, semantics kept, every object tiled`, async () => {
      const { report, out } = await tileText(name, text());
      expect(report.format).toBe(label);
      expect(report.objectsRead).toEqual({ Building: 2, BuildingPart: 1, PlantCover: 1 });
      expect(report.tiled).toEqual({ Building: 2, PlantCover: 1 });
      expect(report.partsJoined).toEqual({ BuildingPart: 1 });
      const objects = objectsOf(await tilesOf(out));
      expect([...objects.keys()].sort()).toEqual(['block-2', 'house-1', 'lawn-3']);
      const house = objects.get('house-1')!;
      expectHouseAreas(house.areas);
      expect(house.row).toMatchObject({ name: '山墙屋', lod: '2.2', storeysAboveGround: 2, yearOfConstruction: 1936, parts: 'house-1-0', cityObjectType: 'Building' });
      const heights = house.ecef.map((p) => rd(p)[2]);
      expect(Math.min(...heights)).toBeCloseTo(0, 1);
      expect(Math.max(...heights)).toBeCloseTo(9, 1);
      expect(objects.get('lawn-3')!.areas['']).toBeCloseTo(100, 0);
    });
  }

  it('each top-level CityObject ID is its identity in the asset store and the search index', async () => {
    const loaded: AssetInput[] = [];
    const { out } = await tileText('assets.city.json', JSON.stringify(cityJsonFixture()), {
      loadAssets: async (assets) => {
        for (const asset of assets) loaded.push(asset);
        return loaded.length;
      },
    });
    expect(loaded.map((a) => [a.id, a.kind]).sort()).toEqual([['block-2', 'building'], ['house-1', 'building'], ['lawn-3', 'plant-cover']]);
    const house = loaded.find((a) => a.id === 'house-1')!;
    expect(house.name).toBe('山墙屋');
    expect(house.attributes).toMatchObject({ roofType: 'gabled', parts: 'house-1-0', footprint: 100 });
    expect(house.geometry.type).toBe('Polygon');
    const index = JSON.parse(await readFile(join(out, 'search-index.json'), 'utf8')) as { fields: string[]; rows: unknown[][] };
    expect(index.rows.map((r) => r[0]).sort()).toEqual(['block-2', 'house-1', 'lawn-3']);
  });

  it('a vertex index out of range: error naming the file, the object and the index; nothing written', async () => {
    await expect(tileText('bad.city.json', JSON.stringify(cityJsonFixture({ badIndex: 9999 })))).rejects.toThrow(/bad\.city\.json: city object "house-1-0": vertex index 9999 is out of range \(the vertices are numbered 0 to 21\)/);
    expect(existsSync(join(work, 'bad.city.json-tiles'))).toBe(false);
  });

  it('--lod 2 with --skip-invalid counts the objects without LoD 2 by type', async () => {
    const { report } = await tileText('lod.city.jsonl', cityJsonSeqFixture(), { lod: '2', skipInvalid: true });
    expect(report.tiled).toEqual({ Building: 1 });
    expect(report.skipped).toEqual({ 'Building: no geometry at LoD 2': 1, 'PlantCover: no geometry at LoD 2': 1 });
    const { report: lod1 } = await tileText('lod1.city.jsonl', cityJsonSeqFixture(), { lod: '1' });
    expect(lod1.tiled).toEqual({ Building: 2, PlantCover: 1 });
    expect(lod1.surfaces).toEqual({ '': 13 });
  });

  it('tells the formats apart by content, not by name', async () => {
    await writeFile(join(work, 'gml.json'), cityGmlFixture());
    await writeFile(join(work, 'cj.geojson'), JSON.stringify(cityJsonFixture()));
    await writeFile(join(work, 'seq.txt'), cityJsonSeqFixture());
    await writeFile(join(work, 'plain.city.json'), JSON.stringify({ type: 'FeatureCollection', features: [] }));
    expect(await detectInputKind(join(work, 'gml.json'))).toBe('citygml');
    expect(await detectInputKind(join(work, 'cj.geojson'))).toBe('cityjson');
    expect(await detectInputKind(join(work, 'seq.txt'))).toBe('cityjson');
    expect(await detectInputKind(join(work, 'plain.city.json'))).toBe('geojson');
  });

  it('the CLI exits 1 naming the file, the object and the reason, and writes nothing', async () => {
    const input = join(work, 'cli-bad.city.json');
    await writeFile(input, JSON.stringify(cityJsonFixture({ badIndex: -1 })));
    const cli = ['node_modules/tsx/dist/cli.mjs', 'scripts/build-tiles.ts'];
    const failure = await run(process.execPath, [...cli, input, '--out', join(work, 'cli-out')]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain(`${input}: city object "house-1-0": vertex index -1 is out of range`);
    expect(existsSync(join(work, 'cli-out'))).toBe(false);
    const ok = await run(process.execPath, [...cli, join(work, 'gml.json'), '--out', join(work, 'cli-out'), '--lod', '2', '--skip-invalid']);
    expect(ok.stdout).toMatch(/CityGML 2\.0, EPSG:7415/);
    expect(ok.stdout).toMatch(/Building: no geometry at LoD 2\s+1/);
    expect(JSON.parse(await readFile(join(work, 'cli-out', 'report.json'), 'utf8'))).toMatchObject({ tiled: { Building: 1 } });
  });
});

const haveData = existsSync(DATA);
if (!haveData) console.warn(`${DATA} is absent: the real-data city-model tests are skipped`);

describe.skipIf(!haveData)('real city models (../shared/data)', () => {
  it('Delft, CityJSON 2.0 LoD1 in EPSG:7415: every one of the 570 objects accounted for, 160 buildings', async () => {
    const { report, out } = await tilePath(join(DATA, 'buildings/delft.city.json'), 'delft');
    const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    expect(report.format).toBe('CityJSON 2.0');
    expect(total(report.objectsRead)).toBe(570);
    expect(report.objectsRead.Building).toBe(160);
    expect(total(report.tiled) + total(report.skipped) + total(report.partsJoined) + report.partsSkipped).toBe(570);
    expect(report.tiled.Building).toBe(160);
    const objects = objectsOf(await tilesOf(out));
    expect(objects.size).toBe(report.featuresWritten);
    // Every object sits in Delft (52.0°N, 4.37°E), near NAP 0.
    for (const { ecef } of [...objects.values()].slice(0, 50)) {
      const [lon, lat, h] = ecefToLonLatHeight.forward(ecef[0]!) as number[];
      expect(lon).toBeCloseTo(4.37, 1);
      expect(lat).toBeCloseTo(52.01, 1);
      expect(Math.abs(h!)).toBeLessThan(60);
    }
  });

  it('3DBAG CityJSONSeq, LoD2.2 with semantics: two buildings, their parts joined, roofs, walls and ground apart', async () => {
    const { report, out } = await tilePath(join(DATA, 'citymodels/3dbag_b2.city.jsonl'), '3dbag');
    expect(report.format).toBe('CityJSONSeq 2.0');
    expect(report.tiled).toEqual({ Building: 2 });
    expect(report.partsJoined).toEqual({ BuildingPart: 2 });
    expect(Object.keys(report.surfaces).sort()).toEqual(['GroundSurface', 'RoofSurface', 'WallSurface']);
    const objects = objectsOf(await tilesOf(out));
    expect([...objects.keys()].sort()).toEqual(['NL.IMBAG.Pand.0503100000028341', 'NL.IMBAG.Pand.0503100000031927']);
    const building = objects.get('NL.IMBAG.Pand.0503100000031927')!;
    expect(building.row).toMatchObject({ lod: '2.2', oorspronkelijkbouwjaar: 1936, b3_dak_type: 'slanted' });
    expect(building.areas.RoofSurface).toBeGreaterThan(50);
    expect(building.areas.WallSurface).toBeGreaterThan(50);
    expect(building.areas.GroundSurface).toBeGreaterThan(50);
  });
});
