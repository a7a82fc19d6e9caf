import validator from 'gltf-validator';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import proj4 from 'proj4';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileBuildings, type TilingReport } from './building-pipeline.ts';
import { openGeoJson } from './geojson-reader.ts';
import { contentTiles, readTile, readTileset, type ReadTile } from './testing/read-tiles.ts';
import { fixtureCollection, FIXTURE_BUILDINGS, localConverter } from './testing/fixtures.ts';

const run = promisify(execFile);
const ecefToLonLatHeight = proj4('+proj=geocent +datum=WGS84 +units=m +no_defs', '+proj=longlat +datum=WGS84 +no_defs');
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cim-twin-tiler-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function tileFile(name: string, collection: unknown, options: Partial<Parameters<typeof tileBuildings>[1]> = {}) {
  const input = join(work, `${name}.geojson`);
  await writeFile(input, typeof collection === 'string' ? collection : JSON.stringify(collection));
  const out = join(work, `${name}-tiles`);
  const source = await openGeoJson(input);
  const report = await tileBuildings(source.features, { sourceName: input, outputDirectory: out, declaredCrs: source.declaredCrs, maximumFeaturesPerTile: 2, ...options });
  return { input, out, report };
}

async function readAllTiles(out: string): Promise<ReadTile[]> {
  const tileset = await readTileset(out);
  return Promise.all(contentTiles(tileset.root).map((tile) => readTile(out, tile.content!.uri)));
}

describe('tiling the hand-made fixture', () => {
  let report: TilingReport;
  let tiles: ReadTile[];
  let out: string;
  beforeAll(async () => {
    ({ report, out } = await tileFile('fixture', fixtureCollection()));
    tiles = await readAllTiles(out);
  });

  it('reports buildings in, parts joined and where each height came from', () => {
    expect(report.featuresRead).toBe(6);
    expect(report.buildingsWritten).toBe(5);
    expect(report.partsMerged).toBe(1);
    expect(report.heightSources).toEqual({ property: 3, floors: 1, default: 1 });
    expect(report.tiles).toBe(tiles.length);
    expect(report.tiles).toBeGreaterThanOrEqual(3); // 5 buildings, at most 2 per tile
  });

  it('round-trips metadata: every building found by feature ID with all its properties', () => {
    const rows = new Map<string, Record<string, unknown>>();
    for (const tile of tiles) {
      expect(tile.rowCount).toBeGreaterThan(0);
      const used = new Set(Array.from(tile.featureIds));
      // Every row has geometry and every vertex names a row.
      expect([...used].sort()).toEqual(Array.from({ length: tile.rowCount }, (_, i) => i));
      for (let row = 0; row < tile.rowCount; row++) {
        const properties = Object.fromEntries(Object.entries(tile.columns).map(([k, v]) => [k, v[row]]));
        rows.set(String(properties.id), properties);
      }
    }
    expect([...rows.keys()].sort()).toEqual(['box', 'court', 'ell', 'nothing', 'tower']);
    expect(rows.get('box')).toMatchObject({ name: '方楼', height: 12 });
    expect(rows.get('ell')).toMatchObject({ name: 'L 形楼', floors: 6, height: 18, heightSource: 'floors' });
    expect(rows.get('nothing')).toMatchObject({ height: 10, heightSource: 'default' });
    expect(rows.get('tower')).toMatchObject({ name: '塔楼', height: 80, min_height: 20 });
  });

  it("places every vertex inside its building's footprint box and height range", () => {
    const convert = localConverter();
    for (const tile of tiles) {
      const ids = tile.columns.id!;
      for (let v = 0; v < tile.featureIds.length; v++) {
        const id = ids[tile.featureIds[v]!] as string;
        const parts = FIXTURE_BUILDINGS.filter((b) => b.id === id);
        const [lon, lat, height] = ecefToLonLatHeight.forward([tile.positionsEcef[3 * v]!, tile.positionsEcef[3 * v + 1]!, tile.positionsEcef[3 * v + 2]!]) as [number, number, number];
        const lonLats = parts.flatMap((p) => p.rings[0].map((q) => convert([q[0], q[1]])));
        const tolerance = 1e-6; // ≈ 10 cm
        expect(lon).toBeGreaterThanOrEqual(Math.min(...lonLats.map((p) => p[0])) - tolerance);
        expect(lon).toBeLessThanOrEqual(Math.max(...lonLats.map((p) => p[0])) + tolerance);
        expect(lat).toBeGreaterThanOrEqual(Math.min(...lonLats.map((p) => p[1])) - tolerance);
        expect(lat).toBeLessThanOrEqual(Math.max(...lonLats.map((p) => p[1])) + tolerance);
        const top = Math.max(...parts.map((p) => ('height' in p ? p.height : 'floors' in p ? p.floors * 3 : 10)));
        expect(height).toBeGreaterThan(-0.05);
        expect(height).toBeLessThan(top + 0.05);
      }
    }
  });

  it('writes tileset.json 1.1 with region volumes and one content per tile', async () => {
    const tileset = await readTileset(out);
    expect(tileset.asset.version).toBe('1.1');
    expect(tileset.root.refine).toBe('ADD');
    for (const tile of contentTiles(tileset.root)) {
      expect(tile.boundingVolume.region).toHaveLength(6);
      expect(tile).not.toHaveProperty('contents');
    }
  });

  it('writes a search index with every building, its name, position and styling attributes', async () => {
    const index = JSON.parse(await readFile(join(out, 'search-index.json'), 'utf8')) as { fields: string[]; rows: unknown[][] };
    expect(index.fields).toEqual(['id', 'name', 'address', 'lon', 'lat', 'height', 'use', 'floors', 'yearBuilt', 'stage', 'footprint']);
    expect(index.rows.map((r) => r[0]).sort()).toEqual(['box', 'court', 'ell', 'nothing', 'tower']);
    const tower = index.rows.find((r) => r[0] === 'tower')!;
    expect(tower[5]).toBe(80);
    // Attributes the fixture lacks are null, never invented.
    expect(index.rows.every((r) => r.length === index.fields.length)).toBe(true);
    expect(index.rows.find((r) => r[0] === 'nothing')!.slice(6, 10)).toEqual([null, null, null, null]);
    expect(index.rows.find((r) => r[0] === 'ell')!.slice(6, 10)).toEqual([null, 6, null, null]);
    // Footprints in m² (within the 0.5 % of the tiler's local approximation); the tower's is its
    // podium (900 m²), not podium and tower added (1,125 m²).
    const footprint = (id: string) => index.rows.find((r) => r[0] === id)![10] as number;
    expect(footprint('ell')).toBeGreaterThan(497);
    expect(footprint('ell')).toBeLessThan(503);
    expect(Math.abs(footprint('tower') - 900)).toBeLessThan(5);
  });
});

