/**
 * Tile content as binary glTF: mesh built with glTF-Transform, compressed with
 * EXT_meshopt_compression (which also quantizes: KHR_mesh_quantization), then given
 * EXT_mesh_features (feature ID per vertex) and EXT_structural_metadata (property table).
 * glTF-Transform has no implementation of the two metadata extensions, so they are added to
 * the written GLB's JSON and binary chunks here.
 */
import { Document, Logger, NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS, KHRMaterialsUnlit } from '@gltf-transform/extensions';
import { meshopt } from '@gltf-transform/functions';
import { MeshoptEncoder } from 'meshoptimizer';
import type { TileMesh } from './extrude.ts';
import { encodePropertyTable, schemaJson, type MetadataSchema } from './metadata.ts';

const GLB_MAGIC = 0x46546c67;
const CHUNK_JSON = 0x4e4f534a;
const CHUNK_BIN = 0x004e4942;

const quietLogger = new Logger(Logger.Verbosity.WARN);
let io: NodeIO | undefined;
async function getIo(): Promise<NodeIO> {
  if (!io) {
    await MeshoptEncoder.ready;
    io = new NodeIO().registerExtensions(ALL_EXTENSIONS).registerDependencies({ 'meshopt.encoder': MeshoptEncoder });
  }
  return io;
}

export interface ContentOptions {
  /** Base colour of the material, linear RGBA 0–1. Default: a light warm grey. */
  baseColor?: [number, number, number, number];
  /** Compress with EXT_meshopt_compression (default true); false writes plain float32 attributes. */
  compress?: boolean;
  /** Unlit (KHR_materials_unlit) and double-sided: lines drawn in their exact colours, seen from either side. */
  unlit?: boolean;
  /** Double-sided material (city-model surfaces whose orientation the input does not guarantee). */
  doubleSided?: boolean;
  /**
   * A second feature ID set (the mesh's `surfaceIds`, `_FEATURE_ID_1`) and the property table its
   * values index: city models' semantic surfaces.
   */
  secondaryTable?: SecondaryTable;
}

export interface SecondaryTable {
  schema: MetadataSchema;
  rows: ReadonlyArray<Record<string, unknown>>;
  /** The feature ID set's label ("surface"). */
  label: string;
}

function srgbToLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** The glTF-Transform document of one tile: the mesh in a local frame, its node carrying the frame to ECEF. */
export function contentDocument(mesh: TileMesh, nodeMatrix: number[], options: Pick<ContentOptions, 'baseColor' | 'unlit' | 'doubleSided'> = {}): Document {
  const document = new Document();
  document.setLogger(quietLogger);
  const buffer = document.createBuffer();
  const accessor = (type: 'VEC3' | 'SCALAR', array: Float32Array | Uint16Array | Uint32Array) => document.createAccessor().setType(type).setArray(array).setBuffer(buffer);
  const material = document
    .createMaterial('building')
    .setBaseColorFactor(options.baseColor ?? [0.82, 0.8, 0.76, 1])
    .setRoughnessFactor(0.9)
    .setMetallicFactor(0);
  if (options.doubleSided) material.setDoubleSided(true);
  if (options.unlit) material.setDoubleSided(true).setExtension('KHR_materials_unlit', document.createExtension(KHRMaterialsUnlit).createUnlit());
  const primitive = document
    .createPrimitive()
    .setAttribute('POSITION', accessor('VEC3', mesh.positions))
    .setAttribute('NORMAL', accessor('VEC3', mesh.normals))
    .setAttribute('_FEATURE_ID_0', accessor('SCALAR', mesh.featureIds))
    .setIndices(accessor('SCALAR', mesh.indices))
    .setMaterial(material);
  if (mesh.surfaceIds) primitive.setAttribute('_FEATURE_ID_1', accessor('SCALAR', mesh.surfaceIds));
  if (mesh.colours) {
    // glTF vertex colours are linear; ours are sRGB bytes, so convert (normalized unsigned bytes).
    const linear = new Uint8Array(mesh.colours.length);
    for (let i = 0; i < linear.length; i++) linear[i] = i % 4 === 3 ? mesh.colours[i]! : Math.round(srgbToLinear(mesh.colours[i]! / 255) * 255);
    primitive.setAttribute('COLOR_0', document.createAccessor().setType('VEC4').setArray(linear).setNormalized(true).setBuffer(buffer));
  }
  const node = document.createNode('tile').setMesh(document.createMesh('buildings').addPrimitive(primitive)).setMatrix(nodeMatrix as never);
  document.createScene().addChild(node);
  return document;
}

