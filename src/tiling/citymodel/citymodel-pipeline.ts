/**
 * The city-model tile pipeline: CityJSON / CityJSONSeq / CityGML city objects → one feature per
 * top-level object (its parts joined to it), at one LoD, every surface with its semantic type →
 * the building tiler's quadtree, GLB writer (EXT_mesh_features + EXT_structural_metadata,
 * meshopt) and tileset files, written atomically, with a report accounting for every object.
 *
 * Identity: a top-level CityObject's ID is its feature's `id` (tiles, search index, asset store,
 * `?select=`); parts (BuildingPart, …) are joined to it and listed in its `parts` property.
 * Heights: the input's z, taken as metres above the WGS84 ellipsoid. For a compound CRS
 * (EPSG:7415 = RD New + NAP height) the horizontal part is projected by the CRS module and the
 * vertical part is kept as given: no geoid model is applied (proj4 has no geoid grids here), so
 * NAP 0 m sits on the ellipsoid, as the building tiler's ground does; the report names the datum.
 */
import { availableParallelism } from 'node:os';
import Piscina from 'piscina';
import { AtomicDirectory } from '../atomic-output.ts';
import { buildingAsset, type AssetLoader } from '../assets.ts';
import { SEARCH_INDEX_FILE, searchIndex } from '../building-pipeline.ts';
import { resolveCrs, toLonLat, type PositionConverter } from '../crs.ts';
import { writeTilesetFiles } from '../external-tilesets.ts';
import { SchemaBuilder } from '../metadata.ts';
import type { FootprintPart } from '../packed-footprint.ts';
import { RecordStore } from '../record-store.ts';
import { contentUri, tilesetJson } from '../tileset.ts';
import { boundsCentre, buildQuadtree, walkTree, type FeatureSummary, type TreeNode } from '../tree.ts';
import { buildCityTileContent, SURFACE_SCHEMA, type CityTileContentJob } from './city-tile-content.ts';
import { CityModelError, lodMatches, lodValue, surfaceCode, SURFACE_TYPES, type CityFeature, type CityModelSource, type CityObjectInput, type CitySurface } from './model.ts';
import { packSurfaces, unpackSurfaces, type PackedSurface } from './packed-surfaces.ts';
import { newellNormal } from './triangulate.ts';
import { LEVEL_SWITCH_ERROR_METRES, levelContentUri, levelsTilesetJson } from './levels.ts';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface CityModelTilingOptions {
  sourceName: string;
  outputDirectory: string;
  /** CRS of the coordinates; default the file's declared one (required if the file declares none). */
  crs?: string;
  /** LoD to tile: "2" takes 2, 2.0, 2.1, 2.2 (the highest of them); "2.2" only 2.2. Default: each object's highest. */
  lod?: string;
  /** Count and skip objects with no geometry at the LoD (or other per-object problems) instead of failing. */
  skipInvalid?: boolean;
  maximumFeaturesPerTile?: number;
  maximumTilesPerTilesetFile?: number;
  searchIndex?: boolean;
  compress?: boolean;
  threads?: number;
  onProgress?: (phase: 'read' | 'write', done: number, total: number) => void;
  loadAssets?: AssetLoader;
  /**
   * Levels by distance, [far, near] (e.g. ["1", "2"]): one tileset in which every tile of the far
   * LoD is refined by REPLACE into a tile of the same objects at the near LoD (see
   * levelsTilesetJson). Each LoD is matched as `lod` is ("2" takes 2, 2.0…2.3, the highest). An
   * object without the near LoD keeps its far geometry in the near tile, one without the far LoD
   * shows its near geometry in the far tile: nothing disappears or doubles when the view refines.
   * Not with `lod`.
   */
  levels?: readonly [string, string];
  /** With `levels`: the geometric error of drawing the far level instead of the near, metres. Default LEVEL_SWITCH_ERROR_METRES. */
  levelSwitchErrorMetres?: number;
}

