/**
 * The pipeline tile pipeline: a PipeNetwork (segments and point assets) → far off, a pyramid of
 * line tiles (each segment a line a few pixels wide, REPLACE) → near, the true-size tubes and
 * assets in quadtrees (three.js meshes, ADD) → one GLB per tile (CJJ 61 vertex colours,
 * EXT_mesh_features + EXT_structural_metadata, meshopt) → tileset.json, written atomically,
 * beside the buildings' tileset.
 */
import type { BufferGeometry } from 'three';
import { coverDepthMetres, PIPELINE_TYPE_NAMES, shapeHeightMetres, shapeWidthMetres, type PipeNetwork, type PipeSegment, type PointAsset } from '../../domain/pipelines.ts';
import { pathLengthMetres } from '../../domain/geometry.ts';
import { networkDocument } from '../../domain/network-document.ts';
import { AtomicDirectory } from '../atomic-output.ts';
import { networkAssets, type AssetLoader } from '../assets.ts';
import { writeTilesetFiles } from '../external-tilesets.ts';
import { buildContentGlb } from '../glb.ts';
import { LocalFrame } from '../local-frame.ts';
import { SchemaBuilder } from '../metadata.ts';
import { regionDiagonalMetres, regionRadians, round, type TilesetJson, type TilesetJsonTile } from '../tileset.ts';
import { boundsCentre, buildQuadtree, featuresRegion, positionBounds, walkTree, type Bounds, type FeatureSummary, type RegionDegrees, type TreeNode } from '../tree.ts';
import { assetGeometry, hasOwnGeometry, segmentGeometry, segmentJoints, segmentRibbon, toTileMesh } from './pipe-mesh.ts';

/**
 * Leaving out a tile of pipes shows far less than leaving out a block of buildings: pipes are
 * lines a few decimetres across, under a pixel wide from a kilometre off. 0.01 m per metre of
 * tile gives a district's 800 m tiles of distribution pipes an error of about 8 m, so they load
 * within about 550 m (1280×720, 60°, the default maximum screen-space error of 16); farther off,
 * the mains in the upper tiles show the network's shape.
 */
const PIPE_DENSITY_ERROR_PER_METRE = 0.01;

/**
 * Far off, a tube a few decimetres across is far below a pixel (a 0.3 m pipe is 0.15 px at
 * 2 km), so the far tiles draw pipes as lines instead: a pyramid of line tiles (REPLACE), each
 * level a quadtree split of the one above, down to the tube tiles. A line is drawn
 * LINE_PIXELS_AT_SWITCH px wide where its tile gives way to the next level, which is where the
 * tile's screen-space error reaches the viewer's maximum (16, Cesium's default): the width in
 * metres is LINE_PIXELS_AT_SWITCH / 16 × the tile's geometric error, whatever the screen size or
 * field of view (both scale the line and the error alike). Farther off, before the level above
 * takes over at half the error, a line narrows to half that: lines stay 2–4 px wide at every
 * range, down to the tube tiles.
 */
export const LINE_PIXELS_AT_SWITCH = 4;
/** The maximum screen-space error the viewer draws pipe tiles with (src/engine/tileset-layer.ts). */
export const VIEWER_MAXIMUM_SCREEN_SPACE_ERROR = 16;
/** The root line tile's geometric error per metre of the network's diagonal: a 3 km district gives way to its quadrants at about 1.7 km. */
const LINE_ROOT_ERROR_PER_METRE = 0.008;
/**
 * Line levels go down until their error is at most this; below, the true-size tubes. 4 m: tubes
 * within about 280 m (1280×720, 60°), where a 0.6 m main is 2 px wide (a 0.2 m pipe 1 px; its
 * line, 1 m wide, was 4 px).
 */
const TUBE_ERROR_METRES = 4;

/**
 * A cell with at most this many features is not split into quadrants for the next line level: a
 * sparse network (a rural main 50 km long) would otherwise end in thousands of tiles of one pipe.
 */
const LINE_SPLIT_MINIMUM_FEATURES = 400;