describe('gltf-validator', () => {
  it.each([
    ['meshopt-compressed (default)', true],
    ['uncompressed, so the validator also checks every accessor', false],
  ])('finds 0 errors in every glb: %s', async (name, compress) => {
    const { out } = await tileFile(`validate-${compress}`, fixtureCollection(), { compress });
    const tileset = await readTileset(out);
    for (const tile of contentTiles(tileset.root)) {
      const bytes = new Uint8Array(await readFile(join(out, tile.content!.uri)));
      const result = await validator.validateBytes(bytes);
      expect(result.issues.numErrors, `${name} ${tile.content!.uri}: ${JSON.stringify(result.issues.messages.filter((m: { severity: number }) => m.severity === 0))}`).toBe(0);
    }
  });
});

describe('projected input', () => {
  it('EPSG:4547 (declared in the file, or given with --crs) lands where the WGS84 input does', async () => {
    const wgs = await readAllTiles((await tileFile('wgs', fixtureCollection())).out);
    const declared = await tileFile('gk-declared', fixtureCollection('EPSG:4547'));
    expect(declared.report.crs).toBe('urn:ogc:def:crs:EPSG::4547');
    const { crs: _crs, ...withoutCrs } = fixtureCollection('EPSG:4547');
    const given = await tileFile('gk-given', withoutCrs, { crs: 'EPSG:4547' });
    for (const out of [declared.out, given.out]) {
      const gk = await readAllTiles(out);
      const centroid = (tiles: ReadTile[], id: string) => {
        let sum = [0, 0, 0];
        let n = 0;
        for (const t of tiles)
          for (let v = 0; v < t.featureIds.length; v++)
            if (t.columns.id![t.featureIds[v]!] === id) {
              sum = sum.map((s, k) => s + t.positionsEcef[3 * v + k]!);
              n++;
            }
        return sum.map((s) => s / n);
      };
      for (const id of ['box', 'court', 'tower']) {
        const a = centroid(wgs, id);
        const b = centroid(gk, id);
        expect(Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!)).toBeLessThan(0.05);
      }
    }
  });
});

