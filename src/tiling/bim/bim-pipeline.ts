/**
 * The BIM tile pipeline (issue 18 §2): an IFC file → one feature per IfcProduct with geometry
 * (feature ID = its GlobalId) → quadtree → one GLB per tile (EXT_mesh_features with
 * EXT_structural_metadata, and EXT_mesh_gpu_instancing with EXT_instance_features where the IFC
 * shares a geometry between elements) → tileset.json, written atomically, with a report that
 * accounts for every product. Property and quantity sets go to the BIM store, not into tiles.
 *
 * Memory: web-ifc holds the parsed file; meshes are streamed a chunk of products at a time and
 * spilled to disk (each distinct geometry once), so memory holds one summary per element, not
 * its triangles; tiles are then written one at a time.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import proj4 from 'proj4';
import { Document, Logger, NodeIO, type Accessor, type Material } from '@gltf-transform/core';
import { ALL_EXTENSIONS, EXTMeshGPUInstancing } from '@gltf-transform/extensions';
import { meshopt } from '@gltf-transform/functions';
import { MeshoptEncoder } from 'meshoptimizer';
import { Matrix3, Matrix4, Quaternion, Vector3 } from 'three';
import type { BimElementInput, BimModelInput } from '../../domain/bim.ts';
import { AtomicDirectory } from '../atomic-output.ts';
import { writeTilesetFiles } from '../external-tilesets.ts';
import { addMetadata } from '../glb.ts';
import { LocalFrame } from '../local-frame.ts';
import { SchemaBuilder, type MetadataSchema } from '../metadata.ts';
import { RecordStore } from '../record-store.ts';
import { contentUri, tilesetJson } from '../tileset.ts';
import { buildQuadtree, walkTree, type FeatureSummary } from '../tree.ts';
import { IfcModel, IfcModelError, SPATIAL_CLASSES } from './ifc-model.ts';
import { choosePlacement, PlacementError, webIfcToFrameMatrix, type OriginOption, type Placement } from './placement.ts';
import { checkStep, StepSyntaxError } from './step-check.ts';

/** An IFC input the tiler refuses: the file, the entity (if one is at fault) and the reason. Nothing was written. */
export class BimTilingError extends Error {
  constructor(readonly file: string, readonly entity: string | undefined, readonly reason: string) {
    super(`${file}: ${entity ? `entity ${entity}: ` : ''}${reason}; nothing was written`);
    this.name = 'BimTilingError';
  }
}

/** Loads a model's elements (with their property sets) into the BIM store, all or nothing. */
export type BimLoader = (model: BimModelInput, elements: Iterable<BimElementInput>) => Promise<number>;

export interface BimTilingOptions {
  sourceName: string;
  outputDirectory: string;
  /** The model's ID (store and API). Default: the output directory's name, lower case. */
  modelId?: string;
  /** `--origin`/`--rotation`: overrides the file's georeference. */
  origin?: OriginOption;
  /** The base building (its ID in the building tiles) this model details. */
  building?: string;
  /** Where the tileset is, relative to the tiles root (for the store's model record). */
  tilesetPath?: string;
  maximumFeaturesPerTile?: number;
  /** EXT_meshopt_compression (default true). */
  compress?: boolean;
  /** Products per web-ifc streaming call (default 2,000). */
  chunkSize?: number;
  loadProperties?: BimLoader;
  /** Told which placement was used, and progress. */
  log?: (line: string) => void;
}

export interface BimTilingReport {
  input: string;
  inputBytes: number;
  schema: string;
  modelId: string;
  placement: { source: Placement['source']; description: string; lonDegrees: number; latDegrees: number; heightMetres: number; headingDegrees: number };
  /** Every IfcProduct in the file, by class. */
  products: number;
  productsByClass: Record<string, number>;
  /** Features written (one per product with geometry), by class. */
  elementsWritten: number;
  writtenByClass: Record<string, number>;
  /** Products not written, by reason, then class: together with writtenByClass, every product. */
  notWritten: Record<string, Record<string, number>>;
  storeys: number;
  /** Distinct geometries (web-ifc geometry express IDs) and placed instances of them. */
  geometries: number;
  placedGeometries: number;
  /** Placed geometries drawn through EXT_mesh_gpu_instancing rather than baked into a tile's mesh. */
  gpuInstances: number;
  tiles: number;
  bytes: number;
  tilesetFiles: number;
  rootTilesetBytes: number;
  /** Property and quantity sets over all features (a set shared by many elements counts once each) … */
  propertySets: number;
  /** … and distinct sets (by GlobalId). */
  distinctPropertySets: number;
  elementsLoaded?: number;
  seconds: number;
}

