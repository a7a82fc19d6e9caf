/**
 * The building tile pipeline: GeoJSON footprints → validated, projected, height-resolved
 * features → quadtree → one GLB per tile (EXT_mesh_features + EXT_structural_metadata,
 * meshopt-compressed) → tileset.json, written atomically, with a report.
 */
import { DEFAULT_BUILDING_HEIGHT_METRES, DEFAULT_STOREY_HEIGHT_METRES } from '../domain/buildings.ts';
import { polygonArea } from '../domain/geometry.ts';
import { availableParallelism } from 'node:os';
import Piscina from 'piscina';
import { AtomicDirectory } from './atomic-output.ts';
import type { AssetInput } from '../domain/assets.ts';
import { buildingRecordAssets, searchColumns, type AssetLoader, type BuildingRecords, type TiledAssets, type WorkerReadableAssets } from './assets.ts';
import { toLonLat } from './crs.ts';
import { InvalidFeatureError, TilingInputError } from './errors.ts';
import { footprintPolygons, type FlatRings } from './footprint.ts';
import { SchemaBuilder } from './metadata.ts';
import { concatPacked, packParts, unpackParts, type FootprintPart } from './packed-footprint.ts';
import { RecordStore } from './record-store.ts';
import { writeTilesetFiles } from './external-tilesets.ts';
import { buildTileContent, type TileContentJob } from './tile-content.ts';
import { contentUri, tilesetJson } from './tileset.ts';
import { boundsCentre, buildQuadtree, walkTree, type FeatureSummary, type TreeNode } from './tree.ts';

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
  /**
   * Most tiles in one tileset file (default 1,000): a larger tree is split into external tilesets
   * (`tileset-<n>.json` beside `tileset.json`), so the root file stays small at city scale.
   */
  maximumTilesPerTilesetFile?: number;
  /** Write search-index.json (ID, name, address and position of every building) beside the tileset. Default true. */
  searchIndex?: boolean;
  /** EXT_meshopt_compression with quantized attributes (default true); false writes plain float32 glTF. */
  compress?: boolean;
  /** Worker threads for tile encoding. Default: all cores for 20,000+ buildings, else 0 (inline). */
  threads?: number;
  /** Called as work advances, for progress bars. */
  onProgress?: (phase: 'read' | 'write', done: number, total: number) => void;
  /**
   * Load every building into the asset store (`--assets`), while the tiles are written and before
   * they are moved into place: if the load fails, nothing is written and the error is thrown. The
   * buildings it is given, read with `for await` (as the asset stores read them), end only once
   * every tile and tileset file is written, so a store cannot commit the load before the tiles are
   * complete, and a tiling failure ends them with that error (the load is then rolled back).
   */
  loadAssets?: AssetLoader;
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
  /** Bytes of tile content and of the tileset files. */
  bytes: number;
  /** Tileset files: tileset.json and the external tilesets it points to (1 for a small tileset). */
  tilesetFiles: number;
  /** Bytes of the root tileset.json alone: what a viewer reads before it shows anything. */
  rootTilesetBytes: number;
  /** Bytes of search-index.json (not counted in `bytes`). */
  searchIndexBytes: number;
  /** Buildings loaded into the asset store (with `loadAssets`). */
  assetsLoaded?: number;
  seconds: number;
}


/** Worker threads are worth their start-up cost only for large inputs. */
const THREADS_THRESHOLD_BUILDINGS = 20_000;

const GENERATOR = 'cim-twin building tiler';
export const SEARCH_INDEX_FILE = 'search-index.json';

/**
 * Columns of search-index.json rows: what search needs, the styling attributes (null where the
 * input lacks them), so the viewer can count the buildings an attribute filter matches over the
 * whole tileset, not only over the tiles loaded, and the ground footprint in m² (for occupancy).
 */
export const SEARCH_INDEX_FIELDS = ['id', 'name', 'address', 'lon', 'lat', 'height', 'use', 'floors', 'yearBuilt', 'stage', 'footprint'] as const;

