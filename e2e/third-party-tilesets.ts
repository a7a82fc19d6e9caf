/**
 * Third-party-style tilesets for the e2e tests, written the way other tools write them, so the
 * viewer is shown to load more than our own output:
 *  - b3dm:     3D Tiles 1.0, a b3dm with a batch table (JSON) and _BATCHID (as py3dtilers or FME write);
 *  - implicit: 3D Tiles 1.1 implicit quadtree tiling with a binary subtree file;
 *  - draco:    glTF content with KHR_draco_mesh_compression and EXT_structural_metadata;
 *  - metadata: 3D Tiles 1.1 metadata at every level (tileset, group, tile, content) beside the
 *              features' own, with units in schema descriptions and semantics;
 *  - local:    no georeference: one box in a local frame at the Earth's centre, no root transform
 *              (as the 3D Tiles samples MetadataGranularities or SparseImplicitQuadtree are).
 * Each holds a few boxes around its own site, east of the demo district; the central, tallest box
 * is named so a test can click it.
 */
import { NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { draco } from '@gltf-transform/functions';
import draco3d from 'draco3dgltf';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TileMeshBuilder } from '../src/tiling/extrude.ts';
import { addMetadata, contentDocument, readGlb, writeGlb } from '../src/tiling/glb.ts';
import { LocalFrame } from '../src/tiling/local-frame.ts';
import { SchemaBuilder } from '../src/tiling/metadata.ts';
import { regionRadians } from '../src/tiling/tileset.ts';

export interface ThirdPartySite {
  kind: 'b3dm' | 'implicit' | 'draco';
  lonDegrees: number;
  latDegrees: number;
  /** Name and height of the central box, which a camera straight above will hit. */
  centralName: string;
  centralHeightMetres: number;
}

const METRES_PER_DEGREE = 111_320;

export const THIRD_PARTY_SITES: ThirdPartySite[] = [
  { kind: 'b3dm', lonDegrees: 113.15, latDegrees: 23.02, centralName: '批量表大楼', centralHeightMetres: 60 },
  { kind: 'implicit', lonDegrees: 113.16, latDegrees: 23.02, centralName: 'implicit-tower', centralHeightMetres: 70 },
  { kind: 'draco', lonDegrees: 113.17, latDegrees: 23.02, centralName: 'draco-tower', centralHeightMetres: 80 },
];

interface Box {
  name: string;
  eastMetres: number;
  northMetres: number;
  sizeMetres: number;
  heightMetres: number;
}

function boxRing(site: ThirdPartySite, box: Box): Float64Array {
  const metresPerDegreeLon = METRES_PER_DEGREE * Math.cos((site.latDegrees * Math.PI) / 180);
  const h = box.sizeMetres / 2;
  const corners = [[-h, -h], [h, -h], [h, h], [-h, h]] as const;
  return Float64Array.from(corners.flatMap(([dx, dy]) => [site.lonDegrees + (box.eastMetres + dx) / metresPerDegreeLon, site.latDegrees + (box.northMetres + dy) / METRES_PER_DEGREE]));
}

function siteBoxes(site: ThirdPartySite): Box[] {
  return [
    { name: site.centralName, eastMetres: 0, northMetres: 0, sizeMetres: 30, heightMetres: site.centralHeightMetres },
    { name: `${site.kind}-东`, eastMetres: 60, northMetres: 20, sizeMetres: 20, heightMetres: 20 },
    { name: `${site.kind}-西`, eastMetres: -60, northMetres: -20, sizeMetres: 20, heightMetres: 15 },
  ];
}

function meshFor(site: ThirdPartySite, boxes: Box[]) {
  const frame = new LocalFrame(site.lonDegrees, site.latDegrees);
  const builder = new TileMeshBuilder(frame);
  boxes.forEach((box, i) => builder.addExtrusion([boxRing(site, box)], 0, box.heightMetres, i));
  return { mesh: builder.finish(), frame };
}

function region(site: ThirdPartySite, boxes: Box[]): number[] {
  const rings = boxes.map((b) => boxRing(site, b));
  const lons = rings.flatMap((r) => [...r].filter((_, i) => i % 2 === 0));
  const lats = rings.flatMap((r) => [...r].filter((_, i) => i % 2 === 1));
  return regionRadians([Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats), 0, Math.max(...boxes.map((b) => b.heightMetres))]);
}

const padTo8 = (bytes: Uint8Array, fill = 0x20): Uint8Array => {
  const out = new Uint8Array((bytes.length + 7) & ~7).fill(fill);
  out.set(bytes);
  return out;
};