const GENERATOR = 'cim-twin BIM (IFC) tiler';
/** Tiles hold fewer features than building tiles: an element is many more triangles than a footprint. */
export const DEFAULT_BIM_FEATURES_PER_TILE = 400;
/** Properties every tile's table declares, in this order (storeyId: the storey's GlobalId, as names may repeat). */
export const BIM_TILE_PROPERTIES = ['id', 'ifcClass', 'name', 'storey', 'storeyId', 'material', 'expressId', 'objectType', 'tag', 'model'] as const;

const ecefToLonLat = proj4('+proj=geocent +datum=WGS84 +units=m +no_defs', '+proj=longlat +datum=WGS84 +no_defs');

function count(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

function notWritten(report: BimTilingReport, reason: string, ifcClass: string): void {
  count((report.notWritten[reason] ??= {}), ifcClass);
}

/** Multiply column-major 4×4 matrices: a · b. */
function multiply(a: readonly number[], b: ArrayLike<number>): number[] {
  const out = new Array<number>(16);
  for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) {
    let sum = 0;
    for (let k = 0; k < 4; k++) sum += a[k * 4 + r]! * b[c * 4 + k]!;
    out[c * 4 + r] = sum;
  }
  return out;
}

/** Packed geometry: [vertexCount, indexCount, minX, minY, minZ, maxX, maxY, maxZ, …vertices (x y z nx ny nz), …indices]. */
const GEOMETRY_HEADER = 8;
/** Per placed geometry in an element record: geometry handle, r, g, b, a, then a 4×4 matrix. */
const INSTANCE_STRIDE = 21;