/** Width of the lines of a tile of this geometric error, metres. */
export function lineWidthMetres(geometricErrorMetres: number): number {
  return (LINE_PIXELS_AT_SWITCH / VIEWER_MAXIMUM_SCREEN_SPACE_ERROR) * geometricErrorMetres;
}

export interface PipeTilingOptions {
  outputDirectory: string;
  /** Upper bound on features per tile. Default 1000. */
  maximumFeaturesPerTile?: number;
  /**
   * Upper bound on lines in one line tile (default 20,000: 80,000 triangles). A city-wide network
   * keeps its largest pipes (by size, then length) in the upper line levels; the levels below
   * draw the rest of their area.
   */
  maximumLinesPerTile?: number;
  compress?: boolean;
  /**
   * Most tiles in one tileset file (default 1,000): a larger tree is split into external tilesets
   * (`tileset-<n>.json` beside `tileset.json`), so the root file stays small for a city's network.
   */
  maximumTilesPerTilesetFile?: number;
  /**
   * Load every segment and point asset into the asset store (`--assets`), after the tiles are
   * written and before they are moved into place: if the load fails, nothing is written.
   */
  loadAssets?: AssetLoader;
}

export interface PipeTilingReport {
  segments: number;
  assets: number;
  /** Assets drawn by their pipes only (junctions, service connections): in the metadata of no tile. */
  assetsWithoutGeometry: number;
  kilometres: number;
  tiles: number;
  /** Of which line tiles (the far levels). */
  lineTiles: number;
  /** Triangles in the root tile (lines of the whole network). */
  rootTriangles: number;
  /** Tiles and the tileset files. */
  bytes: number;
  /** Tileset files: tileset.json and the external tilesets it points to (1 for a small network). */
  tilesetFiles: number;
  /** Bytes of the root tileset.json alone. */
  rootTilesetBytes: number;
  /** The network document (network.json) beside them. */
  networkBytes: number;
  /** Segments and point assets loaded into the asset store (with `loadAssets`). */
  assetsLoaded?: number;
  seconds: number;
}

/** The network document written beside tileset.json (see src/domain/network-document.ts). */
export const NETWORK_FILE = 'network.json';

/** Numbers even where no feature has one (all circular, no install years): never text columns. */
const NUMERIC_COLUMNS = {
  diameterMillimetres: 'FLOAT64',
  widthMillimetres: 'FLOAT64',
  heightMillimetres: 'FLOAT64',
  startDepthMetres: 'FLOAT64',
  endDepthMetres: 'FLOAT64',
  lengthMetres: 'FLOAT64',
  installYear: 'INT32',
  depthMetres: 'FLOAT64',
} as const;

type Feature = { kind: 'segment'; segment: PipeSegment } | { kind: 'asset'; asset: PointAsset };

/** Metadata row of a segment or an asset: what picking and styling need. */
export function featureRow(feature: Feature): Record<string, unknown> {
  if (feature.kind === 'segment') {
    const s = feature.segment;
    const row: Record<string, unknown> = {
      id: s.id,
      featureType: 'segment',
      pipelineType: s.type,
      typeName: PIPELINE_TYPE_NAMES[s.type].zh,
      shape: s.shape.kind,
      diameterMillimetres: s.shape.kind === 'circular' ? s.shape.diameterMillimetres : undefined,
      widthMillimetres: s.shape.kind === 'box' ? s.shape.widthMillimetres : undefined,
      heightMillimetres: s.shape.kind === 'box' ? s.shape.heightMillimetres : undefined,
      startDepthMetres: coverDepthMetres(0, s.start, s.shape),
      endDepthMetres: coverDepthMetres(0, s.end, s.shape),
      lengthMetres: Math.round(pathLengthMetres(s.path) * 10) / 10,
      material: s.material,
      pressureClass: s.pressureClass,
      installYear: s.installYear,
      owner: s.owner,
      status: s.status,
      fromNodeId: s.fromNodeId,
      toNodeId: s.toNodeId,
    };
    return row;
  }
  const a = feature.asset;
  return { id: a.id, featureType: a.kind, pipelineType: a.type, typeName: PIPELINE_TYPE_NAMES[a.type].zh, depthMetres: a.depthMetres, valveState: a.valveState, buildingId: a.buildingId };
}