/** Build a GLB for one tile: mesh in a local frame (node matrix to ECEF) with metadata rows. */
export async function buildContentGlb(
  mesh: TileMesh,
  nodeMatrix: number[],
  schema: MetadataSchema,
  rows: ReadonlyArray<Record<string, unknown>>,
  options: ContentOptions = {},
): Promise<Uint8Array> {
  const document = contentDocument(mesh, nodeMatrix, options);
  // 16-bit positions: 3 cm steps across a 2 km tile (14 bits would be 12 cm).
  if (options.compress !== false) await document.transform(meshopt({ encoder: MeshoptEncoder, level: 'high', quantizePosition: 16 }));
  const glb = await (await getIo()).writeBinary(document);
  return addMetadata(glb, schema, rows, options.secondaryTable);
}

interface GltfJson {
  buffers?: { byteLength: number; uri?: string; extensions?: Record<string, unknown> }[];
  bufferViews?: { buffer: number; byteOffset?: number; byteLength: number }[];
  meshes?: { primitives: { attributes?: Record<string, number>; extensions?: Record<string, unknown> }[] }[];
  nodes?: { extensions?: Record<string, { attributes?: Record<string, number> } & Record<string, unknown>> }[];
  extensionsUsed?: string[];
  extensions?: Record<string, unknown>;
}

/** Split a GLB into its JSON and (optional) BIN chunk. */
export function readGlb(glb: Uint8Array): { json: GltfJson; bin: Uint8Array } {
  const view = new DataView(glb.buffer, glb.byteOffset, glb.byteLength);
  if (view.getUint32(0, true) !== GLB_MAGIC) throw new Error('not a GLB');
  const jsonLength = view.getUint32(12, true);
  if (view.getUint32(16, true) !== CHUNK_JSON) throw new Error('GLB has no JSON chunk');
  const json = JSON.parse(new TextDecoder().decode(glb.subarray(20, 20 + jsonLength))) as GltfJson;
  let bin: Uint8Array = new Uint8Array(0);
  const binStart = 20 + jsonLength;
  if (binStart + 8 <= glb.byteLength && view.getUint32(binStart + 4, true) === CHUNK_BIN) {
    bin = glb.subarray(binStart + 8, binStart + 8 + view.getUint32(binStart, true));
  }
  return { json, bin };
}

/** Assemble a GLB from JSON and a BIN chunk, padding both to 4 bytes as the spec requires. */
export function writeGlb(json: unknown, bin: Uint8Array): Uint8Array {
  const jsonBytes = new TextEncoder().encode(JSON.stringify(json));
  const jsonPadded = (jsonBytes.length + 3) & ~3;
  const binPadded = (bin.length + 3) & ~3;
  const total = 12 + 8 + jsonPadded + (bin.length ? 8 + binPadded : 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, GLB_MAGIC, true);
  view.setUint32(4, 2, true);
  view.setUint32(8, total, true);
  view.setUint32(12, jsonPadded, true);
  view.setUint32(16, CHUNK_JSON, true);
  out.set(jsonBytes, 20);
  out.fill(0x20, 20 + jsonBytes.length, 20 + jsonPadded);
  if (bin.length) {
    const binStart = 20 + jsonPadded;
    view.setUint32(binStart, binPadded, true);
    view.setUint32(binStart + 4, CHUNK_BIN, true);
    out.set(bin, binStart + 8);
  }
  return out;
}

/**
 * Append EXT_structural_metadata (one property table, and a second one when given: city models'
 * semantic surfaces), EXT_mesh_features to every primitive with per-vertex feature IDs, and
 * EXT_instance_features to every instancing node with per-instance ones.
 */