/** What `levels` did: the two LoDs, the switch, and the objects that lack one of them (by type). */
export interface LevelsReport {
  far: string;
  near: string;
  switchErrorMetres: number;
  /** Objects without the near LoD, whose far geometry stands in the near tiles. */
  nearFromFar: Record<string, number>;
  /** Objects without the far LoD, whose near geometry stands in the far tiles. */
  farFromNear: Record<string, number>;
  farTiles: number;
  nearTiles: number;
}

export interface CityModelReport {
  input: string;
  format: string;
  crs: string;
  /** How heights are placed: the vertical datum kept, and that no geoid model is applied. */
  heightReference: string;
  lod: string;
  /** Every city object read (top-level and parts), by type. */
  objectsRead: Record<string, number>;
  /** Top-level objects written as features, by type. */
  tiled: Record<string, number>;
  /** Parts joined to their top-level object, by type. */
  partsJoined: Record<string, number>;
  /** Top-level objects not written, by "type: reason" (their parts are counted in partsSkipped). */
  skipped: Record<string, number>;
  partsSkipped: number;
  skippedExamples: { id: string; type: string; reason: string }[];
  /** Surfaces written, by semantic type ("" = none). */
  surfaces: Record<string, number>;
  featuresWritten: number;
  tiles: number;
  bytes: number;
  tilesetFiles: number;
  rootTilesetBytes: number;
  searchIndexBytes: number;
  assetsLoaded?: number;
  /** With the `levels` option. featuresWritten then counts each object once (it is written at both levels). */
  levels?: LevelsReport;
  seconds: number;
}

const GENERATOR = 'cim-twin city-model tiler';
const MAXIMUM_SKIPPED_EXAMPLES = 20;
const THREADS_THRESHOLD_FEATURES = 20_000;

const requireFromHere = createRequire(import.meta.url);

/** The vertical datum a CRS names, from the EPSG database: "NAP height" for EPSG:7415. */
function verticalDatum(crs: string): string | undefined {
  const code = /^EPSG:(\d+)$/i.exec(crs)?.[1];
  if (!code) return undefined;
  try {
    const entry = JSON.parse(readFileSync(requireFromHere.resolve(`epsg-index/s/${code}.json`), 'utf8')) as { kind?: string; name?: string };
    if (entry.kind === 'CRS-COMPOUNDCRS' && entry.name?.includes(' + ')) return entry.name.split(' + ').at(-1);
  } catch {
    // not in the database: resolveCrs has already said so
  }
  return undefined;
}