/** A compact search index: { fields, rows } with one row per building, in tile order independent. */
export function searchIndex(store: RecordStore, summaries: readonly FeatureSummary[]): string {
  const rows: unknown[][] = [];
  for (let i = 0; i < store.size; i++) {
    const p = JSON.parse(store.get(i).json) as Record<string, unknown>;
    const s = summaries[i]!;
    const { name, address } = searchColumns(p);
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
    const integer = (value: unknown) => {
      const n = numberFrom(value);
      return n === undefined ? null : Math.round(n);
    };
    rows.push([
      String(p.id),
      name,
      address,
      Math.round(s.lonDegrees * 1e7) / 1e7,
      Math.round(s.latDegrees * 1e7) / 1e7,
      Math.round(s.maximumHeightMetres * 10) / 10,
      text(p['use']),
      integer(p['floors']),
      integer(p['yearBuilt']),
      text(p['stage']),
      s.footprintSquareMetres === undefined ? null : Math.round(s.footprintSquareMetres),
    ]);
  }
  return JSON.stringify({ fields: SEARCH_INDEX_FIELDS, rows });
}

/** The buildings as the loaders read them, on this thread or another (see BuildingRecords). */
function buildingRecords(store: RecordStore, summaries: readonly FeatureSummary[]): BuildingRecords {
  const lonDegrees = new Float64Array(store.size);
  const latDegrees = new Float64Array(store.size);
  const footprintSquareMetres = new Float64Array(store.size);
  for (let i = 0; i < store.size; i++) {
    const s = summaries[i]!;
    lonDegrees[i] = s.lonDegrees;
    latDegrees[i] = s.latDegrees;
    footprintSquareMetres[i] = s.footprintSquareMetres ?? Number.NaN;
  }
  return { records: store.file(), lonDegrees, latDegrees, footprintSquareMetres };
}

/** Tile jobs queued per worker thread while a load runs beside the tiling (2 without one). */
const LOADING_JOBS_PER_THREAD = 16;

/** Buildings handed out between two turns of the event loop, so tile jobs keep reaching the workers. */
const ASSETS_PER_TURN = 500;

/**
 * Every building as an asset, read back from the record store's file one at a time, for a load that runs
 * while the tiles are written. Read with `for await`, it gives the event loop a turn every
 * ASSETS_PER_TURN buildings and ends only when `written` settles: after the last tile, or with the
 * tiling's error; unless the loader took that wait on itself (TiledAssets.tilesWritten), then
 * at the last building. Read synchronously (a loader that only takes an Iterable), it is the same
 * buildings without the wait. A loader may instead read them on a thread of its own
 * (WorkerReadableAssets.buildingRecords), as the asset store's loader does.
 */
