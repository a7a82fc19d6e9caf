import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNetworkDocument } from '../../domain/network-document.ts';
import { fromLonLat } from '../crs.ts';
import { TilingInputError } from '../errors.ts';
import { CGCS2000_GK_CM_114E_WKT, GBK, writeShapefile } from '../testing/shapefile-fixture.ts';
import { importPipeFeatures, type PipeInput } from './pipe-features.ts';
import { sectionOf } from './pipe-fields.ts';
import { openShapefile } from './shapefile.ts';

const run = promisify(execFile);
const DATA = join(import.meta.dirname, '../../../../shared/data/pipelines');
const CLI = ['node_modules/tsx/dist/cli.mjs', 'scripts/build-pipe-tiles.ts'];

/** EPSG:4547 metres around a point in Foshan, so positions are survey-like. */
const [X0, Y0] = fromLonLat('EPSG:4547')(113.12, 23.02);
const at = (dx: number, dy: number): [number, number] => [X0 + dx, Y0 + dy];
const line = (properties: Record<string, unknown>, ...points: [number, number][]) => ({ type: 'Feature', properties, geometry: { type: 'LineString', coordinates: points } });
const point = (properties: Record<string, unknown>, p: [number, number]) => ({ type: 'Feature', properties, geometry: { type: 'Point', coordinates: p } });
const input = (features: object[], sourceName = 'survey.geojson'): PipeInput => ({ sourceName, features });

describe('sections as survey tables write them', () => {
  it.each([
    ['300', { kind: 'circular', diameterMillimetres: 300 }],
    ['DN600', { kind: 'circular', diameterMillimetres: 600 }],
    ['Φ110', { kind: 'circular', diameterMillimetres: 110 }],
    [200, { kind: 'circular', diameterMillimetres: 200 }],
    ['2000X1500', { kind: 'box', widthMillimetres: 2000, heightMillimetres: 1500 }],
    ['800×600', { kind: 'box', widthMillimetres: 800, heightMillimetres: 600 }],
  ])('%s', (value, expected) => expect(sectionOf(value)).toEqual(expected));
  it('rejects what is not a size', () => expect(sectionOf('大')).toBeUndefined());
});