export async function tileIfc(options: BimTilingOptions): Promise<BimTilingReport> {
  const started = performance.now();
  const source = options.sourceName;
  const fail = (entity: string | undefined, reason: string) => new BimTilingError(source, entity, reason);
  const bytes = await readFile(source).catch((error: Error) => {
    throw fail(undefined, `cannot read it (${error.message})`);
  });
  let step;
  try {
    step = checkStep(bytes);
  } catch (error) {
    if (error instanceof StepSyntaxError) throw fail(error.entity, error.reason);
    throw error;
  }
  let model: IfcModel;
  try {
    model = await IfcModel.open(bytes, step.schema);
  } catch (error) {
    if (error instanceof IfcModelError) throw fail(error.entity, error.reason);
    throw error;
  }
  const modelId = options.modelId ?? basename(options.outputDirectory).toLowerCase();
  const output = new AtomicDirectory(options.outputDirectory);
  let geometries: RecordStore | undefined;
  let elements: RecordStore | undefined;
  try {
    let placement: Placement;
    try {
      placement = choosePlacement(model.georeference(), options.origin);
    } catch (error) {
      if (error instanceof PlacementError || error instanceof IfcModelError) throw fail((error as IfcModelError).entity, (error as Error).message);
      throw error;
    }
    options.log?.(`placement: ${placement.description}`);
    const report: BimTilingReport = {
      input: source,
      inputBytes: (await stat(source)).size,
      schema: model.schema,
      modelId,
      placement: { source: placement.source, description: placement.description, lonDegrees: placement.lonDegrees, latDegrees: placement.latDegrees, heightMetres: placement.heightMetres, headingDegrees: placement.headingDegrees },
      products: 0,
      productsByClass: {},
      elementsWritten: 0,
      writtenByClass: {},
      notWritten: {},
      storeys: 0,
      geometries: 0,
      placedGeometries: 0,
      gpuInstances: 0,
      tiles: 0,
      bytes: 0,
      tilesetFiles: 0,
      rootTilesetBytes: 0,
      propertySets: 0,
      distinctPropertySets: 0,
      seconds: 0,
    };
    await output.open();
    geometries = new RecordStore(`${output.temporaryPath}.geometries`);
    elements = new RecordStore(`${output.temporaryPath}.elements`);
    const frame = new LocalFrame(placement.lonDegrees, placement.latDegrees);
    const toFrame = webIfcToFrameMatrix(placement);

    // 1. Which products become features.
    const candidates: number[] = [];
    /** Products stored (for their property sets) without being features: all but openings. */
    const storedOnly: number[] = [];
    for (const id of model.products()) {
      const ifcClass = model.className(id);
      report.products++;
      count(report.productsByClass, ifcClass);
      if (model.isOpening(id)) notWritten(report, 'opening (a void cut from its host element)', ifcClass);
      else if (!model.hasRepresentation(id)) {
        storedOnly.push(id);
        if (SPATIAL_CLASSES.has(ifcClass)) notWritten(report, 'spatial structure without geometry of its own', ifcClass);
        else if (model.isAggregate(id)) notWritten(report, 'aggregate: its parts are the features', ifcClass);
        else notWritten(report, 'no representation', ifcClass);
      } else candidates.push(id);
    }
    if (candidates.length === 0) throw fail(undefined, `has ${report.products} IfcProduct${report.products === 1 ? '' : 's'} and none with geometry (a representation) to tile`);

    // 2. Stream meshes a chunk at a time; spill each distinct geometry and each element to disk.
    const geometryHandles = new Map<number, number>();
    const geometryBounds: number[][] = [];
    const summaries: FeatureSummary[] = [];
    const schemaBuilder = new SchemaBuilder([...BIM_TILE_PROPERTIES], { expressId: 'INT32' });
    const seenIds = new Set<string>();
    const chunkSize = options.chunkSize ?? 2000;
    const corner = new Vector3();
    const matrix4 = new Matrix4();
    for (let start = 0; start < candidates.length; start += chunkSize) {
      const chunk = candidates.slice(start, start + chunkSize);
      const meshed = new Set<number>();
      let problem: BimTilingError | undefined;
      try {
        model.streamMeshes(chunk, (mesh) => {
          if (problem) return;
          const id = mesh.expressID;
          meshed.add(id);
          const info = model.product(id);
          const placed = mesh.geometries;
          const instances: number[] = [];
          const box = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
          for (let i = 0; i < placed.size(); i++) {
            const pg = placed.get(i);
            let handle = geometryHandles.get(pg.geometryExpressID);
            if (handle === undefined) {
              const { vertices, indices } = model.geometry(pg.geometryExpressID);
              if (indices.length === 0 || vertices.length === 0) continue;
              const vertexCount = vertices.length / 6;
              const packed = new Float64Array(GEOMETRY_HEADER + vertices.length + indices.length);
              const b = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
              for (let v = 0; v < vertexCount; v++) {
                for (let k = 0; k < 3; k++) {
                  const value = vertices[v * 6 + k]!;
                  if (value < b[k]!) b[k] = value;
                  if (value > b[k + 3]!) b[k + 3] = value;
                }
              }
              packed[0] = vertexCount;
              packed[1] = indices.length;
              packed.set(b, 2);
              packed.set(vertices, GEOMETRY_HEADER);
              packed.set(indices, GEOMETRY_HEADER + vertices.length);
              handle = geometries!.add(packed, '');
              geometryHandles.set(pg.geometryExpressID, handle);
              geometryBounds.push(b);
            }
            const m = multiply(toFrame, pg.flatTransformation);
            const b = geometryBounds[handle]!;
            matrix4.fromArray(m);
            for (let c = 0; c < 8; c++) {
              corner.set(c & 1 ? b[3]! : b[0]!, c & 2 ? b[4]! : b[1]!, c & 4 ? b[5]! : b[2]!).applyMatrix4(matrix4);
              box[0] = Math.min(box[0]!, corner.x);
              box[1] = Math.min(box[1]!, corner.y);
              box[2] = Math.min(box[2]!, corner.z);
              box[3] = Math.max(box[3]!, corner.x);
              box[4] = Math.max(box[4]!, corner.y);
              box[5] = Math.max(box[5]!, corner.z);
            }
            instances.push(handle, pg.color.x, pg.color.y, pg.color.z, pg.color.w, ...m);
          }
          if (instances.length === 0) {
            notWritten(report, 'representation gave no triangles', info.ifcClass);
            storedOnly.push(id);
            return;
          }
          if (!info.globalId) {
            problem = fail(`#${id} (${info.ifcClass})`, 'has no GlobalId');
            return;
          }
          if (seenIds.has(info.globalId)) {
            problem = fail(`#${id} (${info.ifcClass})`, `repeats GlobalId ${info.globalId} of an earlier product`);
            return;
          }
          seenIds.add(info.globalId);
          report.placedGeometries += instances.length / INSTANCE_STRIDE;
          const row = { id: info.globalId, ifcClass: info.ifcClass, name: info.name, storey: info.storey, storeyId: info.storeyGlobalId, material: info.material, expressId: id, objectType: info.objectType, tag: info.tag, model: modelId };
          schemaBuilder.observe(row);
          elements!.add(Float64Array.from(instances), JSON.stringify(row));
          summaries.push(summarise(frame, box));
          report.elementsWritten++;
          count(report.writtenByClass, info.ifcClass);
        });
      } catch (error) {
        throw fail(undefined, `web-ifc failed while triangulating products #${chunk[0]}…#${chunk[chunk.length - 1]} (${(error as Error)?.message ?? String(error)})`);
      }
      if (problem) throw problem;
      for (const id of chunk) {
        if (meshed.has(id)) continue;
        notWritten(report, 'representation gave no triangles', model.className(id));
        storedOnly.push(id);
      }
      options.log?.(`read ${Math.min(start + chunkSize, candidates.length)} of ${candidates.length} products with a representation`);
    }
    geometries.flush();
    elements.flush();
    seenIds.clear();
    if (report.elementsWritten === 0) throw fail(undefined, `has ${report.products} IfcProducts and none whose representation gives triangles (no geometry to tile)`);
    report.geometries = geometryHandles.size;
    geometryHandles.clear();

    // 3. The tree, then one tile at a time.
    const schema = schemaBuilder.build('cim_twin_bim', 'element', 'elements');
    const root = buildQuadtree(summaries, { maximumFeaturesPerTile: options.maximumFeaturesPerTile ?? DEFAULT_BIM_FEATURES_PER_TILE })!;
    const nodeMatrix = frame.gltfNodeMatrix();
    for (const node of walkTree(root)) {
      if (node.featureIndices.length === 0) continue;
      const records = node.featureIndices.map((i) => elements!.get(i));
      const { glb, gpuInstances } = await tileContent(records.map((r) => r.packed), (handle) => geometries!.get(handle).packed, nodeMatrix, schema, records.map((r) => JSON.parse(r.json) as Record<string, unknown>), options.compress !== false);
      await output.write(contentUri(node), glb);
      report.tiles++;
      report.bytes += glb.byteLength;
      report.gpuInstances += gpuInstances;
    }
    const storeys = model.storeys();
    report.storeys = storeys.length;
    const extras = { bim: { model: modelId, schema: model.schema, elements: report.elementsWritten, ...(options.building ? { building: options.building } : {}) } };
    const written = await writeTilesetFiles(tilesetJson(root, GENERATOR, extras), (path, text) => output.write(path, text), {});
    report.bytes += written.bytes;
    report.tilesetFiles = written.files;
    report.rootTilesetBytes = written.rootBytes;

    // 4. Property sets into the store, read from the still-open model one element at a time.
    const elementStore = elements;
    const propertySetsSeen = { count: 0, distinct: new Set<string>() };
    function* elementInputs(): Generator<BimElementInput> {
      for (let i = 0; i < elementStore.size; i++) {
        const row = JSON.parse(elementStore.get(i).json) as { id: string; expressId: number };
        const info = model.product(row.expressId);
        const propertySets = model.propertySets(row.expressId);
        propertySetsSeen.count += propertySets.length;
        for (const set of propertySets) propertySetsSeen.distinct.add(set.globalId ?? `${set.name}@${row.expressId}`);
        yield { globalId: info.globalId, expressId: info.expressId, ifcClass: info.ifcClass, name: info.name, storey: info.storey, storeyGlobalId: info.storeyGlobalId, material: info.material, objectType: info.objectType, tag: info.tag, propertySets };
      }
      for (const id of storedOnly) {
        const info = model.product(id);
        if (!info.globalId) continue;
        const propertySets = model.propertySets(id);
        yield { globalId: info.globalId, expressId: id, ifcClass: info.ifcClass, name: info.name, storey: info.storey, storeyGlobalId: info.storeyGlobalId, material: info.material, objectType: info.objectType, tag: info.tag, propertySets, inTiles: false };
      }
    }
    if (options.loadProperties) {
      const project = model.ids((await import('web-ifc')).IFCPROJECT)[0];
      const modelInput: BimModelInput = {
        id: modelId,
        name: project === undefined ? modelId : String((model.line(project)['Name'] as { value?: unknown } | null)?.value ?? modelId),
        ...(options.building ? { building: options.building } : {}),
        source: basename(source),
        schema: model.schema,
        ...(options.tilesetPath ? { tileset: options.tilesetPath } : {}),
        placement: report.placement,
        units: model.unitTable(),
        storeys,
      };
      report.elementsLoaded = await options.loadProperties(modelInput, elementInputs());
    } else {
      for (const element of elementInputs()) void element;
    }
    report.propertySets = propertySetsSeen.count;
    report.distinctPropertySets = propertySetsSeen.distinct.size;
    propertySetsSeen.distinct.clear();
    report.seconds = (performance.now() - started) / 1000;
    await output.write('report.json', JSON.stringify(report, null, 2));
    await output.commit();
    return report;
  } finally {
    geometries?.dispose();
    elements?.dispose();
    model.close();
    await output.abandon();
  }
}