function summary(feature: Feature): FeatureSummary {
  const points = feature.kind === 'segment' ? feature.segment.path : [[feature.asset.lonDegrees, feature.asset.latDegrees] as [number, number]];
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  const west = Math.min(...lons);
  const east = Math.max(...lons);
  const south = Math.min(...lats);
  const north = Math.max(...lats);
  let minimumHeight: number;
  let maximumHeight: number;
  let size: number;
  if (feature.kind === 'segment') {
    const s = feature.segment;
    const deepest = Math.max(coverDepthMetres(0, s.start, s.shape), coverDepthMetres(0, s.end, s.shape)) + shapeHeightMetres(s.shape);
    minimumHeight = -deepest - 0.1;
    maximumHeight = -Math.min(coverDepthMetres(0, s.start, s.shape), coverDepthMetres(0, s.end, s.shape)) + 0.1;
    size = Math.max(shapeWidthMetres(s.shape) * 20, 1);
    // Joint spheres stick out by the radius: widen the box by it (degrees, generously).
    const pad = shapeWidthMetres(s.shape) / 100_000 + 1e-6;
    return { lonDegrees: (west + east) / 2, latDegrees: (south + north) / 2, westDegrees: west - pad, southDegrees: south - pad, eastDegrees: east + pad, northDegrees: north + pad, minimumHeightMetres: minimumHeight, maximumHeightMetres: maximumHeight, sizeMetres: size };
  }
  const a = feature.asset;
  minimumHeight = -(a.depthMetres ?? 2) - 1;
  maximumHeight = a.kind === 'tank' || a.kind === 'reservoir' ? 9 : 1;
  const pad = 1e-4; // tanks are 12 m across
  return { lonDegrees: a.lonDegrees, latDegrees: a.latDegrees, westDegrees: west - pad, southDegrees: south - pad, eastDegrees: east + pad, northDegrees: north + pad, minimumHeightMetres: minimumHeight, maximumHeightMetres: maximumHeight, sizeMetres: 1 };
}

