/**
 * The pipeline tile pipeline: a PipeNetwork (segments and point assets) → quadtree → one GLB
 * per tile (three.js meshes, CJJ 61 vertex colours, EXT_mesh_features + EXT_structural_metadata,
 * meshopt) → tileset.json, written atomically, beside the buildings' tileset.
 */
import type { BufferGeometry } from 'three';
import { coverDepthMetres, PIPELINE_TYPE_NAMES, shapeHeightMetres, shapeWidthMetres, type PipeNetwork, type PipeSegment, type PointAsset } from '../../domain/pipelines.ts';
import { pathLengthMetres } from '../../domain/geometry.ts';
import { networkDocument } from '../../domain/network-document.ts';
import { AtomicDirectory } from '../atomic-output.ts';
import { buildContentGlb } from '../glb.ts';
import { LocalFrame } from '../local-frame.ts';
import { SchemaBuilder } from '../metadata.ts';
import { contentUri, tilesetJson } from '../tileset.ts';
import { boundsCentre, buildQuadtree, walkTree, type FeatureSummary } from '../tree.ts';
import { assetGeometry, hasOwnGeometry, segmentGeometry, segmentJoints, toTileMesh } from './pipe-mesh.ts';

/**
 * Leaving out a tile of pipes shows far less than leaving out a block of buildings: pipes are
 * lines a few decimetres across, under a pixel wide from a kilometre off. 0.01 m per metre of
 * tile gives a district's 800 m tiles of distribution pipes an error of about 8 m, so they load
 * within about 550 m (1280×720, 60°, the default maximum screen-space error of 16); farther off,
 * the mains in the upper tiles show the network's shape.
 */
const PIPE_DENSITY_ERROR_PER_METRE = 0.01;

export interface PipeTilingOptions {
  outputDirectory: string;
  /** Upper bound on features per tile. Default 1000. */
  maximumFeaturesPerTile?: number;
  compress?: boolean;
}

export interface PipeTilingReport {
  segments: number;
  assets: number;
  /** Assets drawn by their pipes only (junctions, service connections): in the metadata of no tile. */
  assetsWithoutGeometry: number;
  kilometres: number;
  tiles: number;
  /** Tiles and tileset.json. */
  bytes: number;
  /** The network document (network.json) beside them. */
  networkBytes: number;
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
  const root = buildQuadtree(summaries, { maximumFeaturesPerTile: options.maximumFeaturesPerTile ?? 1000, densityErrorPerMetre: PIPE_DENSITY_ERROR_PER_METRE });
  const joints = segmentJoints(network.segments);
  const report: PipeTilingReport = {
    segments: network.segments.length,
    assets: network.assets.length,
    assetsWithoutGeometry: features.length - drawable.length,
    kilometres: network.segments.reduce((sum, s) => sum + pathLengthMetres(s.path), 0) / 1000,
    tiles: 0,
    bytes: 0,
    networkBytes: 0,
    seconds: 0,
  };
  if (!root) throw new Error('the network has no segments or drawable assets');
  const output = new AtomicDirectory(options.outputDirectory);
  await output.open();
  try {
    for (const node of walkTree(root)) {
      if (node.featureIndices.length === 0) continue;
      const centre = boundsCentre(node.featureIndices.map((i) => summaries[i]!));
      const frame = new LocalFrame(centre.lonDegrees, centre.latDegrees);
      const geometries: BufferGeometry[] = node.featureIndices.map((i, featureId) => {
        const f = drawable[i]!;
        return f.kind === 'segment' ? segmentGeometry(f.segment, frame, featureId, joints.get(f.segment.id)) : assetGeometry(f.asset, frame, featureId)!;
      });
      const glb = await buildContentGlb(toTileMesh(geometries), frame.gltfNodeMatrix(), schema, node.featureIndices.map((i) => rows[i]!), { compress: options.compress, baseColor: [1, 1, 1, 1] });
      await output.write(contentUri(node), glb);
      report.tiles++;
      report.bytes += glb.byteLength;
    }
    const tileset = JSON.stringify(tilesetJson(root, 'cim-twin pipeline tiler', { segments: report.segments, kilometres: Math.round(report.kilometres * 10) / 10 }));
    await output.write('tileset.json', tileset);
    report.bytes += Buffer.byteLength(tileset);
    report.seconds = (performance.now() - started) / 1000;
    // The network itself, for what tiles cannot answer in the viewer: what a pipe connects to,
    // which buildings it serves, and the analyses (section, clearance, cover, profile).
    const networkJson = JSON.stringify(networkDocument(network));
    await output.write(NETWORK_FILE, networkJson);
    report.networkBytes = Buffer.byteLength(networkJson);
    await output.write('report.json', JSON.stringify(report, null, 2));
    await output.commit();
  } finally {
    await output.abandon();
  }
  return report;
}