/** An element's summary for the quadtree, from its box in the frame's glTF axes (x east, y up, z −north). */
function summarise(frame: LocalFrame, box: number[]): FeatureSummary {
  const toLonLat = (e: number, n: number, u: number) => {
    const x = frame.originEcef[0] + e * frame.east[0] + n * frame.north[0] + u * frame.up[0];
    const y = frame.originEcef[1] + e * frame.east[1] + n * frame.north[1] + u * frame.up[1];
    const z = frame.originEcef[2] + e * frame.east[2] + n * frame.north[2] + u * frame.up[2];
    return ecefToLonLat.forward([x, y, z]) as [number, number, number];
  };
  const [minE, minU, minZ, maxE, maxU, maxZ] = box as [number, number, number, number, number, number];
  const [west, south] = toLonLat(minE, -maxZ, 0);
  const [east, north] = toLonLat(maxE, -minZ, 0);
  return {
    lonDegrees: (west + east) / 2,
    latDegrees: (south + north) / 2,
    westDegrees: west,
    southDegrees: south,
    eastDegrees: east,
    northDegrees: north,
    minimumHeightMetres: minU,
    maximumHeightMetres: maxU,
    sizeMetres: Math.hypot(maxE - minE, maxU - minU, maxZ - minZ),
  };
}