describe('GeoJSON pipeline survey import', () => {
  it('reads Chinese field names, joins lines to their named points, and converts the CRS', async () => {
    const { network, report } = await importPipeFeatures(
      [
        input([
          point({ 点号: 'JS1', 附属物: '阀门', 地面高程: 3.2 }, at(0, 0)),
          point({ 点号: 'JS2', 附属物: '消防栓' }, at(50, 0)),
          point({ 点号: 'YS1', 附属物: '检查井', 井深: 3.1 }, at(0, 10)),
          point({ 点号: 'YS2', 附属物: '检查井', 井深: 3.3 }, at(40, 10)),
          line({ 管线编号: 'JS-L1', 管线类型: '给水', 管径: 'DN300', 起点点号: 'JS1', 终点点号: 'JS2', 起点埋深: 1.2, 终点埋深: 1.3, 材质: '球墨铸铁', 埋设年代: 2008, 权属单位: '佛山水业' }, at(0, 0), at(25, 2), at(50, 0)),
          line({ 管线编号: 'YS-L1', 管线类型: 'YS', 管径: '1200X1000', 起点点号: 'YS1', 终点点号: 'YS2', 起点管底高程: -0.5, 终点管底高程: -0.6 }, at(0, 10), at(40, 10)),
        ]),
      ],
      { crs: 'EPSG:4547' },
    );
    expect(report).toMatchObject({ featuresRead: 6, segments: 2, assets: 4, junctionsAdded: 0, skipped: {} });
    const water = network.segments.find((s) => s.id === 'JS-L1')!;
    expect(water).toMatchObject({ type: 'water', shape: { kind: 'circular', diameterMillimetres: 300 }, fromNodeId: 'JS1', toNodeId: 'JS2', start: { depthMetres: 1.2 }, end: { depthMetres: 1.3 }, material: '球墨铸铁', installYear: 2008 });
    expect(water.path).toHaveLength(3);
    expect(water.path[0]![0]).toBeCloseTo(113.12, 7);
    expect(water.path[0]![1]).toBeCloseTo(23.02, 7);
    const storm = network.segments.find((s) => s.id === 'YS-L1')!;
    expect(storm).toMatchObject({ type: 'drainage-storm', shape: { kind: 'box', widthMillimetres: 1200, heightMillimetres: 1000 }, start: { invertElevationMetres: -0.5 } });
    expect(network.assets.find((a) => a.id === 'JS1')).toMatchObject({ kind: 'valve', valveState: 'open', groundElevationMetres: 3.2 });
    expect(network.assets.find((a) => a.id === 'YS2')).toMatchObject({ kind: 'manhole', depthMetres: 3.3 });
  });

  it('joins lines without node references by position, adding junctions only where no point is', async () => {
    const { network, report } = await importPipeFeatures(
      [
        input([
          point({ id: 'V1', kind: 'valve' }, at(0, 0)),
          line({ id: 'a', diameterMillimetres: 200, depthMetres: 1 }, at(0, 0), at(30, 0)),
          line({ id: 'b', diameterMillimetres: 200, depthMetres: 1 }, at(30, 0), at(30, 30)),
          line({ id: 'c', diameterMillimetres: 200, depthMetres: 1 }, at(30, 30.004), at(60, 30)), // within 1 cm of b's end
        ]),
      ],
      { crs: 'EPSG:4547', pipelineType: 'gas' },
    );
    expect(report.junctionsAdded).toBe(3); // a/b joint, b/c joint, c's far end
    const [a, b, c] = ['a', 'b', 'c'].map((id) => network.segments.find((s) => s.id === id)!);
    expect(a!.fromNodeId).toBe('V1');
    expect(a!.toNodeId).toBe(b!.fromNodeId);
    expect(b!.toNodeId).toBe(c!.fromNodeId);
    expect(new Set(network.segments.map((s) => s.type))).toEqual(new Set(['gas']));
  });

  it.each([
    ['a missing diameter', line({ id: 'x', 起点埋深: 1, 终点埋深: 1 }, at(0, 0), at(10, 0)), /survey\.geojson: feature 0: missing diameter/],
    ['a negative depth', line({ id: 'x', 管径: 300, 起点埋深: -1.2, 终点埋深: 1 }, at(0, 0), at(10, 0)), /feature 0: negative or invalid start depth \(起点埋深\) -1\.2/],
    ['a pipe referring to an unknown node', line({ id: 'x', 管径: 300, 埋深: 1, 起点点号: 'P404', 终点点号: 'P405' }, at(0, 0), at(10, 0)), /feature 0: segment x: refers to unknown node P404; segment x: refers to unknown node P405/],
    ['an unknown type', line({ id: 'x', 管径: 300, 埋深: 1, 管线类型: '石油' }, at(0, 0), at(10, 0)), /feature 0: unknown pipeline type "石油"/],
    ['missing depths without a default', line({ id: 'x', 管径: 300 }, at(0, 0), at(10, 0)), /feature 0: missing start depth .* give --default-depth/],
    ['projected coordinates read as lon/lat', line({ id: 'x', 管径: 300, 埋深: 1 }, at(0, 0), at(10, 0)), /not a longitude\/latitude in EPSG:4326; name the data's CRS with --crs/],
  ])('stops on %s, naming the file, feature and reason', async (_, feature, message) => {
    const crs = String(message).includes('EPSG:4326') ? undefined : 'EPSG:4547';
    const failure = await importPipeFeatures([input([feature])], { crs }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TilingInputError);
    expect((failure as Error).message).toMatch(message);
  });

  it('with skipInvalid, skips bad features and reports each reason and where', async () => {
    const { network, report } = await importPipeFeatures(
      [
        input([
          line({ id: 'ok', 管径: 300, 埋深: 1 }, at(0, 0), at(10, 0)),
          line({ id: 'no-diameter', 埋深: 1 }, at(0, 0), at(10, 0)),
          line({ id: 'deep', 管径: 300, 起点埋深: -2, 终点埋深: 1 }, at(0, 0), at(10, 0)),
          line({ id: 'lost', 管径: 300, 埋深: 1, 起点点号: 'nowhere' }, at(0, 0), at(10, 0)),
          { type: 'Feature', properties: { id: 'area' }, geometry: { type: 'Polygon', coordinates: [[at(0, 0), at(1, 0), at(1, 1), at(0, 0)]] } },
        ]),
      ],
      { crs: 'EPSG:4547', skipInvalid: true, defaultDepthMetres: 1 },
    );
    expect(network.segments.map((s) => s.id)).toEqual(['ok']);
    expect(report.skipped).toEqual({ 'missing diameter': 1, 'negative depth': 1, 'refers to an unknown node': 1, 'unsupported geometry Polygon': 1 });
    expect(report.skippedFeatures.map((s) => s.index)).toEqual([1, 2, 4, 3]);
  });

  it('takes a project field map over the defaults', async () => {
    const { network } = await importPipeFeatures([input([line({ PIPE_NO: 'p1', SIZE: 'DN150', COVER: 0.9 }, at(0, 0), at(10, 0))])], { crs: 'EPSG:4547', fields: { id: 'PIPE_NO', diameter: 'SIZE', depth: 'COVER' } });
    expect(network.segments[0]).toMatchObject({ id: 'p1', shape: { diameterMillimetres: 150 }, start: { depthMetres: 0.9 } });
  });
});

describe('shapefile pipeline survey import', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cim-twin-shp-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function surveyPair(directory: string, cpg?: string) {
    // x = 500000 is the central meridian of EPSG:4547 (114°E): a known answer for the .prj.
    const lines = await writeShapefile(join(directory, 'JS_LINE'), {
      type: 'POLYLINE',
      rows: [
        { GXBH: 'JS-001', GXLX: 'WATR', GJ: 'DN300', QDDH: 'J1', ZDDH: 'J2', QDMS: 1.2, ZDMS: 1.35, CZ: 'MATERIAL' },
        { GXBH: 'JS-002', GXLX: 'WATR', GJ: '200', QDDH: 'J2', ZDDH: 'J3', QDMS: 1.35, ZDMS: 1.4, CZ: 'MATERIAL' },
      ],
      geometries: [
        [[500000, 2546000], [500060, 2546000]],
        [[500060, 2546000], [500060, 2546080]],
      ],
      prj: CGCS2000_GK_CM_114E_WKT,
      cpg,
      replacements: { MATERIAL: GBK.ductileIron, WATR: GBK.water },
    });
    const points = await writeShapefile(join(directory, 'JS_POINT'), {
      type: 'POINT',
      rows: [
        { WTDH: 'J1', FSW: 'FM' },
        { WTDH: 'J2', FSW: 'XFS' },
        { WTDH: 'J3', FSW: 'JH' },
      ],
      geometries: [
        [500000, 2546000],
        [500060, 2546000],
        [500060, 2546080],
      ],
      prj: CGCS2000_GK_CM_114E_WKT,
      cpg,
    });
    return { lines, points };
  }

  it('reads lines and points with their .prj (CGCS2000 GK, no EPSG code) and GBK text', async () => {
    const { lines, points } = await surveyPair(work, 'GBK');
    const { network, report } = await importPipeFeatures([await openShapefile(lines), await openShapefile(points)]);
    expect(report).toMatchObject({ featuresRead: 5, segments: 2, assets: 3, junctionsAdded: 0 });
    const first = network.segments.find((s) => s.id === 'JS-001')!;
    expect(first).toMatchObject({ type: 'water', material: '球墨铸铁', shape: { diameterMillimetres: 300 }, fromNodeId: 'J1', toNodeId: 'J2', start: { depthMetres: 1.2 }, end: { depthMetres: 1.35 } });
    expect(first.path[0]![0]).toBeCloseTo(114, 9);
    expect(first.path[0]![1]).toBeGreaterThan(22.9);
    expect(first.path[0]![1]).toBeLessThan(23.1);
    expect(network.assets.map((a) => a.kind)).toEqual(['valve', 'hydrant', 'service-connection']);
  });

  it('decodes GBK from the DBF language driver when there is no .cpg', async () => {
    const directory = await mkdtemp(join(work, 'ldid-'));
    const { lines, points } = await surveyPair(directory);
    const dbf = await readFile(join(directory, 'JS_LINE.dbf'));
    dbf[29] = 0x4d; // language driver: Chinese GBK (936)
    await writeFile(join(directory, 'JS_LINE.dbf'), dbf);
    const [first] = (await importPipeFeatures([await openShapefile(lines), await openShapefile(points)])).network.segments;
    expect(first!.material).toBe('球墨铸铁');
  });

  it('names the file when the attribute table is missing', async () => {
    const directory = await mkdtemp(join(work, 'nodbf-'));
    const { lines } = await surveyPair(directory);
    await rm(join(directory, 'JS_LINE.dbf'));
    await expect(openShapefile(lines)).rejects.toThrow(/JS_LINE\.shp: has no attribute table beside it/);
  });

  it('the CLI tiles a survey pair, writes the network document, and exits 1 on bad input with nothing written', async () => {
    const directory = await mkdtemp(join(work, 'cli-'));
    const { lines, points } = await surveyPair(directory, 'GBK');
    const out = join(directory, 'tiles');
    const ok = await run(process.execPath, [...CLI, lines, points, '--out', out]);
    expect(ok.stdout).toMatch(/segments\s+2/);
    const network = readNetworkDocument(JSON.parse(await readFile(join(out, 'network.json'), 'utf8')));
    expect(network.segments.map((s) => s.id).sort()).toEqual(['JS-001', 'JS-002']);
    await access(join(out, 'tileset.json'));

    const bad = join(directory, 'bad.geojson');
    await writeFile(bad, JSON.stringify({ type: 'FeatureCollection', features: [line({ id: 'x', 埋深: 1 }, [113.12, 23.02], [113.121, 23.02])] }));
    const badOut = join(directory, 'bad-tiles');
    const failure = await run(process.execPath, [...CLI, bad, '--out', badOut]).catch((e: { code: number; stderr: string }) => e);
    expect('code' in failure && failure.code).toBe(1);
    expect(failure.stderr).toContain('bad.geojson: feature 0: missing diameter');
    await expect(access(badOut)).rejects.toThrow();
  }, 60_000);
});