/** b3dm (3D Tiles 1.0): feature table BATCH_LENGTH, JSON batch table, glb with _BATCHID. */
async function writeB3dm(directory: string, site: ThirdPartySite): Promise<void> {
  const boxes = siteBoxes(site);
  const { mesh, frame } = meshFor(site, boxes);
  const document = contentDocument(mesh, frame.gltfNodeMatrix());
  const primitive = document.getRoot().listMeshes()[0]!.listPrimitives()[0]!;
  const featureIds = primitive.getAttribute('_FEATURE_ID_0')!;
  primitive.setAttribute('_FEATURE_ID_0', null);
  primitive.setAttribute('_BATCHID', document.createAccessor().setType('SCALAR').setArray(Float32Array.from(featureIds.getArray()!)).setBuffer(document.getRoot().listBuffers()[0]!));
  featureIds.dispose();
  const glb = await new NodeIO().writeBinary(document);
  const encoder = new TextEncoder();
  const featureTable = padTo8(encoder.encode(JSON.stringify({ BATCH_LENGTH: boxes.length })));
  const batchTable = padTo8(encoder.encode(JSON.stringify({ name: boxes.map((b) => b.name), height: boxes.map((b) => b.heightMetres), source: boxes.map(() => 'b3dm batch table') })));
  const header = new DataView(new ArrayBuffer(28));
  const total = 28 + featureTable.length + batchTable.length + glb.length;
  [0x62, 0x33, 0x64, 0x6d].forEach((c, i) => header.setUint8(i, c)); // "b3dm"
  header.setUint32(4, 1, true);
  header.setUint32(8, total, true);
  header.setUint32(12, featureTable.length, true);
  header.setUint32(16, 0, true);
  header.setUint32(20, batchTable.length, true);
  header.setUint32(24, 0, true);
  const out = new Uint8Array(total);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(featureTable, 28);
  out.set(batchTable, 28 + featureTable.length);
  out.set(glb, 28 + featureTable.length + batchTable.length);
  await writeFile(join(directory, 'buildings.b3dm'), out);
  const tileset = {
    asset: { version: '1.0' },
    geometricError: 200,
    root: { boundingVolume: { region: region(site, boxes) }, geometricError: 0, refine: 'ADD', content: { uri: 'buildings.b3dm' } },
  };
  await writeFile(join(directory, 'tileset.json'), JSON.stringify(tileset));
}

function schemaFor(rows: Record<string, unknown>[]) {
  const builder = new SchemaBuilder(['name']);
  rows.forEach((r) => builder.observe(r));
  return builder.build('third_party', 'box', 'boxes');
}

/** Implicit quadtree, two levels, every tile available with content; one binary subtree. */
async function writeImplicit(directory: string, site: ThirdPartySite): Promise<void> {
  const boxes = siteBoxes(site);
  const rootRegion = region(site, boxes);
  // Level 0 holds the central box; each level-1 quadrant a small box of its own.
  const [west, south, east, north] = rootRegion as [number, number, number, number];
  const toDegrees = (r: number) => (r * 180) / Math.PI;
  const writeTile = async (level: number, x: number, y: number, tileBoxes: Box[]) => {
    const { mesh, frame } = meshFor(site, tileBoxes);
    const rows = tileBoxes.map((b) => ({ name: b.name, height: b.heightMetres, tile: `${level}/${x}/${y}` }));
    const glb = addMetadata(await new NodeIO().registerExtensions(ALL_EXTENSIONS).writeBinary(contentDocument(mesh, frame.gltfNodeMatrix())), schemaFor(rows), rows);
    await mkdir(join(directory, 'content', String(level), String(x)), { recursive: true });
    await writeFile(join(directory, 'content', String(level), String(x), `${y}.glb`), glb);
  };
  await writeTile(0, 0, 0, [boxes[0]!]);
  const metresPerDegreeLon = METRES_PER_DEGREE * Math.cos((site.latDegrees * Math.PI) / 180);
  for (let x = 0; x < 2; x++) {
    for (let y = 0; y < 2; y++) {
      // Centre of the quadrant, in metres from the site.
      const lon = toDegrees(west + ((x + 0.5) * (east - west)) / 2);
      const lat = toDegrees(south + ((y + 0.5) * (north - south)) / 2);
      const box: Box = { name: `quadrant-${x}-${y}`, eastMetres: (lon - site.lonDegrees) * metresPerDegreeLon, northMetres: (lat - site.latDegrees) * METRES_PER_DEGREE, sizeMetres: 6, heightMetres: 12 };
      await writeTile(1, x, y, [box]);
    }
  }
  // Subtree (binary): tile and content availability constant 1, no child subtrees.
  const json = padTo8(new TextEncoder().encode(JSON.stringify({ tileAvailability: { constant: 1 }, contentAvailability: [{ constant: 1 }], childSubtreeAvailability: { constant: 0 } })));
  const header = new DataView(new ArrayBuffer(24));
  [0x73, 0x75, 0x62, 0x74].forEach((c, i) => header.setUint8(i, c)); // "subt"
  header.setUint32(4, 1, true);
  header.setBigUint64(8, BigInt(json.length), true);
  header.setBigUint64(16, 0n, true);
  const subtree = new Uint8Array(24 + json.length);
  subtree.set(new Uint8Array(header.buffer), 0);
  subtree.set(json, 24);
  await mkdir(join(directory, 'subtrees'), { recursive: true });
  await writeFile(join(directory, 'subtrees', '0.0.0.subtree'), subtree);
  const tileset = {
    asset: { version: '1.1' },
    geometricError: 200,
    root: {
      boundingVolume: { region: rootRegion },
      geometricError: 100,
      refine: 'ADD',
      content: { uri: 'content/{level}/{x}/{y}.glb' },
      implicitTiling: { subdivisionScheme: 'QUADTREE', subtreeLevels: 2, availableLevels: 2, subtrees: { uri: 'subtrees/{level}.{x}.{y}.subtree' } },
    },
  };
  await writeFile(join(directory, 'tileset.json'), JSON.stringify(tileset));
}

