/**
 * Sparse text columns: a text attribute empty in every feature of a tile must not become a
 * zero-length or padded buffer view (the official 3D Tiles validator's METADATA_INVALID_LENGTH).
 * Such a column is left out of that tile's property table, and the schema declares text
 * properties optional with noData/default "", so CesiumJS and 3d-tiles-renderer read "" for it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipeNetwork } from '../domain/pipelines.ts';
import { tileBuildings } from './building-pipeline.ts';
import { openGeoJson } from './geojson-reader.ts';
import { readGlb } from './glb.ts';
import { encodePropertyTable, SchemaBuilder } from './metadata.ts';
import { tilePipeNetwork } from './pipes/pipe-pipeline.ts';
import { checkPropertyTables } from './testing/property-table-rules.ts';
import { contentTiles, readTile, readTileset } from './testing/read-tiles.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cim-twin-sparse-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const square = (lon: number, lat: number, d = 0.0002) => ({ type: 'Polygon', coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]] });

async function glbs(directory: string): Promise<{ uri: string; bytes: Uint8Array }[]> {
  const tileset = await readTileset(directory);
  return Promise.all(contentTiles(tileset.root).map(async (tile) => ({ uri: tile.content!.uri, bytes: new Uint8Array(await readFile(join(directory, tile.content!.uri))) })));
}

/** Rows of a tile's property table as CesiumJS reads them (MetadataTable, as its glTF loader builds it). */
async function cesiumRows(glb: Uint8Array): Promise<Record<string, unknown>[]> {
  // MetadataTable and MetadataSchema.fromJson are what Cesium's glTF loader uses; they are
  // exported but not in the typings.
  const { MetadataSchema, MetadataTable } = (await import('@cesium/engine')) as unknown as {
    MetadataSchema: { fromJson(json: unknown): { classes: Record<string, unknown> } };
    MetadataTable: new (options: { count: number; properties: unknown; class: unknown; bufferViews: Record<number, Uint8Array> }) => { getPropertyIds(): string[]; getProperty(row: number, id: string): unknown };
  };
  const { json, bin } = readGlb(glb);
  const extension = json.extensions!['EXT_structural_metadata'] as { schema: unknown; propertyTables: { class: string; count: number; properties: Record<string, unknown> }[] };
  const schema = MetadataSchema.fromJson(extension.schema);
  const table = extension.propertyTables[0]!;
  const bufferViews: Record<number, Uint8Array> = {};
  json.bufferViews!.forEach((view, i) => {
    bufferViews[i] = bin.slice(view.byteOffset ?? 0, (view.byteOffset ?? 0) + view.byteLength);
  });
  const metadataTable = new MetadataTable({ count: table.count, properties: table.properties, class: schema.classes[table.class], bufferViews });
  return Array.from({ length: table.count }, (_, row) => Object.fromEntries(metadataTable.getPropertyIds().map((id) => [id, metadataTable.getProperty(row, id)])));
}

describe('the property table', () => {
  it('leaves out a text column no row has, and keeps the numbers', () => {
    const builder = new SchemaBuilder(['id', 'name']);
    builder.observe({ id: 'a', name: 'x', height: 3, area: 2.5 });
    const schema = builder.build('s', 'c', 'C');
    const encoded = encodePropertyTable(schema, [{ id: 'a', height: 3, area: 2.5 }]);
    expect(Object.keys(encoded.table.properties)).toEqual(['id', 'height', 'area']);
    expect(encoded.bufferViews.every((view) => view.length > 0)).toBe(true);
  });
});