describe('any EPSG code', () => {
  it('--crs EPSG:2056 (Swiss LV95, from the EPSG database): a building at 2 600 000 / 1 200 000 lands at Bern, 7.4386°E 46.9511°N', async () => {
    const ring = [[2_600_000, 1_200_000], [2_600_020, 1_200_000], [2_600_020, 1_200_020], [2_600_000, 1_200_020], [2_600_000, 1_200_000]];
    const { out, report } = await tileFile('lv95', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'bern', height: 10 }, geometry: { type: 'Polygon', coordinates: [ring] } }] }, { crs: 'EPSG:2056' });
    expect(report.buildingsWritten).toBe(1);
    const [west, south, east, north] = (await readTileset(out)).root.boundingVolume.region.map((r) => (r * 180) / Math.PI);
    expect(west!).toBeCloseTo(7.4386, 3);
    expect(south!).toBeCloseTo(46.9511, 3);
    expect(east! - west!).toBeLessThan(0.001);
    expect(north! - south!).toBeLessThan(0.001);
  });
});

const box = (coordinates: unknown) => ({ type: 'Feature', properties: { height: 10 }, geometry: { type: 'Polygon', coordinates } });
const goodRing = [[113.12, 23.02], [113.1202, 23.02], [113.1202, 23.0202], [113.12, 23.0202], [113.12, 23.02]];
const BAD_INPUTS: [string, string, RegExp][] = [
  ['malformed JSON', '{"type":"FeatureCollection","features":[' + JSON.stringify(box([goodRing])) + ',{"type":"Feature",}]}', /feature 1: malformed JSON: .*position 235/],
  ['a ring that is not closed', JSON.stringify({ type: 'FeatureCollection', features: [box([goodRing]), box([goodRing.slice(0, 4)])] }), /feature 1: polygon outer ring is not closed/],
  ['fewer than 3 distinct points', JSON.stringify({ type: 'FeatureCollection', features: [box([[[113.12, 23.02], [113.1202, 23.02], [113.12, 23.02], [113.1202, 23.02], [113.12, 23.02]]])] }), /feature 0: polygon outer ring has 2 distinct points/],
  ['a coordinate that is not a number', JSON.stringify({ type: 'FeatureCollection', features: [box([goodRing]), box([goodRing]), box([[[113.12, 23.02], [null, 23.02], [113.1202, 23.0202], [113.12, 23.02]]])] }), /feature 2: polygon outer ring position 1 has a coordinate that is not a finite number/],
];