/** glTF content with KHR_draco_mesh_compression and metadata. */
async function writeDraco(directory: string, site: ThirdPartySite): Promise<void> {
  const boxes = siteBoxes(site);
  const { mesh, frame } = meshFor(site, boxes);
  const document = contentDocument(mesh, frame.gltfNodeMatrix());
  await document.transform(draco({ method: 'edgebreaker' }));
  const io = new NodeIO().registerExtensions(ALL_EXTENSIONS).registerDependencies({ 'draco3d.encoder': await draco3d.createEncoderModule() });
  const rows = boxes.map((b) => ({ name: b.name, height: b.heightMetres, compression: 'KHR_draco_mesh_compression' }));
  const glb = addMetadata(await io.writeBinary(document), schemaFor(rows), rows);
  const { json } = readGlb(glb);
  if (!(json.extensionsUsed ?? []).includes('KHR_draco_mesh_compression')) throw new Error('draco fixture is not Draco-compressed');
  await writeFile(join(directory, 'buildings.glb'), writeGlb(json, readGlb(glb).bin));
  const tileset = {
    asset: { version: '1.1' },
    geometricError: 200,
    root: { boundingVolume: { region: region(site, boxes) }, geometricError: 0, refine: 'ADD', content: { uri: 'buildings.glb' } },
  };
  await writeFile(join(directory, 'tileset.json'), JSON.stringify(tileset));
}

/** The metadata tileset: its site, its central box, and what its metadata holds (the test reads these back). */
export const METADATA_TILESET = {
  path: 'metadata/tileset.json',
  lonDegrees: 113.18,
  latDegrees: 23.02,
  name: 'metadata-tower',
  heightMetres: 50,
  feature: { use: 'commercial', datumOffset: -1.3197, diameterMillimetres: 300, floors: 12 },
  tileset: { surveyor: '佛山市测绘院', surveyYear: 2024, heightAccuracy: 0.05 },
  group: { batchName: '第一批', capturedOn: '2024-05-01' },
  tile: { maximumHeight: 50, quality: 'checked' },
  content: { source: 'e2e fixture', featureCount: 3 },
} as const;