export async function tilePipeNetwork(network: PipeNetwork, options: PipeTilingOptions): Promise<PipeTilingReport> {
  const started = performance.now();
  const features: Feature[] = [...network.segments.map((segment) => ({ kind: 'segment' as const, segment })), ...network.assets.map((asset) => ({ kind: 'asset' as const, asset }))];
  const drawable = features.filter((f) => f.kind === 'segment' || hasOwnGeometry(f.asset.kind));
  const rows = drawable.map(featureRow);
  const schemaBuilder = new SchemaBuilder(['id', 'featureType', 'pipelineType', 'typeName'], NUMERIC_COLUMNS);
  rows.forEach((r) => schemaBuilder.observe(r));
  const schema = schemaBuilder.build('cim_twin_pipelines', 'pipeline_feature', 'pipelines');
  const summaries = drawable.map(summary);
  const maximumFeaturesPerTile = options.maximumFeaturesPerTile ?? 1000;
  const joints = segmentJoints(network.segments);
  const report: PipeTilingReport = {
    segments: network.segments.length,
    assets: network.assets.length,
    assetsWithoutGeometry: features.length - drawable.length,
    kilometres: network.segments.reduce((sum, s) => sum + pathLengthMetres(s.path), 0) / 1000,
    tiles: 0,
    lineTiles: 0,
    rootTriangles: 0,
    bytes: 0,
    tilesetFiles: 0,
    rootTilesetBytes: 0,
    networkBytes: 0,
    seconds: 0,
  };
  if (summaries.length === 0) throw new Error('the network has no segments or drawable assets');
  const all = summaries.map((_, i) => i);
  const rootError = Math.max(LINE_ROOT_ERROR_PER_METRE * regionDiagonalMetres(featuresRegion(all.map((i) => summaries[i]!))), TUBE_ERROR_METRES);
  const tubeLevel = Math.max(0, Math.ceil(Math.log2(rootError / TUBE_ERROR_METRES) - 1e-9));
  const output = new AtomicDirectory(options.outputDirectory);
  await output.open();
  const write = async (uri: string, glb: Uint8Array) => {
    await output.write(uri, glb);
    report.tiles++;
    report.bytes += glb.byteLength;
  };
  try {
    /** A cell of the line pyramid: its lines, then its quadrants, or at the tube level its tube tree. */
    const cell = async (level: number, x: number, y: number, bounds: Bounds, indices: number[]): Promise<TilesetJsonTile> => {
      const error = rootError / 2 ** level;
      const width = lineWidthMetres(error);
      const segments = largestSegments(
        indices.filter((i) => drawable[i]!.kind === 'segment'),
        (i) => (drawable[i] as { segment: PipeSegment }).segment,
        options.maximumLinesPerTile ?? DEFAULT_MAXIMUM_LINES_PER_TILE,
      );
      const children: TilesetJsonTile[] = [];
      if (level < tubeLevel && indices.length <= LINE_SPLIT_MINIMUM_FEATURES) {
        // Few features: the next level draws the same cell (thinner lines), not four nearly empty ones.
        children.push(await cell(level + 1, 2 * x, 2 * y, bounds, indices));
      } else if (level < tubeLevel) {
        const midLon = (bounds.west + bounds.east) / 2;
        const midLat = (bounds.south + bounds.north) / 2;
        const quadrants: number[][] = [[], [], [], []];
        for (const i of indices) quadrants[(summaries[i]!.lonDegrees >= midLon ? 1 : 0) + (summaries[i]!.latDegrees >= midLat ? 2 : 0)]!.push(i);
        for (let q = 0; q < 4; q++) {
          if (quadrants[q]!.length === 0) continue;
          const east = q & 1;
          const north = q >> 1;
          const childBounds: Bounds = { west: east ? midLon : bounds.west, east: east ? bounds.east : midLon, south: north ? midLat : bounds.south, north: north ? bounds.north : midLat };
          children.push(await cell(level + 1, 2 * x + east, 2 * y + north, childBounds, quadrants[q]!));
        }
      } else {
        children.push(await tubes(`content/tubes/${level}_${x}_${y}`, indices, error));
      }
      const region = padRegion(featuresRegion(indices.map((i) => summaries[i]!)), width / 2);
      for (const child of children) unionInto(region, child.boundingVolume.region);
      const tile: TilesetJsonTile = { boundingVolume: { region: regionRadians(region) }, geometricError: round(error), refine: 'REPLACE', children };
      if (segments.length > 0) {
        const frame = new LocalFrame(...centreOf(segments.map((i) => summaries[i]!)));
        const geometries = segments.map((i, featureId) => segmentRibbon((drawable[i] as { segment: PipeSegment }).segment, frame, featureId, width));
        const mesh = toTileMesh(geometries);
        const glb = await buildContentGlb(mesh, frame.gltfNodeMatrix(), schema, segments.map((i) => rows[i]!), { compress: options.compress, baseColor: [1, 1, 1, 1], unlit: true });
        const uri = `content/lines/${level}/${x}_${y}.glb`;
        await write(uri, glb);
        report.lineTiles++;
        if (level === 0) report.rootTriangles = mesh.indices.length / 3;
        tile.content = { uri };
      }
      return tile;
    };
    /** The true-size tubes and assets of a cell: a quadtree of at most maximumFeaturesPerTile each, adding detail (ADD). */
    const tubes = async (prefix: string, indices: number[], parentError: number): Promise<TilesetJsonTile> => {
      const root = buildQuadtree(
        indices.map((i) => summaries[i]!),
        { maximumFeaturesPerTile, densityErrorPerMetre: PIPE_DENSITY_ERROR_PER_METRE, parentGeometricErrorMetres: parentError },
      )!;
      const uriOf = (node: TreeNode) => `${prefix}/${node.level}/${node.x}_${node.y}.glb`;
      for (const node of walkTree(root)) {
        if (node.featureIndices.length === 0) continue;
        const own = node.featureIndices.map((k) => indices[k]!);
        const centre = boundsCentre(own.map((i) => summaries[i]!));
        const frame = new LocalFrame(centre.lonDegrees, centre.latDegrees);
        const geometries: BufferGeometry[] = own.map((i, featureId) => {
          const f = drawable[i]!;
          return f.kind === 'segment' ? segmentGeometry(f.segment, frame, featureId, joints.get(f.segment.id)) : assetGeometry(f.asset, frame, featureId)!;
        });
        await write(uriOf(node), await buildContentGlb(toTileMesh(geometries), frame.gltfNodeMatrix(), schema, own.map((i) => rows[i]!), { compress: options.compress, baseColor: [1, 1, 1, 1] }));
      }
      const json = (node: TreeNode): TilesetJsonTile => ({
        boundingVolume: { region: regionRadians(node.region) },
        geometricError: round(node.geometricErrorMetres),
        ...(node.featureIndices.length > 0 ? { content: { uri: uriOf(node) } } : {}),
        ...(node.children.length > 0 ? { children: node.children.map(json) } : {}),
      });
      return { ...json(root), refine: 'ADD' };
    };
    const rootTile = await cell(0, 0, 0, positionBounds(summaries), all);
    const tilesetDocument: TilesetJson = {
      asset: { version: '1.1', generator: 'cim-twin pipeline tiler' },
      geometricError: round(Math.max(regionDiagonalMetres(featuresRegion(summaries)), rootError * 2)),
      root: rootTile,
      extras: { segments: report.segments, kilometres: Math.round(report.kilometres * 10) / 10 },
    };
    const written = await writeTilesetFiles(tilesetDocument, (path, text) => output.write(path, text), { maximumTilesPerFile: options.maximumTilesPerTilesetFile });
    report.bytes += written.bytes;
    report.tilesetFiles = written.files;
    report.rootTilesetBytes = written.rootBytes;
    report.seconds = (performance.now() - started) / 1000;
    // The network itself, for what tiles cannot answer in the viewer: what a pipe connects to,
    // which buildings it serves, and the analyses (section, clearance, cover, profile).
    const networkJson = JSON.stringify(networkDocument(network));
    await output.write(NETWORK_FILE, networkJson);
    report.networkBytes = Buffer.byteLength(networkJson);
    if (options.loadAssets) report.assetsLoaded = await options.loadAssets(networkAssets(network));
    await output.write('report.json', JSON.stringify(report, null, 2));
    await output.commit();
  } finally {
    await output.abandon();
  }
  return report;
}