/** A lower-case asset kind from a CityObject type: "PlantCover" → "plant-cover". */
export function assetKind(type: string): string {
  return type.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

const WGS84_A = 6_378_137;
const WGS84_E2 = 0.00669437999014;

interface Footprint {
  parts: FootprintPart[];
  squareMetres: number;
}

/**
 * A city object's footprint (for the asset store, search and the tree): its GroundSurfaces, else
 * its downward-facing surfaces, else its upward-facing ones (a road, a lawn), as lon/lat polygons.
 */
function footprintOf(surfaces: readonly PackedSurface[]): Footprint {
  const ground = surfaces.filter((s) => s.code === surfaceCode('GroundSurface'));
  // Local metres per degree from the WGS84 ellipsoid's radii of curvature at the object's latitude.
  const latitude = ((surfaces[0]?.rings[0]?.[1] ?? 0) * Math.PI) / 180;
  const w = 1 - WGS84_E2 * Math.sin(latitude) ** 2;
  const metresPerDegreeLat = (Math.PI / 180) * ((WGS84_A * (1 - WGS84_E2)) / w ** 1.5);
  const metresPerDegreeLon = (Math.PI / 180) * (WGS84_A / Math.sqrt(w)) * Math.cos(latitude);
  const metric = (ring: Float64Array) => {
    const out = new Float64Array(ring.length);
    for (let i = 0; i < ring.length; i += 3) {
      out[i] = ring[i]! * metresPerDegreeLon;
      out[i + 1] = ring[i + 1]! * metresPerDegreeLat;
      out[i + 2] = ring[i + 2]!;
    }
    return out;
  };
  const facing = (sign: number) =>
    surfaces.filter((s) => {
      const [nx, ny, nz] = newellNormal(metric(s.rings[0]!));
      const length = Math.hypot(nx, ny, nz);
      return length > 0 && (sign * nz) / length > 0.7;
    });
  const chosen = ground.length > 0 ? ground : facing(-1).length > 0 ? facing(-1) : facing(1);
  let squareMetres = 0;
  const parts: FootprintPart[] = chosen.map((s) => {
    const rings = s.rings.map((ring) => {
      const flat = new Float64Array((ring.length / 3) * 2);
      for (let i = 0, k = 0; i < ring.length; i += 3, k += 2) {
        flat[k] = ring[i]!;
        flat[k + 1] = ring[i + 1]!;
      }
      return flat;
    });
    const [, , outerZ] = newellNormal(metric(s.rings[0]!));
    let area = Math.abs(outerZ) / 2;
    for (const hole of s.rings.slice(1)) area -= Math.abs(newellNormal(metric(hole))[2]) / 2;
    squareMetres += Math.max(0, area);
    return { rings, baseHeightMetres: 0, topHeightMetres: 0 };
  });
  return { parts, squareMetres };
}

function summarise(surfaces: readonly PackedSurface[], footprintSquareMetres: number): FeatureSummary {
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  let low = Infinity;
  let high = -Infinity;
  for (const s of surfaces) {
    for (const ring of s.rings) {
      for (let i = 0; i < ring.length; i += 3) {
        west = Math.min(west, ring[i]!);
        east = Math.max(east, ring[i]!);
        south = Math.min(south, ring[i + 1]!);
        north = Math.max(north, ring[i + 1]!);
        low = Math.min(low, ring[i + 2]!);
        high = Math.max(high, ring[i + 2]!);
      }
    }
  }
  const latRadians = (((south + north) / 2) * Math.PI) / 180;
  const widthMetres = Math.hypot((east - west) * 111_320 * Math.cos(latRadians), (north - south) * 110_574);
  return {
    lonDegrees: (west + east) / 2,
    latDegrees: (south + north) / 2,
    westDegrees: west,
    southDegrees: south,
    eastDegrees: east,
    northDegrees: north,
    minimumHeightMetres: low,
    maximumHeightMetres: high,
    sizeMetres: Math.max(high - low, Math.sqrt(footprintSquareMetres), widthMetres / 2),
    footprintSquareMetres,
  };
}

/** The union of one object's summaries at two levels (bounds, heights, size). */
function unionSummary(a: FeatureSummary, b: FeatureSummary): FeatureSummary {
  const west = Math.min(a.westDegrees, b.westDegrees);
  const south = Math.min(a.southDegrees, b.southDegrees);
  const east = Math.max(a.eastDegrees, b.eastDegrees);
  const north = Math.max(a.northDegrees, b.northDegrees);
  return {
    lonDegrees: (west + east) / 2,
    latDegrees: (south + north) / 2,
    westDegrees: west,
    southDegrees: south,
    eastDegrees: east,
    northDegrees: north,
    minimumHeightMetres: Math.min(a.minimumHeightMetres, b.minimumHeightMetres),
    maximumHeightMetres: Math.max(a.maximumHeightMetres, b.maximumHeightMetres),
    sizeMetres: Math.max(a.sizeMetres, b.sizeMetres),
    footprintSquareMetres: a.footprintSquareMetres,
  };
}

interface ChosenLod {
  value: number;
  /** As the input writes it: "2", "2.2". */
  label: string;
}

/** The LoD an object (with its parts) is tiled at: the highest it has, or the highest matching `wanted` ("2" takes 2.x). */
function chooseLod(objects: readonly CityObjectInput[], wanted: string | undefined): ChosenLod | undefined {
  let chosen: ChosenLod | undefined;
  for (const o of objects) {
    for (const g of o.geometries) {
      if (g.surfaces.length === 0 || (wanted !== undefined && !lodMatches(g.lod, wanted))) continue;
      if (chosen === undefined || lodValue(g.lod) > chosen.value) chosen = { value: lodValue(g.lod), label: g.lod };
    }
  }
  return chosen;
}

/** `levels` must be two LoDs, far below near, neither taking the other's geometry ("2" and "2.2" overlap), and not with `lod`. */
function checkLevels(file: string, options: CityModelTilingOptions): void {
  const [far, near] = options.levels!;
  const problem =
    options.lod !== undefined
      ? 'levels and lod exclude each other'
      : !/^[0-4](\.[0-3])?$/.test(far) || !/^[0-4](\.[0-3])?$/.test(near)
        ? `levels must be two LoDs such as 1 and 2, got "${far}" and "${near}"`
        : !(lodValue(far) < lodValue(near)) || lodMatches(near, far) || lodMatches(far, near)
          ? `levels must be a far LoD below a near one, apart (such as 1 and 2, or 1 and 2.2), got ${far} and ${near}`
          : options.levelSwitchErrorMetres !== undefined && !(options.levelSwitchErrorMetres > 0)
            ? `the level switch error must be a positive number of metres, got ${options.levelSwitchErrorMetres}`
            : undefined;
  if (problem) throw new CityModelError(file, undefined, problem);
}

const add = (record: Record<string, number>, key: string, n = 1) => {
  record[key] = (record[key] ?? 0) + n;
};

/** Tile a city model. Throws CityModelError (file, object, reason) on the first bad object unless skipInvalid; writes nothing then. */
export async function tileCityModel(source: CityModelSource, options: CityModelTilingOptions): Promise<CityModelReport> {
  const started = performance.now();
  const file = options.sourceName;
  const report: CityModelReport = {
    input: file,
    format: source.format,
    crs: options.crs ?? '',
    heightReference: '',
    lod: options.lod ?? 'highest of each object',
    objectsRead: {},
    tiled: {},
    partsJoined: {},
    skipped: {},
    partsSkipped: 0,
    skippedExamples: [],
    surfaces: {},
    featuresWritten: 0,
    tiles: 0,
    bytes: 0,
    tilesetFiles: 0,
    rootTilesetBytes: 0,
    searchIndexBytes: 0,
    seconds: 0,
  };
  let convert: PositionConverter | undefined;
  let swap = false;
  const converter = (): PositionConverter => {
    if (convert) return convert;
    const crs = options.crs ?? source.declaredCrs();
    if (!crs) throw new CityModelError(file, undefined, 'declares no CRS (CityJSON metadata.referenceSystem, CityGML srsName); give --crs');
    report.crs = crs;
    try {
      const definition = resolveCrs(crs);
      convert = toLonLat(crs);
      swap = source.latitudeFirstWhenGeographic === true && /^EPSG:/i.test(crs) && /\+proj=longlat\b/.test(definition);
    } catch (error) {
      throw new CityModelError(file, undefined, (error as Error).message);
    }
    const datum = verticalDatum(crs);
    report.heightReference = datum
      ? `${datum} (vertical part of ${crs}): heights kept as given and placed as metres above the WGS84 ellipsoid, no geoid model applied`
      : `z of ${crs} taken as metres above the WGS84 ellipsoid`;
    return convert;
  };
  if (options.crs) converter();

  const levels = options.levels;
  let levelsReport: LevelsReport | undefined;
  if (levels) {
    checkLevels(file, options);
    levelsReport = { far: levels[0], near: levels[1], switchErrorMetres: options.levelSwitchErrorMetres ?? LEVEL_SWITCH_ERROR_METRES, nearFromFar: {}, farFromNear: {}, farTiles: 0, nearTiles: 0 };
    report.lod = `${levels[0]} far, ${levels[1]} near`;
    report.levels = levelsReport;
  }

  const output = new AtomicDirectory(options.outputDirectory);
  await output.open();
  // The near level (or the only one); with levels, the far level in a second store. Record i of each is object i.
  const store = new RecordStore(`${output.temporaryPath}.records`);
  const farStore = levels ? new RecordStore(`${output.temporaryPath}.far-records`) : undefined;
  try {
    const summaries: FeatureSummary[] = [];
    const schemaBuilder = new SchemaBuilder(['id', 'name', 'cityObjectType', 'lod', 'height']);
    const ids = new Set<string>();
    const skip = (feature: CityFeature, reason: string, category: string) => {
      if (!options.skipInvalid) throw new CityModelError(file, feature.id, reason);
      add(report.skipped, `${feature.type}: ${category}`);
      report.partsSkipped += feature.parts.length;
      if (report.skippedExamples.length < MAXIMUM_SKIPPED_EXAMPLES) report.skippedExamples.push({ id: feature.id, type: feature.type, reason });
    };
    let read = 0;
    for await (const feature of source.features) {
      options.onProgress?.('read', ++read, 0);
      add(report.objectsRead, feature.type);
      for (const part of feature.parts) add(report.objectsRead, part.type);
      if (ids.has(feature.id)) {
        skip(feature, 'its ID repeats an earlier city object', 'repeated ID');
        continue;
      }
      const objects = [feature, ...feature.parts];
      const present = () => [...new Set(objects.flatMap((o) => o.geometries.filter((g) => g.surfaces.length > 0).map((g) => g.lod)))];
      // The LoD: the highest the object (with its parts) has, or the highest matching --lod; with levels, one per level.
      let far: ChosenLod | undefined;
      let near: ChosenLod | undefined;
      if (levels) {
        far = chooseLod(objects, levels[0]);
        near = chooseLod(objects, levels[1]);
        if (!far && !near) {
          const has = present();
          skip(feature, `has no geometry at LoD ${levels[0]} or ${levels[1]} (${has.length ? `it has LoD ${has.join(', ')}` : 'it has no surface geometry at all'})`, `no geometry at LoD ${levels[0]} or ${levels[1]}`);
          continue;
        }
      } else {
        near = chooseLod(objects, options.lod);
        if (!near) {
          const has = present();
          if (options.lod !== undefined) skip(feature, `has no geometry at LoD ${options.lod} (${has.length ? `it has LoD ${has.join(', ')}` : 'it has no surface geometry at all'})`, `no geometry at LoD ${options.lod}`);
          else skip(feature, 'has no surface geometry (no Solid or MultiSurface at any LoD)', 'no surface geometry');
          continue;
        }
      }
      const convertPoint = converter();
      let bad: string | undefined;
      const convertSurface = (s: CitySurface): PackedSurface => {
        const rings = s.rings.map((ring) => {
          const out = new Float64Array(ring.length);
          for (let i = 0; i < ring.length; i += 3) {
            const [lon, lat] = swap ? convertPoint(ring[i + 1]!, ring[i]!) : convertPoint(ring[i]!, ring[i + 1]!);
            if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 90 || Math.abs(lon) > 360 || !Number.isFinite(ring[i + 2]!)) {
              bad ??= `point (${ring[i]}, ${ring[i + 1]}, ${ring[i + 2]}) does not convert to a valid longitude/latitude from ${report.crs}; is the CRS right?`;
            }
            out[i] = lon;
            out[i + 1] = lat;
            out[i + 2] = ring[i + 2]!;
          }
          return out;
        });
        return { code: surfaceCode(s.semantic), rings };
      };
      const surfacesAt = (chosen: ChosenLod): PackedSurface[] => {
        const surfaces: PackedSurface[] = [];
        for (const o of objects) for (const g of o.geometries) if (lodValue(g.lod) === chosen.value) for (const s of g.surfaces) surfaces.push(convertSurface(s));
        return surfaces;
      };
      // Near first: the asset store, the search index and the report's surfaces take the near level (without levels, the only one).
      const nearLevel = near ?? far!;
      const nearSurfaces = surfacesAt(nearLevel);
      const farLevel = levels ? (far ?? near!) : undefined;
      const farSurfaces = farLevel ? (farLevel === nearLevel ? nearSurfaces : surfacesAt(farLevel)) : undefined;
      if (bad) {
        skip(feature, bad, 'invalid coordinates');
        continue;
      }
      ids.add(feature.id);
      if (levels) {
        if (!near) add(levelsReport!.nearFromFar, feature.type);
        if (!far) add(levelsReport!.farFromNear, feature.type);
      }
      for (const s of nearSurfaces) add(report.surfaces, SURFACE_TYPES[s.code] ?? '');
      add(report.tiled, feature.type);
      for (const part of feature.parts) add(report.partsJoined, part.type);
      const properties: Record<string, unknown> = {};
      for (const part of feature.parts) Object.assign(properties, part.attributes);
      Object.assign(properties, feature.attributes);
      const measured = typeof properties['measuredHeight'] === 'number' ? properties['measuredHeight'] : undefined;
      const rowOf = (chosen: ChosenLod, summary: FeatureSummary): Record<string, unknown> => {
        const row: Record<string, unknown> = {
          id: feature.id,
          cityObjectType: feature.type,
          lod: chosen.label,
          height: measured ?? Math.round((summary.maximumHeightMetres - summary.minimumHeightMetres) * 100) / 100,
          ...properties,
        };
        row.id = feature.id;
        if (feature.parts.length > 0) row.parts = feature.parts.map((p) => p.id).join(' ');
        schemaBuilder.observe(row);
        return row;
      };
      const footprint = footprintOf(nearSurfaces);
      const nearSummary = summarise(nearSurfaces, footprint.squareMetres);
      store.add(packSurfaces(nearSurfaces), JSON.stringify(rowOf(nearLevel, nearSummary)));
      if (farStore && farLevel && farSurfaces) {
        const farSummary = farSurfaces === nearSurfaces ? nearSummary : summarise(farSurfaces, footprint.squareMetres);
        farStore.add(packSurfaces(farSurfaces), JSON.stringify(rowOf(farLevel, farSummary)));
        // The tree places the object by both levels' bounds: a tile's volume holds it at either level.
        summaries.push(unionSummary(nearSummary, farSummary));
      } else summaries.push(nearSummary);
    }
    ids.clear();
    store.flush();
    farStore?.flush();
    report.format = source.format;
    if (store.size === 0) throw new CityModelError(file, undefined, 'contains no city object with surface geometry to tile');

    const schema = schemaBuilder.build('cim_twin_citymodel', 'cityObject', 'city objects');
    const root = buildQuadtree(summaries, { maximumFeaturesPerTile: options.maximumFeaturesPerTile })!;
    const nodes = [...walkTree(root)].filter((node) => node.featureIndices.length > 0);
    // One write per tile: with levels, each node's objects at the far level and again at the near.
    const writes: { node: TreeNode; level?: 'far' | 'near' }[] = levels ? nodes.flatMap((node) => [{ node, level: 'far' as const }, { node, level: 'near' as const }]) : nodes.map((node) => ({ node }));
    const jobFor = (node: TreeNode, from: RecordStore): CityTileContentJob => {
      const records = node.featureIndices.map((i) => from.get(i));
      const centre = boundsCentre(node.featureIndices.map((i) => summaries[i]!));
      return { centreLonDegrees: centre.lonDegrees, centreLatDegrees: centre.latDegrees, objects: records.map((r) => r.packed), rowsJson: records.map((r) => r.json), schema, surfaceSchema: SURFACE_SCHEMA, compress: options.compress !== false };
    };
    const threads = options.threads ?? (store.size >= THREADS_THRESHOLD_FEATURES ? availableParallelism() : 0);
    const pool = threads > 0 ? new Piscina({ filename: new URL('./city-tile-worker.ts', import.meta.url).href, minThreads: threads, maxThreads: threads }) : undefined;
    let done = 0;
    const writeNode = async ({ node, level }: (typeof writes)[number]) => {
      const job = jobFor(node, level === 'far' ? farStore! : store);
      const glb = pool ? ((await pool.run(job)) as Uint8Array) : await buildCityTileContent(job);
      await output.write(level ? levelContentUri(node, level === 'far' ? levels![0] : levels![1]) : contentUri(node), glb);
      report.tiles++;
      report.bytes += glb.byteLength;
      if (level === 'near') levelsReport!.nearTiles++;
      else {
        if (level === 'far') levelsReport!.farTiles++;
        report.featuresWritten += node.featureIndices.length;
      }
      options.onProgress?.('write', ++done, writes.length);
    };
    try {
      const window = Math.max(1, threads * 2);
      const inFlight = new Set<Promise<void>>();
      for (const write of writes) {
        const task = writeNode(write).finally(() => inFlight.delete(task));
        inFlight.add(task);
        if (inFlight.size >= window) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    } finally {
      await pool?.destroy();
    }
    if (options.searchIndex !== false) {
      const index = searchIndex(store, summaries);
      await output.write(SEARCH_INDEX_FILE, index);
      report.searchIndexBytes = Buffer.byteLength(index);
    }
    const citymodel: Record<string, unknown> = { format: report.format, lod: report.lod, crs: report.crs, heightReference: report.heightReference };
    if (levelsReport) citymodel.levels = { far: levelsReport.far, near: levelsReport.near, switchErrorMetres: levelsReport.switchErrorMetres };
    const extras = { cityObjects: report.featuresWritten, citymodel };
    const tileset = levels ? levelsTilesetJson(root, summaries, { far: levels[0], near: levels[1], switchErrorMetres: levelsReport!.switchErrorMetres, generator: GENERATOR, extras }) : tilesetJson(root, GENERATOR, extras);
    const written = await writeTilesetFiles(tileset, (path, text) => output.write(path, text), { maximumTilesPerFile: options.maximumTilesPerTilesetFile });
    report.bytes += written.bytes;
    report.tilesetFiles = written.files;
    report.rootTilesetBytes = written.rootBytes;
    if (options.loadAssets) report.assetsLoaded = await options.loadAssets(cityAssets(store, summaries));
    report.seconds = (performance.now() - started) / 1000;
    await output.write('report.json', JSON.stringify(report, null, 2));
    await output.commit();
  } finally {
    store.dispose();
    farStore?.dispose();
    await output.abandon();
  }
  return report;
}

/** Every city object as an asset (kind from its type: "building", "road", "plant-cover"…), footprint as geometry. */
function* cityAssets(store: RecordStore, summaries: readonly FeatureSummary[]) {
  for (let i = 0; i < store.size; i++) {
    const record = store.get(i);
    const properties = JSON.parse(record.json) as Record<string, unknown>;
    const s = summaries[i]!;
    const surfaces = unpackSurfaces(record.packed);
    let parts = footprintOf(surfaces).parts;
    if (parts.length === 0) {
      const box = Float64Array.of(s.westDegrees, s.southDegrees, s.eastDegrees, s.southDegrees, s.eastDegrees, s.northDegrees, s.westDegrees, s.northDegrees);
      parts = [{ rings: [box], baseHeightMetres: 0, topHeightMetres: 0 }];
    }
    const asset = buildingAsset({ properties, parts, name: typeof properties['name'] === 'string' ? properties['name'] : '', address: '', lonDegrees: s.lonDegrees, latDegrees: s.latDegrees, footprintSquareMetres: s.footprintSquareMetres });
    yield { ...asset, kind: assetKind(String(properties['cityObjectType'] ?? 'building')) };
  }
}