/** Features with units in their schema's descriptions, and metadata at the tileset, group, tile and content levels. */
async function writeMetadata(directory: string): Promise<void> {
  const m = METADATA_TILESET;
  const site: ThirdPartySite = { kind: 'b3dm', lonDegrees: m.lonDegrees, latDegrees: m.latDegrees, centralName: m.name, centralHeightMetres: m.heightMetres };
  const boxes = siteBoxes(site);
  const { mesh, frame } = meshFor(site, boxes);
  const rows = boxes.map((b, i) => ({ name: b.name, height: b.heightMetres, ...m.feature, floors: m.feature.floors - i }));
  const withTable = addMetadata(await new NodeIO().registerExtensions(ALL_EXTENSIONS).writeBinary(contentDocument(mesh, frame.gltfNodeMatrix())), schemaFor(rows), rows);
  // A unit in the feature schema's description, as a surveyor's schema would carry it.
  const { json, bin } = readGlb(withTable);
  const schema = (json.extensions as { EXT_structural_metadata: { schema: { classes: Record<string, { properties: Record<string, { description?: string }> }> } } }).EXT_structural_metadata.schema;
  for (const c of Object.values(schema.classes)) {
    if (c.properties.datumOffset) c.properties.datumOffset.description = 'Offset of the base to the 1985 national height datum, unit: m';
  }
  await writeFile(join(directory, 'boxes.glb'), writeGlb(json, bin));
  const tileset = {
    asset: { version: '1.1' },
    schema: {
      id: 'e2e_metadata',
      classes: {
        survey: {
          name: 'Survey',
          properties: {
            surveyor: { type: 'STRING' },
            surveyYear: { type: 'SCALAR', componentType: 'UINT16' },
            heightAccuracy: { type: 'SCALAR', componentType: 'FLOAT64', description: 'Root-mean-square error of heights (m)' },
          },
        },
        batch: { name: 'Capture batch', properties: { batchName: { type: 'STRING' }, capturedOn: { type: 'STRING' } } },
        tileInfo: { properties: { maximumHeight: { type: 'SCALAR', componentType: 'FLOAT32', semantic: 'TILE_MAXIMUM_HEIGHT' }, quality: { type: 'STRING' } } },
        contentInfo: { properties: { source: { type: 'STRING' }, featureCount: { type: 'SCALAR', componentType: 'UINT32' } } },
      },
    },
    metadata: { class: 'survey', properties: m.tileset },
    groups: [{ class: 'batch', properties: m.group }],
    geometricError: 200,
    root: {
      boundingVolume: { region: region(site, boxes) },
      geometricError: 0,
      refine: 'ADD',
      metadata: { class: 'tileInfo', properties: m.tile },
      content: { uri: 'boxes.glb', group: 0, metadata: { class: 'contentInfo', properties: m.content } },
    },
  };
  await writeFile(join(directory, 'tileset.json'), JSON.stringify(tileset));
}

/** The local-frame tileset: a box of this size (m) and name, its base at the frame's origin. */
export const LOCAL_TILESET = { path: 'local/tileset.json', name: 'local-box', sizeMetres: 30, heightMetres: 40 } as const;

/** A box in a local east-north-up frame (metres) with no root transform: nothing places it on the Earth. */
async function writeLocal(directory: string): Promise<void> {
  // The builder takes lon/lat rings: build the box at a nominal site and keep its local coordinates.
  const site: ThirdPartySite = { kind: 'b3dm', lonDegrees: 0, latDegrees: 0, centralName: LOCAL_TILESET.name, centralHeightMetres: LOCAL_TILESET.heightMetres };
  const box: Box = { name: LOCAL_TILESET.name, eastMetres: 0, northMetres: 0, sizeMetres: LOCAL_TILESET.sizeMetres, heightMetres: LOCAL_TILESET.heightMetres };
  const { mesh } = meshFor(site, [box]);
  const identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  const rows = [{ name: box.name, height: box.heightMetres, frame: 'local, no georeference' }];
  const glb = addMetadata(await new NodeIO().registerExtensions(ALL_EXTENSIONS).writeBinary(contentDocument(mesh, identity)), schemaFor(rows), rows);
  await writeFile(join(directory, 'box.glb'), glb);
  const h = LOCAL_TILESET.sizeMetres / 2;
  const z = LOCAL_TILESET.heightMetres / 2;
  const tileset = {
    asset: { version: '1.1' },
    geometricError: 100,
    // A box bounding volume about the frame's origin, and no "transform": the tileset sits at the Earth's centre.
    root: { boundingVolume: { box: [0, 0, z, h, 0, 0, 0, h, 0, 0, 0, z] }, geometricError: 0, refine: 'ADD', content: { uri: 'box.glb' } },
  };
  await writeFile(join(directory, 'tileset.json'), JSON.stringify(tileset));
}

const WRITERS = { b3dm: writeB3dm, implicit: writeImplicit, draco: writeDraco } as const;

/** Write every fixture under `root` (served at /tiles/… by the e2e server). */
export async function writeThirdPartyTilesets(root: string): Promise<void> {
  for (const site of THIRD_PARTY_SITES) {
    const directory = join(root, site.kind);
    await mkdir(directory, { recursive: true });
    await WRITERS[site.kind](directory, site);
  }
  await mkdir(join(root, 'local'), { recursive: true });
  await writeLocal(join(root, 'local'));
  await mkdir(join(root, 'metadata'), { recursive: true });
  await writeMetadata(join(root, 'metadata'));
}