const DEFAULT_MAXIMUM_LINES_PER_TILE = 20_000;

/** At most `maximum` of these drawable segments: the largest pipes first, then the longest, in their original order. */
function largestSegments(indices: number[], segmentOf: (i: number) => PipeSegment, maximum: number): number[] {
  if (indices.length <= maximum) return indices;
  const keys = new Map(indices.map((i) => [i, [shapeWidthMetres(segmentOf(i).shape), pathLengthMetres(segmentOf(i).path)] as const]));
  const kept = new Set(
    [...indices]
      .sort((a, b) => keys.get(b)![0] - keys.get(a)![0] || keys.get(b)![1] - keys.get(a)![1] || a - b)
      .slice(0, maximum),
  );
  return indices.filter((i) => kept.has(i));
}

/** Grow a region (degrees) by a region in radians (a child's bounding volume). */
function unionInto(region: RegionDegrees, childRadians: number[]): void {
  const k = 180 / Math.PI;
  region[0] = Math.min(region[0], childRadians[0]! * k);
  region[1] = Math.min(region[1], childRadians[1]! * k);
  region[2] = Math.max(region[2], childRadians[2]! * k);
  region[3] = Math.max(region[3], childRadians[3]! * k);
  region[4] = Math.min(region[4], childRadians[4]!);
  region[5] = Math.max(region[5], childRadians[5]!);
}

/** A region widened by `metres` on every side (lines are wider than their pipes). */
function padRegion(region: RegionDegrees, metres: number): RegionDegrees {
  const dLat = metres / 110_574;
  const dLon = metres / (111_320 * Math.cos((((region[1] + region[3]) / 2) * Math.PI) / 180));
  return [region[0] - dLon, region[1] - dLat, region[2] + dLon, region[3] + dLat, region[4] - metres, Math.max(region[5], 0)];
}

function centreOf(features: readonly FeatureSummary[]): [number, number] {
  const c = boundsCentre(features);
  return [c.lonDegrees, c.latDegrees];
}
