/**
 * The building tile pipeline: GeoJSON footprints → validated, projected, height-resolved
 * features → quadtree → one GLB per tile (EXT_mesh_features + EXT_structural_metadata,
 * meshopt-compressed) → tileset.json, written atomically, with a report.
 */
import { DEFAULT_BUILDING_HEIGHT_METRES, DEFAULT_STOREY_HEIGHT_METRES } from '../domain/buildings.ts';
import { polygonArea } from '../domain/geometry.ts';
import { AtomicDirectory } from './atomic-output.ts';
import { toLonLat } from './crs.ts';
import { InvalidFeatureError, TilingInputError } from './errors.ts';
import { TileMeshBuilder } from './extrude.ts';
import { footprintPolygons, type FlatRings } from './footprint.ts';
import { buildContentGlb } from './glb.ts';
import { LocalFrame } from './local-frame.ts';
import { SchemaBuilder, type MetadataSchema } from './metadata.ts';
import { contentUri, tilesetJson } from './tileset.ts';
import { buildQuadtree, walkTree, type FeatureSummary, type TreeNode } from './tree.ts';

export interface BuildingTilingOptions {
  /** Name of the input for messages (usually the file path). */
  sourceName: string;
  /** Directory to write tileset.json and content/ into; replaced atomically. */
  outputDirectory: string;
  /** CRS of the input coordinates. Default: the file's declared CRS, else WGS84 (EPSG:4326). */
  crs?: string;
  /** Property holding the height in metres. Default "height". */
  heightProperty?: string;
  /** Property holding the number of floors. Default "floors", then "building:levels". */
  floorsProperty?: string;
  /** Property holding the base height in metres (parts on podiums). Default "min_height". */
  baseHeightProperty?: string;
  /** Property holding the stable ID. Default "id", then the feature's own `id`. */
  idProperty?: string;
  /** Metres per floor when height comes from floors. Default 3.0. */
  storeyHeightMetres?: number;
  /** Height for footprints with neither height nor floors, metres. Default 10. */
  defaultHeightMetres?: number;
  /** Skip and count invalid features instead of failing. Default false. */
  skipInvalid?: boolean;
  /** Upper bound on features per tile. Default 500. */
  maximumFeaturesPerTile?: number;
  /** Write search-index.json (ID, name, address and position of every building) beside the tileset. Default true. */
  searchIndex?: boolean;
  /** EXT_meshopt_compression with quantized attributes (default true); false writes plain float32 glTF. */
  compress?: boolean;
  /** Called as work advances, for progress bars. */
  onProgress?: (phase: 'read' | 'write', done: number, total: number) => void;
}

export interface TilingReport {
  input: string;
  crs: string;
  featuresRead: number;
  buildingsWritten: number;
  /** Features not written, by reason. */
  skipped: Record<string, number>;
  /** First few skipped features, with index and reason. */
  skippedExamples: { featureIndex: number; reason: string }[];
  /** Features whose geometry repeated an earlier one exactly (counted in skipped too). */
  duplicates: number;
  /** Features that shared an ID with an earlier one and were joined to it as extra parts. */
  partsMerged: number;
  heightSources: { property: number; floors: number; default: number };
  tiles: number;
  /** Bytes of tile content and tileset.json. */
  bytes: number;
  /** Bytes of search-index.json (not counted in `bytes`). */
  searchIndexBytes: number;
  seconds: number;
}

interface BuildingRecord {
  id: string;
  parts: { rings: FlatRings; baseHeightMetres: number; topHeightMetres: number }[];
  properties: Record<string, unknown>;
}

const GENERATOR = 'cim-twin building tiler';
export const SEARCH_INDEX_FILE = 'search-index.json';

/** Columns of search-index.json rows. */
export const SEARCH_INDEX_FIELDS = ['id', 'name', 'address', 'lon', 'lat', 'height'] as const;

function textOf(...values: unknown[]): string {
  for (const v of values) if (typeof v === 'string' && v.trim()) return v.trim();
  return '';
}