describe('bad input', () => {
  it.each(BAD_INPUTS)('%s: fails naming the file, feature index and reason, and writes nothing', async (name, text, message) => {
    const input = join(work, `bad-${name.replace(/\W+/g, '-')}.geojson`);
    await writeFile(input, text);
    const out = join(work, `bad-${name.replace(/\W+/g, '-')}-out`);
    const source = await openGeoJson(input);
    await expect(tileBuildings(source.features, { sourceName: input, outputDirectory: out })).rejects.toThrow(message);
    await expect(tileBuildings((await openGeoJson(input)).features, { sourceName: input, outputDirectory: out })).rejects.toThrow(input);
    expect(existsSync(out)).toBe(false);
    expect((await readdir(work)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('an unknown CRS fails before reading', async () => {
    const input = join(work, 'fixture.geojson');
    await expect(tileBuildings((await openGeoJson(input)).features, { sourceName: input, outputDirectory: join(work, 'never'), crs: 'EPSG:12345' })).rejects.toThrow(/fixture\.geojson: unknown CRS "EPSG:12345"/);
  });

  it('--skip-invalid skips and counts instead', async () => {
    const text = JSON.stringify({ type: 'FeatureCollection', features: [box([goodRing]), box([goodRing.slice(0, 4)]), box([[[113.12, 23.02], [null, 1], [1, 1], [113.12, 23.02]]]), { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [113.12, 23.02] } }] });
    const { report } = await tileFile('skip', text, { skipInvalid: true });
    expect(report.buildingsWritten).toBe(1);
    expect(report.skipped).toEqual({ 'invalid geometry': 2, 'not a polygon (Point)': 1 });
    expect(report.skippedExamples.map((e) => e.featureIndex)).toEqual([1, 2, 3]);
  });

  it('a failed run leaves an earlier tileset in place', async () => {
    const { out } = await tileFile('keep', fixtureCollection());
    const before = await readFile(join(out, 'tileset.json'), 'utf8');
    const input = join(work, 'keep-bad.geojson');
    await writeFile(input, BAD_INPUTS[1]![1]);
    await expect(tileBuildings((await openGeoJson(input)).features, { sourceName: input, outputDirectory: out })).rejects.toThrow(/not closed/);
    expect(await readFile(join(out, 'tileset.json'), 'utf8')).toBe(before);
  });
});

describe('the CLI', () => {
  const cli = ['node_modules/tsx/dist/cli.mjs', 'scripts/build-tiles.ts'];
  it('exits non-zero with the file, feature index and reason', async () => {
    const input = join(work, 'cli-bad.geojson');
    await writeFile(input, BAD_INPUTS[1]![1]);
    const failure = await run(process.execPath, [...cli, input, '--out', join(work, 'cli-out')]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(`error: ${input}: feature 1: polygon outer ring is not closed`);
    expect(existsSync(join(work, 'cli-out'))).toBe(false);
  });

  it('exits non-zero on an unknown --crs, and prints a report on success', async () => {
    const input = join(work, 'fixture.geojson');
    const failure = await run(process.execPath, [...cli, input, '--out', join(work, 'cli-out'), '--crs', 'EPSG:0']).catch((e: { code: number; stderr: string }) => e);
    expect((failure as { code: number }).code).toBe(1);
    expect((failure as { stderr: string }).stderr).toMatch(/unknown CRS "EPSG:0"/);
    const ok = await run(process.execPath, [...cli, input, '--out', join(work, 'cli-out')]);
    expect(ok.stdout).toMatch(/buildings in\s+5/);
    expect(ok.stdout).toMatch(/height from\s+property 3, floors 1, default 1/);
  });
});

const SHANGHAI = join(import.meta.dirname, '../../../shared/data/buildings/shanghai_bund_lujiazui_buildings.geojson');
describe.runIf(existsSync(SHANGHAI))('real data: Shanghai Bund and Lujiazui (OSM)', () => {
  it('tiles without crashing and accounts for every feature', async () => {
    const out = join(work, 'shanghai');
    await mkdir(out, { recursive: true });
    const source = await openGeoJson(SHANGHAI);
    const report = await tileBuildings(source.features, { sourceName: SHANGHAI, outputDirectory: out, declaredCrs: source.declaredCrs });
    const skipped = Object.values(report.skipped).reduce((a, b) => a + b, 0);
    expect(report.featuresRead).toBe(1981);
    expect(report.buildingsWritten + skipped + report.partsMerged).toBe(report.featuresRead);
    expect(report.skipped['not a polygon (Point)']).toBe(409);
    expect(report.duplicates).toBeGreaterThan(0);
    expect(report.skipped['duplicate geometry']).toBe(report.duplicates);
    expect(report.heightSources.default).toBeGreaterThan(0); // OSM buildings without height
    expect(report.heightSources.property + report.heightSources.floors + report.heightSources.default).toBe(report.buildingsWritten);
    const tiles = await readAllTiles(out);
    expect(tiles.reduce((n, t) => n + t.rowCount, 0)).toBe(report.buildingsWritten);
  });
});
if (!existsSync(SHANGHAI)) console.warn(`skipping the real-data test: ${SHANGHAI} is absent (it is in ../shared/data on CI)`);