describe.runIf(existsSync(DATA))('EPANET to tiles from the CLI (../shared/data)', () => {
  it('tiles Net3.inp placed by a local origin, and asks for a placement when none is given', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cim-twin-inp-'));
    try {
      const ok = await run(process.execPath, [...CLI, join(DATA, 'Net3.inp'), '--origin', '113.12,23.02', '--metres-per-unit', '10', '--out', join(out, 'net3')]);
      expect(ok.stdout).toMatch(/segments\s+117/);
      const network = readNetworkDocument(JSON.parse(await readFile(join(out, 'net3', 'network.json'), 'utf8')));
      expect(network.segments).toHaveLength(117);
      const failure = await run(process.execPath, [...CLI, join(DATA, 'Net3.inp'), '--out', join(out, 'x')]).catch((e: { code: number; stderr: string }) => e);
      expect('code' in failure && failure.code).toBe(1);
      expect(failure.stderr).toMatch(/Net3\.inp: EPANET coordinates carry no CRS: give --crs, or --origin/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);
});
describe.runIf(existsSync(DATA))('EPANET --default-depth and the run summary (../shared/data)', () => {
  it('Net3.inp --default-depth 2: every pipe at 2 m, and a read/skipped summary like the survey runs', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cim-twin-inp-'));
    try {
      const file = join(DATA, 'Net3.inp');
      const ok = await run(process.execPath, [...CLI, file, '--origin', '113.12,23.02', '--metres-per-unit', '0.3048', '--default-depth', '2', '--out', join(out, 'net3')]);
      expect(ok.stdout).toContain(`input            ${file} (EPANET, US units, flow in GPM)`);
      expect(ok.stdout).toMatch(/read\s+92 junctions, 2 reservoirs, 3 tanks, 117 pipes, 2 pumps, 0 valves, 0 vertices/);
      expect(ok.stdout).toMatch(/segments\s+117 \(the pipes\)/);
      expect(ok.stdout).toMatch(/assets\s+99 \(nodes, and pumps and valves as point assets\)/);
      expect(ok.stdout).toMatch(/depth assumed\s+117 pipes at 2 m cover \(EPANET has no depth; from --default-depth\)/);
      expect(ok.stdout).toMatch(/skipped\s+0 \(EPANET reads the whole file or rejects it\)/);
      const network = readNetworkDocument(JSON.parse(await readFile(join(out, 'net3', 'network.json'), 'utf8')));
      expect(network.segments.every((s) => 'depthMetres' in s.start && s.start.depthMetres === 2 && 'depthMetres' in s.end && s.end.depthMetres === 2)).toBe(true);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('options that do not apply to the input are refused, and nothing is written', () => {
  const inp = '[JUNCTIONS]\n J1 10 1\n J2 12 1\n[RESERVOIRS]\n R1 50\n[PIPES]\n P1 J1 J2 100 12 100 0 Open\n P2 R1 J1 100 12 100 0 Open\n[COORDINATES]\n J1 0 0\n J2 100 0\n R1 0 100\n[END]\n';
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'cim-twin-refuse-'));
    await writeFile(join(directory, 'net.inp'), inp);
    await writeFile(join(directory, 'survey.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [line({ id: 'L1', 管径: 300, 埋深: 1 }, [113.12, 23.02], [113.121, 23.02])] }));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });
  const place = ['--origin', '113.12,23.02'];
  it.each([
    ['--fields on EPANET input', 'net.inp', [...place, '--fields', 'fields.json'], /error: --fields does not apply to EPANET input \(.*net\.inp\): EPANET sections have fixed columns/],
    ['--encoding on EPANET input', 'net.inp', [...place, '--encoding', 'gbk'], /error: --encoding does not apply to EPANET input/],
    ['--skip-invalid on EPANET input', 'net.inp', [...place, '--skip-invalid'], /error: --skip-invalid does not apply to EPANET input .*: EPANET reads the whole file or rejects it/],
    ['--type gas on EPANET input', 'net.inp', [...place, '--type', 'gas'], /error: --type gas does not apply to EPANET input .*: an EPANET network is a water network/],
    ['--metres-per-unit with --crs', 'net.inp', ['--crs', 'EPSG:4547', '--metres-per-unit', '0.3048'], /error: --metres-per-unit does not apply to EPANET input .*with --crs the CRS gives the units/],
    ['--origin with --crs', 'net.inp', [...place, '--crs', 'EPSG:4547'], /error: --origin with --crs does not apply to EPANET input .*give one placement/],
    ['--origin on survey input', 'survey.geojson', place, /error: --origin does not apply to survey input \(.*survey\.geojson\)/],
    ['--metres-per-unit on survey input', 'survey.geojson', ['--metres-per-unit', '0.3'], /error: --metres-per-unit does not apply to survey input/],
  ])('%s', async (name, file, options, message) => {
    const out = join(directory, `out-${name.replace(/\W+/g, '-')}`);
    const failure = await run(process.execPath, [...CLI, join(directory, file), ...options, '--out', out]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('the same network tiles with the options that apply (--type water, --default-depth)', async () => {
    const out = join(directory, 'ok');
    const ok = await run(process.execPath, [...CLI, join(directory, 'net.inp'), ...place, '--type', 'water', '--default-depth', '1.5', '--out', out]);
    expect(ok.stdout).toMatch(/depth assumed\s+2 pipes at 1\.5 m cover/);
    expect(existsSync(join(out, 'tileset.json'))).toBe(true);
  }, 60_000);
});

if (!existsSync(DATA)) console.warn(`skipping the EPANET CLI test: ${DATA} is absent (it is in ../shared/data on CI)`);