export function addMetadata(glb: Uint8Array, schema: MetadataSchema, rows: ReadonlyArray<Record<string, unknown>>, secondary?: SecondaryTable): Uint8Array {
  const { json, bin } = readGlb(glb);
  const buffers = json.buffers ?? (json.buffers = []);
  // The GLB-stored buffer is the one without a uri that is not meshopt's fallback buffer.
  let binIndex = buffers.findIndex((b) => b.uri === undefined && !b.extensions?.['EXT_meshopt_compression']);
  if (binIndex < 0) {
    buffers.push({ byteLength: 0 });
    binIndex = buffers.length - 1;
  }
  const bufferViews = json.bufferViews ?? (json.bufferViews = []);
  const tables = [{ schema, encoded: encodePropertyTable(schema, rows), firstView: bufferViews.length }];
  if (secondary) {
    const first = tables[0]!;
    tables.push({ schema: secondary.schema, encoded: encodePropertyTable(secondary.schema, secondary.rows), firstView: first.firstView + first.encoded.bufferViews.length });
  }
  const encoded = { bufferViews: tables.flatMap((t) => t.encoded.bufferViews) };
  let length = bin.length;
  const placements: number[] = [];
  for (const view of encoded.bufferViews) {
    length = (length + 7) & ~7; // 8-byte alignment for FLOAT64 and offsets
    placements.push(length);
    length += view.length;
  }
  const newBin = new Uint8Array((length + 7) & ~7);
  newBin.set(bin, 0);
  encoded.bufferViews.forEach((view, i) => {
    newBin.set(view, placements[i]!);
    bufferViews.push({ buffer: binIndex, byteOffset: placements[i]!, byteLength: view.length });
  });
  buffers[binIndex]!.byteLength = newBin.length;
  const propertyTables = tables.map(({ schema: tableSchema, encoded: table, firstView }) => {
    const tableProperties: Record<string, Record<string, unknown>> = {};
    for (const [id, property] of Object.entries(table.table.properties)) {
      const shifted: Record<string, unknown> = { ...property };
      for (const key of ['values', 'stringOffsets'] as const) if (typeof property[key] === 'number') shifted[key] = (property[key] as number) + firstView;
      tableProperties[id] = shifted;
    }
    return { name: tableSchema.className, class: table.table.class, count: table.table.count, properties: tableProperties };
  });
  const schemaObject = schemaJson(schema) as { classes: Record<string, unknown> };
  if (secondary) Object.assign(schemaObject.classes, (schemaJson(secondary.schema) as { classes: Record<string, unknown> }).classes);
  json.extensions = {
    ...json.extensions,
    EXT_structural_metadata: { schema: schemaObject, propertyTables },
  };
  const featureIdSets: Record<string, unknown>[] = [{ featureCount: rows.length, attribute: 0, propertyTable: 0, label: 'feature' }];
  if (secondary) featureIdSets.push({ featureCount: secondary.rows.length, attribute: 1, propertyTable: 1, label: secondary.label });
  const featureIds = { featureIds: featureIdSets };
  const used = ['EXT_mesh_features', 'EXT_structural_metadata'];
  for (const mesh of json.meshes ?? []) {
    for (const primitive of mesh.primitives) {
      // An instanced mesh (EXT_mesh_gpu_instancing) carries its feature IDs per instance, not per vertex.
      if (primitive.attributes && primitive.attributes['_FEATURE_ID_0'] === undefined) continue;
      primitive.extensions = { ...primitive.extensions, EXT_mesh_features: featureIds };
    }
  }
  for (const node of json.nodes ?? []) {
    if (node.extensions?.['EXT_mesh_gpu_instancing']?.attributes?.['_FEATURE_ID_0'] === undefined) continue;
    node.extensions['EXT_instance_features'] = featureIds;
    if (!used.includes('EXT_instance_features')) used.push('EXT_instance_features');
  }
  json.extensionsUsed = [...new Set([...(json.extensionsUsed ?? []), ...used])];
  return writeGlb(json, newBin);
}