describe('a building file with just {id, height}', () => {
  let out: string;
  beforeAll(async () => {
    const input = join(work, 'bare.geojson');
    await writeFile(input, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'B1', height: 12 }, geometry: square(113.12, 23.02) }] }));
    out = join(work, 'bare');
    await tileBuildings((await openGeoJson(input)).features, { sourceName: input, outputDirectory: out });
  });

  it('writes no zero-length or padded buffer view: the empty name column is left out', async () => {
    const tiles = await glbs(out);
    expect(tiles.length).toBe(1);
    for (const { uri, bytes } of tiles) {
      const check = checkPropertyTables(bytes);
      expect(check.problems, uri).toEqual([]);
      expect(check.bufferViewLengths.every((n) => n > 0)).toBe(true);
      expect(check.columns).toContain('id');
      expect(check.columns).toContain('height');
      expect(check.columns).not.toContain('name');
      expect(check.classProperties.name).toMatchObject({ type: 'STRING', required: false, noData: '', default: '' });
      expect(check.classProperties.height).toMatchObject({ type: 'SCALAR', componentType: 'INT32', noData: -2147483648 });
    }
  });

  it('reads back: the left-out name is "" in CesiumJS, and id and height are there (CesiumJS, loaders.gl)', async () => {
    const [only] = await glbs(out);
    expect(await cesiumRows(only!.bytes)).toEqual([expect.objectContaining({ id: 'B1', name: '', height: 12 })]);
    const tile = await readTile(out, only!.uri);
    expect(tile.columns.id).toEqual(['B1']);
    expect(tile.columns.height).toEqual([12]);
  });
});

describe('a pipe network with no pressure class, valve state or building served', () => {
  let out: string;
  beforeAll(async () => {
    const network: PipeNetwork = {
      segments: [0, 1, 2].map((i) => ({
        id: `P${i}`,
        type: 'water',
        shape: { kind: 'circular', diameterMillimetres: 300 },
        path: [[113.12 + i * 0.001, 23.02], [113.121 + i * 0.001, 23.02]],
        fromNodeId: `J${i}`,
        toNodeId: `J${i + 1}`,
        start: { depthMetres: 1.2 },
        end: { depthMetres: 1.3 },
      })),
      assets: [
        { id: 'V1', kind: 'valve', type: 'water', lonDegrees: 113.121, latDegrees: 23.02, groundElevationMetres: 0 },
        { id: 'M1', kind: 'manhole', type: 'water', lonDegrees: 113.122, latDegrees: 23.02, groundElevationMetres: 0, depthMetres: 2 },
      ],
    };
    out = join(work, 'pipes');
    await tilePipeNetwork(network, { outputDirectory: out });
  });

  it('writes no zero-length or padded buffer view and leaves the empty text columns out', async () => {
    const tiles = await glbs(out);
    expect(tiles.length).toBeGreaterThan(0);
    for (const { uri, bytes } of tiles) {
      const check = checkPropertyTables(bytes);
      expect(check.problems, uri).toEqual([]);
      for (const empty of ['pressureClass', 'valveState', 'buildingId', 'material', 'owner', 'status']) expect(check.columns, `${uri} ${empty}`).not.toContain(empty);
      expect(check.columns).toEqual(expect.arrayContaining(['id', 'featureType', 'pipelineType', 'typeName', 'diameterMillimetres', 'depthMetres']));
      for (const id of ['pressureClass', 'valveState', 'buildingId']) expect(check.classProperties[id]).toMatchObject({ type: 'STRING', required: false, noData: '', default: '' });
    }
  });

  it('reads back in CesiumJS: every feature with its ID, the left-out columns as ""', async () => {
    const rows = (await Promise.all((await glbs(out)).map(({ bytes }) => cesiumRows(bytes)))).flat();
    // Segments are in a line tile (far) and a tube tile (near): the same rows.
    expect([...new Set(rows.map((r) => r.id))].sort()).toEqual(['M1', 'P0', 'P1', 'P2', 'V1']);
    expect(rows.find((r) => r.id === 'V1')).toMatchObject({ featureType: 'valve', valveState: '', buildingId: '' });
    expect(rows.find((r) => r.id === 'P1')).toMatchObject({ featureType: 'segment', pressureClass: '', diameterMillimetres: 300 });
  });
});

describe('a column that is empty in some rows only', () => {
  it('is kept, with offsets that end at its byteLength', async () => {
    const builder = new SchemaBuilder(['id', 'name']);
    const rows = [{ id: 'a', name: '' }, { id: 'b', name: '楼' }, { id: 'c' }];
    rows.forEach((r) => builder.observe(r));
    const encoded = encodePropertyTable(builder.build('s', 'c', 'C'), rows);
    const name = encoded.table.properties.name as { values: number; stringOffsets: number };
    expect(encoded.bufferViews[name.values]!.length).toBe(3);
    expect(Array.from(new Uint32Array(encoded.bufferViews[name.stringOffsets]!.slice().buffer))).toEqual([0, 0, 3, 3]);
  });
});
