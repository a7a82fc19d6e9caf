/**
 * City-model tiling (BENCH_ONLY=citymodels): the Delft CityJSON and the 3DBAG CityJSONSeq in
 * ../shared/data when present, and a synthetic LoD2 city of BENCH_CITYMODELS gabled houses
 * (default 100,000) written as CityJSONSeq on the fly, and the same city as one CityGML 2.0 file of
 * BENCH_CITYMODELS_GML houses (default the same count; read as a stream), each tiled in its own
 * process (scripts/bench/citymodels-run.ts) so its peak RSS shows whether memory stays bounded.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CityModelBenchRow {
  label: string;
  format: string;
  inputBytes: number;
  objects: number;
  features: number;
  tiles: number;
  bytes: number;
  seconds: number;
  peakRssBytes: number;
}

/** A gabled house (LoD2.2 solid: ground, four walls, two roof faces, with semantics) per grid cell, 20 m apart, near Delft. */
export async function writeSyntheticCitySeq(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  await write(JSON.stringify({ type: 'CityJSON', version: '2.0', CityObjects: {}, vertices: [], transform: { scale: [0.001, 0.001, 0.001], translate: [80000, 440000, 0] }, metadata: { referenceSystem: 'https://www.opengis.net/def/crs/EPSG/0/7415' } }));
  const side = Math.ceil(Math.sqrt(count));
  const surfaces = [[[0, 3, 2, 1]], [[0, 1, 5, 4]], [[2, 3, 7, 6]], [[3, 0, 4, 8, 7]], [[1, 2, 6, 9, 5]], [[4, 5, 9, 8]], [[6, 7, 8, 9]]];
  const values = [0, 1, 1, 1, 1, 2, 2];
  for (let i = 0; i < count; i++) {
    const x0 = (i % side) * 20_000;
    const y0 = Math.floor(i / side) * 20_000;
    const w = 8000 + (i % 7) * 1000;
    const d = 9000 + (i % 5) * 1000;
    const eaves = 5000 + (i % 4) * 1500;
    const ridge = eaves + 2500 + (i % 3) * 500;
    const v = [[0, 0, 0], [w, 0, 0], [w, d, 0], [0, d, 0], [0, 0, eaves], [w, 0, eaves], [w, d, eaves], [0, d, eaves], [0, d / 2, ridge], [w, d / 2, ridge]].map(([x, y, z]) => [x! + x0, y! + y0, z!]);
    const id = `SYN.${i}`;
    await write(
      JSON.stringify({
        type: 'CityJSONFeature',
        id,
        CityObjects: {
          [id]: {
            type: 'Building',
            attributes: { yearOfConstruction: 1900 + (i % 120), roofType: 'gabled', storeysAboveGround: 1 + (i % 4) },
            geometry: [{ type: 'Solid', lod: '2.2', boundaries: [surfaces], semantics: { surfaces: [{ type: 'GroundSurface' }, { type: 'WallSurface' }, { type: 'RoofSurface' }], values: [values] } }],
          },
        },
        vertices: v,
      }),
    );
  }
  out.end();
  await once(out, 'finish');
}