/** A compact search index: { fields, rows } with one row per building, in tile order independent. */
function searchIndex(records: readonly BuildingRecord[], summaries: readonly FeatureSummary[]): string {
  const rows = records.map((record, i) => {
    const p = record.properties;
    const s = summaries[i]!;
    const street = textOf(p['addr_street'], p['addr:street']);
    const number = textOf(String(p['addr_housenumber'] ?? ''), String(p['addr:housenumber'] ?? ''));
    return [
      record.id,
      textOf(p['name'], p['name:zh'], p['name:en']),
      textOf(p['address'], street ? `${street}${number}` : ''),
      Math.round(s.lonDegrees * 1e7) / 1e7,
      Math.round(s.latDegrees * 1e7) / 1e7,
      Math.round(s.maximumHeightMetres * 10) / 10,
    ];
  });
  return JSON.stringify({ fields: SEARCH_INDEX_FIELDS, rows });
}
const MAXIMUM_SKIPPED_EXAMPLES = 20;

function numberFrom(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') {
    const parsed = Number.parseFloat(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** FNV-1a over the rounded coordinates: identical geometry, identical key. */
function geometryKey(polygons: FlatRings[]): string {
  let hash = 0x811c9dc5;
  let hash2 = 0;
  for (const rings of polygons) {
    for (const ring of rings) {
      for (const v of ring) {
        const q = Math.round(v * 1e7);
        hash = Math.imul(hash ^ (q & 0xffff), 16777619) >>> 0;
        hash = Math.imul(hash ^ (q >>> 16), 16777619) >>> 0;
        hash2 = (hash2 * 31 + q) % 2147483647;
      }
      hash = Math.imul(hash ^ 0xff, 16777619) >>> 0;
    }
  }
  return `${hash.toString(16)}-${hash2.toString(16)}`;
}

function summarise(record: BuildingRecord): FeatureSummary {
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  let minimumHeight = Infinity;
  let maximumHeight = -Infinity;
  let areaSquareMetres = 0;
  for (const part of record.parts) {
    const outer = part.rings[0]!;
    for (let i = 0; i < outer.length; i += 2) {
      west = Math.min(west, outer[i]!);
      east = Math.max(east, outer[i]!);
      south = Math.min(south, outer[i + 1]!);
      north = Math.max(north, outer[i + 1]!);
    }
    minimumHeight = Math.min(minimumHeight, part.baseHeightMetres);
    maximumHeight = Math.max(maximumHeight, part.topHeightMetres);
    const latRadians = (((south + north) / 2) * Math.PI) / 180;
    const sx = 111_320 * Math.cos(latRadians);
    const rings = part.rings.map((ring) => {
      const out: [number, number][] = [];
      for (let i = 0; i < ring.length; i += 2) out.push([ring[i]! * sx, ring[i + 1]! * 110_574]);
      return out;
    });
    areaSquareMetres += polygonArea(rings);
  }
  return {
    lonDegrees: (west + east) / 2,
    latDegrees: (south + north) / 2,
    westDegrees: west,
    southDegrees: south,
    eastDegrees: east,
    northDegrees: north,
    minimumHeightMetres: minimumHeight,
    maximumHeightMetres: maximumHeight,
    sizeMetres: Math.max(maximumHeight - minimumHeight, Math.sqrt(Math.max(areaSquareMetres, 0))),
  };
}

/** Tile building footprints. Throws TilingInputError on the first invalid feature unless skipInvalid. */
export async function tileBuildings(features: AsyncIterable<unknown> | Iterable<unknown>, options: BuildingTilingOptions & { declaredCrs?: () => string | undefined }): Promise<TilingReport> {
  const started = performance.now();
  const source = options.sourceName;
  const heightProperty = options.heightProperty ?? 'height';
  const floorsProperties = options.floorsProperty ? [options.floorsProperty] : ['floors', 'building:levels'];
  const baseHeightProperty = options.baseHeightProperty ?? 'min_height';
  const idProperty = options.idProperty ?? 'id';
  const storeyHeight = options.storeyHeightMetres ?? DEFAULT_STOREY_HEIGHT_METRES;
  const defaultHeight = options.defaultHeightMetres ?? DEFAULT_BUILDING_HEIGHT_METRES;
  const report: TilingReport = {
    input: source,
    crs: options.crs ?? 'EPSG:4326',
    featuresRead: 0,
    buildingsWritten: 0,
    skipped: {},
    skippedExamples: [],
    duplicates: 0,
    partsMerged: 0,
    heightSources: { property: 0, floors: 0, default: 0 },
    tiles: 0,
    bytes: 0,
    searchIndexBytes: 0,
    seconds: 0,
  };
  const skip = (featureIndex: number, category: string, reason: string) => {
    report.skipped[category] = (report.skipped[category] ?? 0) + 1;
    if (report.skippedExamples.length < MAXIMUM_SKIPPED_EXAMPLES) report.skippedExamples.push({ featureIndex, reason });
  };

  let convert: ((x: number, y: number) => [number, number]) | undefined;
  const converter = () => {
    if (!convert) {
      const crs = options.crs ?? options.declaredCrs?.() ?? 'EPSG:4326';
      report.crs = crs;
      try {
        convert = toLonLat(crs);
      } catch (error) {
        throw new TilingInputError(source, undefined, (error as Error).message);
      }
    }
    return convert;
  };
  if (options.crs) converter(); // an unknown --crs fails before any reading

  const records: BuildingRecord[] = [];
  const byId = new Map<string, BuildingRecord>();
  const seenGeometry = new Set<string>();
  let index = -1;
  for await (const raw of features) {
    index++;
    report.featuresRead++;
    options.onProgress?.('read', report.featuresRead, 0);
    const feature = raw as { type?: unknown; id?: unknown; geometry?: unknown; properties?: unknown };
    if (feature === null || typeof feature !== 'object' || feature.type !== 'Feature') {
      const reason = 'is not a GeoJSON Feature';
      if (!options.skipInvalid) throw new TilingInputError(source, index, reason);
      skip(index, 'not a Feature', reason);
      continue;
    }
    const geometryType = (feature.geometry as { type?: unknown } | null)?.type;
    if (geometryType !== 'Polygon' && geometryType !== 'MultiPolygon') {
      // Label points and lines in building files are not errors: they are skipped and counted.
      skip(index, `not a polygon (${String(geometryType ?? 'no geometry')})`, `geometry type ${String(geometryType ?? 'none')} has no footprint`);
      continue;
    }
    const properties = { ...((feature.properties ?? {}) as Record<string, unknown>) };
    let polygons: FlatRings[];
    try {
      polygons = footprintPolygons(feature.geometry, converter());
    } catch (error) {
      if (!(error instanceof InvalidFeatureError)) throw error;
      if (!options.skipInvalid) throw new TilingInputError(source, index, error.reason);
      skip(index, 'invalid geometry', error.reason);
      continue;
    }
    const key = geometryKey(polygons);
    if (seenGeometry.has(key)) {
      report.duplicates++;
      skip(index, 'duplicate geometry', 'repeats the geometry of an earlier feature');
      continue;
    }
    seenGeometry.add(key);

    const explicitHeight = numberFrom(properties[heightProperty]);
    const floorsProperty = floorsProperties.find((p) => numberFrom(properties[p]) !== undefined);
    const floors = floorsProperty ? numberFrom(properties[floorsProperty]) : undefined;
    const baseHeight = Math.max(0, numberFrom(properties[baseHeightProperty]) ?? 0);
    let height: number;
    let heightSource: 'property' | 'floors' | 'default';
    if (explicitHeight !== undefined && explicitHeight > 0) {
      height = explicitHeight;
      heightSource = 'property';
    } else if (floors !== undefined && floors > 0) {
      // A derived height is the part's own height, standing on its base.
      height = baseHeight + floors * storeyHeight;
      heightSource = 'floors';
    } else {
      height = baseHeight + defaultHeight;
      heightSource = 'default';
    }
    if (height <= baseHeight) {
      const reason = `height ${height} m is not above its base height ${baseHeight} m`;
      if (!options.skipInvalid) throw new TilingInputError(source, index, reason);
      skip(index, 'invalid height', reason);
      continue;
    }
    const rawId = properties[idProperty] ?? feature.id;
    const id = rawId === undefined || rawId === null || rawId === '' ? `B${key}` : String(rawId);
    const parts = polygons.map((rings) => ({ rings, baseHeightMetres: baseHeight, topHeightMetres: height }));
    const existing = byId.get(id);
    if (existing) {
      existing.parts.push(...parts);
      report.partsMerged++;
      continue;
    }
    report.heightSources[heightSource]++;
    properties.id = id;
    properties[heightProperty] = height;
    if (heightSource !== 'property') properties.heightSource = heightSource;
    const record: BuildingRecord = { id, parts, properties };
    byId.set(id, record);
    records.push(record);
  }
  byId.clear();
  seenGeometry.clear();
  if (records.length === 0) throw new TilingInputError(source, undefined, 'contains no building footprints to tile');

  const schemaBuilder = new SchemaBuilder(['id', 'name']);
  for (const record of records) schemaBuilder.observe(record.properties);
  const schema = schemaBuilder.build('cim_twin_buildings', 'building', 'buildings');
  const summaries = records.map(summarise);
  const root = buildQuadtree(summaries, { maximumFeaturesPerTile: options.maximumFeaturesPerTile })!;

  const output = new AtomicDirectory(options.outputDirectory);
  await output.open();
  try {
    const nodes = [...walkTree(root)].filter((node) => node.featureIndices.length > 0);
    let done = 0;
    for (const node of nodes) {
      const glb = await buildTileContent(node, records, summaries, schema, options.compress !== false);
      await output.write(contentUri(node), glb);
      report.tiles++;
      report.bytes += glb.byteLength;
      report.buildingsWritten += node.featureIndices.length;
      options.onProgress?.('write', ++done, nodes.length);
    }
    if (options.searchIndex !== false) {
      const index = searchIndex(records, summaries);
      await output.write(SEARCH_INDEX_FILE, index);
      report.searchIndexBytes = Buffer.byteLength(index);
    }
    const tileset = JSON.stringify(tilesetJson(root, GENERATOR, { buildings: report.buildingsWritten }));
    await output.write('tileset.json', tileset);
    report.bytes += Buffer.byteLength(tileset);
    report.seconds = (performance.now() - started) / 1000;
    await output.write('report.json', JSON.stringify(report, null, 2));
    await output.commit();
  } finally {
    await output.abandon();
  }
  return report;
}

async function buildTileContent(node: TreeNode, records: readonly BuildingRecord[], summaries: readonly FeatureSummary[], schema: MetadataSchema, compress: boolean): Promise<Uint8Array> {
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  for (const i of node.featureIndices) {
    const s = summaries[i]!;
    west = Math.min(west, s.westDegrees);
    south = Math.min(south, s.southDegrees);
    east = Math.max(east, s.eastDegrees);
    north = Math.max(north, s.northDegrees);
  }
  const frame = new LocalFrame((west + east) / 2, (south + north) / 2);
  const builder = new TileMeshBuilder(frame);
  const rows: Record<string, unknown>[] = [];
  node.featureIndices.forEach((recordIndex, featureId) => {
    const record = records[recordIndex]!;
    for (const part of record.parts) builder.addExtrusion(part.rings, part.baseHeightMetres, part.topHeightMetres, featureId);
    rows.push(record.properties);
  });
  return buildContentGlb(builder.finish(), frame.gltfNodeMatrix(), schema, rows, { compress });
}