function buildingAssets(store: RecordStore, summaries: readonly FeatureSummary[], written: Promise<void>): Iterable<AssetInput> & AsyncIterable<AssetInput> & TiledAssets & WorkerReadableAssets {
  let endsWithTiles = true;
  return {
    tilesWritten() {
      endsWithTiles = false;
      return written;
    },
    buildingRecords: () => buildingRecords(store, summaries),
    [Symbol.iterator]: () => buildingRecordAssets(buildingRecords(store, summaries)),
    async *[Symbol.asyncIterator]() {
      let i = 0;
      for (const asset of buildingRecordAssets(buildingRecords(store, summaries))) {
        if (i++ % ASSETS_PER_TURN === ASSETS_PER_TURN - 1) await new Promise((resolve) => setImmediate(resolve));
        yield asset;
      }
      if (endsWithTiles) await written;
    },
  };
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

/** FNV-1a over the rounded coordinates: identical geometry, identical key (a safe integer, cheap to keep a million of). */
function geometryKey(polygons: FlatRings[]): number {
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
  return hash * 2 ** 21 + (hash2 % 2 ** 21);
}

function summarise(parts: readonly FootprintPart[]): FeatureSummary {
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  let minimumHeight = Infinity;
  let maximumHeight = -Infinity;
  let areaSquareMetres = 0;
  let footprintSquareMetres = 0;
  for (const part of parts) {
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
    const partArea = polygonArea(rings);
    areaSquareMetres += partArea;
    // A tower stands on its podium: the ground footprint is the largest part, not their sum.
    footprintSquareMetres = Math.max(footprintSquareMetres, partArea);
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
    footprintSquareMetres,
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
    tilesetFiles: 0,
    rootTilesetBytes: 0,
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

  const output = new AtomicDirectory(options.outputDirectory);
  await output.open();
  // Buildings wait on disk between reading and writing; memory holds only their summaries.
  const store = new RecordStore(`${output.temporaryPath}.records`);
  try {
    const summaries: FeatureSummary[] = [];
    const schemaBuilder = new SchemaBuilder(['id', 'name']);
    const byId = new Map<string, number>();
    const seenGeometry = new Set<number>();
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
      const id = rawId === undefined || rawId === null || rawId === '' ? `B${key.toString(36)}` : String(rawId);
      const parts = polygons.map((rings) => ({ rings, baseHeightMetres: baseHeight, topHeightMetres: height }));
      const existing = byId.get(id);
      if (existing !== undefined) {
        const stored = store.get(existing);
        const packed = concatPacked(stored.packed, packParts(parts));
        store.replace(existing, packed, stored.json);
        summaries[existing] = summarise(unpackParts(packed));
        report.partsMerged++;
        continue;
      }
      report.heightSources[heightSource]++;
      properties.id = id;
      properties[heightProperty] = height;
      if (heightSource !== 'property') properties.heightSource = heightSource;
      schemaBuilder.observe(properties);
      byId.set(id, store.add(packParts(parts), JSON.stringify(properties)));
      summaries.push(summarise(parts));
    }
    byId.clear();
    seenGeometry.clear();
    store.flush();
    if (store.size === 0) throw new TilingInputError(source, undefined, 'contains no building footprints to tile');

    const schema = schemaBuilder.build('cim_twin_buildings', 'building', 'buildings');
    const root = buildQuadtree(summaries, { maximumFeaturesPerTile: options.maximumFeaturesPerTile })!;

    const nodes = [...walkTree(root)].filter((node) => node.featureIndices.length > 0);
    const jobFor = (node: TreeNode): TileContentJob => {
      const records = node.featureIndices.map((i) => store.get(i));
      const centre = boundsCentre(node.featureIndices.map((i) => summaries[i]!));
      return {
        centreLonDegrees: centre.lonDegrees,
        centreLatDegrees: centre.latDegrees,
        buildings: records.map((r) => r.packed),
        rowsJson: records.map((r) => r.json),
        schema,
        compress: options.compress !== false,
      };
    };
    const threads = options.threads ?? (store.size >= THREADS_THRESHOLD_BUILDINGS ? availableParallelism() : 0);
    const pool = threads > 0 ? new Piscina({ filename: new URL('./tile-worker.ts', import.meta.url).href, minThreads: threads, maxThreads: threads }) : undefined;
    let done = 0;
    // The load runs beside the tile writing (the store's work and the workers' share the cores);
    // its input ends when `tilesWritten` settles.
    let tilesWritten!: { resolve: () => void; reject: (error: unknown) => void };
    const written = new Promise<void>((resolve, reject) => (tilesWritten = { resolve, reject }));
    written.catch(() => {});
    let loadFailed = false;
    const load = options.loadAssets;
    const loading = load && (async () => load(buildingAssets(store, summaries, written)))();
    loading?.catch(() => {
      loadFailed = true;
    });
    const writeNode = async (node: TreeNode) => {
      const job = jobFor(node);
      const glb = pool ? ((await pool.run(job)) as Uint8Array) : await buildTileContent(job);
      await output.write(contentUri(node), glb);
      report.tiles++;
      report.bytes += glb.byteLength;
      report.buildingsWritten += node.featureIndices.length;
      options.onProgress?.('write', ++done, nodes.length);
    };
    try {
      try {
        // A bounded window of tiles in flight keeps every thread busy without holding all jobs. A
        // load beside it holds this thread for a batch of rows at a time (tens of milliseconds),
        // so then the workers get enough jobs queued to last through one.
        const window = Math.max(1, threads * (loading ? LOADING_JOBS_PER_THREAD : 2));
        const inFlight = new Set<Promise<void>>();
        for (const node of nodes) {
          if (loadFailed) break; // its error is thrown below
          const task = writeNode(node).finally(() => inFlight.delete(task));
          inFlight.add(task);
          if (inFlight.size >= window) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
      } finally {
        await pool?.destroy();
      }
      if (!loadFailed) {
        if (options.searchIndex !== false) {
          const index = searchIndex(store, summaries);
          await output.write(SEARCH_INDEX_FILE, index);
          report.searchIndexBytes = Buffer.byteLength(index);
        }
        const files = await writeTilesetFiles(tilesetJson(root, GENERATOR, { buildings: report.buildingsWritten }), (path, text) => output.write(path, text), { maximumTilesPerFile: options.maximumTilesPerTilesetFile });
        report.bytes += files.bytes;
        report.tilesetFiles = files.files;
        report.rootTilesetBytes = files.rootBytes;
      }
      tilesWritten.resolve();
    } catch (error) {
      tilesWritten.reject(error);
      await loading?.catch(() => {});
      throw error;
    }
    if (loading) report.assetsLoaded = await loading;
    report.seconds = (performance.now() - started) / 1000;
    await output.write('report.json', JSON.stringify(report, null, 2));
    await output.commit();
  } finally {
    store.dispose();
    await output.abandon();
  }
  return report;
}