const quietLogger = new Logger(Logger.Verbosity.WARN);
let io: NodeIO | undefined;
async function getIo(): Promise<NodeIO> {
  if (!io) {
    await MeshoptEncoder.ready;
    io = new NodeIO().registerExtensions(ALL_EXTENSIONS).registerDependencies({ 'meshopt.encoder': MeshoptEncoder });
  }
  return io;
}

function srgbToLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** Whether a matrix is translation · rotation · positive scale (what EXT_mesh_gpu_instancing can carry). */
function isTrs(m: readonly number[]): boolean {
  const c = [0, 4, 8].map((o) => [m[o]!, m[o + 1]!, m[o + 2]!]);
  const dot = (a: number[], b: number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
  const len = c.map((v) => Math.sqrt(dot(v, v)));
  if (len.some((l) => l < 1e-9)) return false;
  for (const [i, j] of [[0, 1], [0, 2], [1, 2]] as const) if (Math.abs(dot(c[i]!, c[j]!)) > 1e-6 * len[i]! * len[j]!) return false;
  const det = new Matrix4().fromArray(m as number[]).determinant();
  return det > 0 && m[3] === 0 && m[7] === 0 && m[11] === 0 && m[15] === 1;
}

/** Placed geometries sharing one geometry and colour in a tile, and at least this many, are GPU-instanced. */
const MINIMUM_INSTANCES = 2;

interface Placed {
  featureId: number;
  geometry: number;
  rgba: [number, number, number, number];
  matrix: number[];
}

/** One tile: baked meshes (opaque, translucent) with per-vertex feature IDs, and instanced meshes with per-instance ones. */
async function tileContent(elementRecords: Float64Array[], geometryOf: (handle: number) => Float64Array, nodeMatrix: number[], schema: MetadataSchema, rows: Record<string, unknown>[], compress: boolean): Promise<{ glb: Uint8Array; gpuInstances: number }> {
  const groups = new Map<string, Placed[]>();
  elementRecords.forEach((packed, featureId) => {
    for (let o = 0; o < packed.length; o += INSTANCE_STRIDE) {
      const placed: Placed = { featureId, geometry: packed[o]!, rgba: [packed[o + 1]!, packed[o + 2]!, packed[o + 3]!, packed[o + 4]!], matrix: Array.from(packed.subarray(o + 5, o + 21)) };
      const key = `${placed.geometry}|${placed.rgba.map((v) => v.toFixed(3)).join(',')}`;
      const list = groups.get(key);
      if (list) list.push(placed);
      else groups.set(key, [placed]);
    }
  });
  const cache = new Map<number, Float64Array>();
  const geometry = (handle: number) => {
    let g = cache.get(handle);
    if (!g) cache.set(handle, (g = geometryOf(handle)));
    return g;
  };

  const document = new Document();
  document.setLogger(quietLogger);
  const buffer = document.createBuffer();
  const accessor = (type: 'VEC3' | 'VEC4' | 'SCALAR', array: Float32Array | Uint16Array | Uint32Array | Uint8Array, normalized = false) =>
    document.createAccessor().setType(type).setArray(array).setNormalized(normalized).setBuffer(buffer);
  const materials = new Map<string, Material>();
  const material = (rgba: [number, number, number, number] | undefined, vertexColours: boolean, translucent: boolean) => {
    const key = vertexColours ? `vertex-${translucent}` : rgba!.map((v) => v.toFixed(3)).join(',');
    let m = materials.get(key);
    if (!m) {
      m = document.createMaterial(key).setRoughnessFactor(0.9).setMetallicFactor(0);
      m.setBaseColorFactor(vertexColours ? [1, 1, 1, 1] : [srgbToLinear(rgba![0]), srgbToLinear(rgba![1]), srgbToLinear(rgba![2]), rgba![3]]);
      if (translucent) m.setAlphaMode('BLEND').setDoubleSided(true);
      materials.set(key, m);
    }
    return m;
  };
  const root = document.createNode('tile').setMatrix(nodeMatrix as never);
  document.createScene().addChild(root);
  const instancing = document.createExtension(EXTMeshGPUInstancing).setRequired(true);
  // The baked mesh first: readers that look at the first mesh find the per-vertex feature IDs.
  const bakedMesh = document.createMesh('elements');

  const baked = { opaque: [] as Placed[], translucent: [] as Placed[] };
  let gpuInstances = 0;
  const meshes = new Map<number, { positions: Accessor; normals: Accessor; indices: Accessor }>();
  for (const list of groups.values()) {
    const first = list[0]!;
    if (list.length >= MINIMUM_INSTANCES && list.every((p) => isTrs(p.matrix))) {
      let shared = meshes.get(first.geometry);
      if (!shared) {
        const g = geometry(first.geometry);
        const vertexCount = g[0]!;
        const positions = new Float32Array(vertexCount * 3);
        const normals = new Float32Array(vertexCount * 3);
        for (let v = 0; v < vertexCount; v++) {
          for (let k = 0; k < 3; k++) {
            positions[v * 3 + k] = g[GEOMETRY_HEADER + v * 6 + k]!;
            normals[v * 3 + k] = g[GEOMETRY_HEADER + v * 6 + 3 + k]!;
          }
        }
        const indices = Uint32Array.from(g.subarray(GEOMETRY_HEADER + vertexCount * 6));
        shared = { positions: accessor('VEC3', positions), normals: accessor('VEC3', normals), indices: accessor('SCALAR', vertexCount < 65536 ? Uint16Array.from(indices) : indices) };
        meshes.set(first.geometry, shared);
      }
      const primitive = document.createPrimitive().setAttribute('POSITION', shared.positions).setAttribute('NORMAL', shared.normals).setIndices(shared.indices).setMaterial(material(first.rgba, false, first.rgba[3] < 1));
      const mesh = document.createMesh(`geometry-${first.geometry}`).addPrimitive(primitive);
      const translation = new Float32Array(list.length * 3);
      const rotation = new Float32Array(list.length * 4);
      const scale = new Float32Array(list.length * 3);
      const featureIds = new Float32Array(list.length);
      const t = new Vector3();
      const q = new Quaternion();
      const s = new Vector3();
      list.forEach((p, i) => {
        new Matrix4().fromArray(p.matrix).decompose(t, q, s);
        translation.set([t.x, t.y, t.z], i * 3);
        rotation.set([q.x, q.y, q.z, q.w], i * 4);
        scale.set([s.x, s.y, s.z], i * 3);
        featureIds[i] = p.featureId;
      });
      const instanced = instancing
        .createInstancedMesh()
        .setAttribute('TRANSLATION', accessor('VEC3', translation))
        .setAttribute('ROTATION', accessor('VEC4', rotation))
        .setAttribute('SCALE', accessor('VEC3', scale))
        .setAttribute('_FEATURE_ID_0', accessor('SCALAR', featureIds));
      root.addChild(document.createNode(`instances-${first.geometry}`).setMesh(mesh).setExtension('EXT_mesh_gpu_instancing', instanced));
      gpuInstances += list.length;
    } else {
      for (const p of list) (p.rgba[3] < 1 ? baked.translucent : baked.opaque).push(p);
    }
  }
  if (gpuInstances === 0) instancing.dispose();

  for (const [translucent, list] of [[false, baked.opaque], [true, baked.translucent]] as const) {
    if (list.length === 0) continue;
    let vertexTotal = 0;
    let indexTotal = 0;
    for (const p of list) {
      const g = geometry(p.geometry);
      vertexTotal += g[0]!;
      indexTotal += g[1]!;
    }
    const positions = new Float32Array(vertexTotal * 3);
    const normals = new Float32Array(vertexTotal * 3);
    const colours = new Uint8Array(vertexTotal * 4);
    const featureIds = new Uint16Array(vertexTotal);
    const indices = vertexTotal < 65536 ? new Uint16Array(indexTotal) : new Uint32Array(indexTotal);
    let vertexAt = 0;
    let indexAt = 0;
    const m4 = new Matrix4();
    const normalMatrix = new Matrix3();
    const v = new Vector3();
    for (const p of list) {
      const g = geometry(p.geometry);
      const vertexCount = g[0]!;
      const indexCount = g[1]!;
      m4.fromArray(p.matrix);
      normalMatrix.getNormalMatrix(m4);
      const colour = [srgbToLinear(p.rgba[0]), srgbToLinear(p.rgba[1]), srgbToLinear(p.rgba[2])].map((c) => Math.round(c * 255));
      const alpha = Math.round(p.rgba[3] * 255);
      for (let i = 0; i < vertexCount; i++) {
        const o = GEOMETRY_HEADER + i * 6;
        v.set(g[o]!, g[o + 1]!, g[o + 2]!).applyMatrix4(m4);
        positions.set([v.x, v.y, v.z], (vertexAt + i) * 3);
        v.set(g[o + 3]!, g[o + 4]!, g[o + 5]!).applyMatrix3(normalMatrix).normalize();
        normals.set([v.x, v.y, v.z], (vertexAt + i) * 3);
        colours.set([colour[0]!, colour[1]!, colour[2]!, alpha], (vertexAt + i) * 4);
        featureIds[vertexAt + i] = p.featureId;
      }
      const indexStart = GEOMETRY_HEADER + vertexCount * 6;
      const flip = m4.determinant() < 0;
      for (let i = 0; i < indexCount; i += 3) {
        const a = g[indexStart + i]!;
        const b = g[indexStart + i + 1]!;
        const c = g[indexStart + i + 2]!;
        indices[indexAt + i] = vertexAt + a;
        indices[indexAt + i + 1] = vertexAt + (flip ? c : b);
        indices[indexAt + i + 2] = vertexAt + (flip ? b : c);
      }
      vertexAt += vertexCount;
      indexAt += indexCount;
    }
    bakedMesh.addPrimitive(
      document
        .createPrimitive()
        .setAttribute('POSITION', accessor('VEC3', positions))
        .setAttribute('NORMAL', accessor('VEC3', normals))
        .setAttribute('COLOR_0', accessor('VEC4', colours, true))
        .setAttribute('_FEATURE_ID_0', accessor('SCALAR', featureIds))
        .setIndices(accessor('SCALAR', indices))
        .setMaterial(material(undefined, true, translucent)),
    );
  }
  if (bakedMesh.listPrimitives().length > 0) root.addChild(document.createNode('elements').setMesh(bakedMesh));
  else bakedMesh.dispose();
  if (compress) await document.transform(meshopt({ encoder: MeshoptEncoder, level: 'high', quantizePosition: 16 }));
  const glb = await (await getIo()).writeBinary(document);
  return { glb: addMetadata(glb, schema, rows), gpuInstances };
}