/** The same houses as one CityGML 2.0 document: lod2Solid of xlinks to boundedBy Roof/Wall/GroundSurfaces. */
export async function writeSyntheticCityGml(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(
    '<?xml version="1.0" encoding="UTF-8"?>\n<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" xmlns:bldg="http://www.opengis.net/citygml/building/2.0" xmlns:gen="http://www.opengis.net/citygml/generics/2.0" xmlns:gml="http://www.opengis.net/gml" xmlns:xlink="http://www.w3.org/1999/xlink">\n' +
      '<gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG::7415" srsDimension="3"/></gml:boundedBy>\n',
  );
  const side = Math.ceil(Math.sqrt(count));
  const faces: [string, number[]][] = [['GroundSurface', [0, 3, 2, 1]], ['WallSurface', [0, 1, 5, 4]], ['WallSurface', [2, 3, 7, 6]], ['WallSurface', [3, 0, 4, 8, 7]], ['WallSurface', [1, 2, 6, 9, 5]], ['RoofSurface', [4, 5, 9, 8]], ['RoofSurface', [6, 7, 8, 9]]];
  for (let i = 0; i < count; i++) {
    const x0 = 80000 + (i % side) * 20;
    const y0 = 440000 + Math.floor(i / side) * 20;
    const w = 8 + (i % 7);
    const d = 9 + (i % 5);
    const eaves = 5 + (i % 4) * 1.5;
    const ridge = eaves + 2.5 + (i % 3) * 0.5;
    const v = [[0, 0, 0], [w, 0, 0], [w, d, 0], [0, d, 0], [0, 0, eaves], [w, 0, eaves], [w, d, eaves], [0, d, eaves], [0, d / 2, ridge], [w, d / 2, ridge]].map(([x, y, z]) => [x! + x0, y! + y0, z!]);
    const id = `SYN.${i}`;
    const polygon = (k: number, ring: number[]) =>
      `<gml:Polygon gml:id="${id}-p${k}"><gml:exterior><gml:LinearRing><gml:posList srsDimension="3">${[...ring, ring[0]!].map((n) => v[n]!.map((c) => c.toFixed(3)).join(' ')).join(' ')}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>`;
    await write(
      `<core:cityObjectMember><bldg:Building gml:id="${id}"><bldg:yearOfConstruction>${1900 + (i % 120)}</bldg:yearOfConstruction><bldg:measuredHeight uom="m">${ridge}</bldg:measuredHeight>` +
        `<bldg:lod2Solid><gml:Solid><gml:exterior><gml:CompositeSurface>${faces.map((_, k) => `<gml:surfaceMember xlink:href="#${id}-p${k}"/>`).join('')}</gml:CompositeSurface></gml:exterior></gml:Solid></bldg:lod2Solid>` +
        faces.map(([type, ring], k) => `<bldg:boundedBy><bldg:${type}><bldg:lod2MultiSurface><gml:MultiSurface><gml:surfaceMember>${polygon(k, ring)}</gml:surfaceMember></gml:MultiSurface></bldg:lod2MultiSurface></bldg:${type}></bldg:boundedBy>`).join('') +
        '</bldg:Building></core:cityObjectMember>\n',
    );
  }
  await write('</core:CityModel>\n');
  out.end();
  await once(out, 'finish');
}

function runOne(label: string, input: string, out: string): CityModelBenchRow {
  process.stderr.write(`tiling ${label} …\n`);
  const output = execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/bench/citymodels-run.ts', input, out], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return { label, ...(JSON.parse(output.trim().split('\n').pop()!) as Omit<CityModelBenchRow, 'label'>) };
}

export async function benchCityModels(syntheticCount = Number(process.env.BENCH_CITYMODELS ?? 100_000)): Promise<CityModelBenchRow[]> {
  const work = mkdtempSync(join(tmpdir(), 'cim-twin-bench-citymodels-'));
  const rows: CityModelBenchRow[] = [];
  try {
    const data = join(import.meta.dirname, '../../../shared/data');
    for (const [label, file] of [['Delft (CityJSON 2.0, LoD1)', 'buildings/delft.city.json'], ['3DBAG (CityJSONSeq, LoD2.2)', 'citymodels/3dbag_b2.city.jsonl']] as const) {
      if (existsSync(join(data, file))) rows.push(runOne(label, join(data, file), join(work, 'out')));
      else process.stderr.write(`${join(data, file)} is absent: its row is left out\n`);
    }
    if (syntheticCount > 0) {
      const input = join(work, 'synthetic.city.jsonl');
      process.stderr.write(`writing ${syntheticCount} synthetic LoD2 houses as CityJSONSeq …\n`);
      await writeSyntheticCitySeq(input, syntheticCount);
      rows.push(runOne(`synthetic LoD2 city, ${syntheticCount.toLocaleString('en')} houses (CityJSONSeq)`, input, join(work, 'out')));
      rmSync(input);
    }
    const gmlCount = Number(process.env.BENCH_CITYMODELS_GML ?? syntheticCount);
    if (gmlCount > 0) {
      const input = join(work, 'synthetic.gml');
      process.stderr.write(`writing ${gmlCount} synthetic LoD2 houses as CityGML 2.0 …\n`);
      await writeSyntheticCityGml(input, gmlCount);
      rows.push(runOne(`synthetic LoD2 city, ${gmlCount.toLocaleString('en')} houses (CityGML, one file)`, input, join(work, 'out')));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

export function cityModelLines(rows: CityModelBenchRow[]): string[] {
  const lines = ['', 'City-model tiling (CityJSON / CityJSONSeq / CityGML; every surface triangulated with its semantic type; `scripts/bench/citymodels-run.ts`, one process per row)', ''];
  lines.push('| input | format | input size | objects | features | tiles | seconds | objects/s | bytes/object | peak RSS |', '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    lines.push(`| ${r.label} | ${r.format} | ${formatMegabytes(r.inputBytes)} | ${r.objects.toLocaleString('en')} | ${r.features.toLocaleString('en')} | ${r.tiles} | ${r.seconds.toFixed(1)} | ${Math.round(r.objects / r.seconds).toLocaleString('en')} | ${Math.round(r.bytes / r.features).toLocaleString('en')} | ${formatMegabytes(r.peakRssBytes)} |`);
  }
  return lines;
}
