/**
 * The pipe networks on the server (issue 16): read from the asset store when the server starts,
 * and again for a dataset that was loaded again since (its generation in the store changed:
 * `refreshed`), one network per dataset (its segments, kind "pipe", and its point assets: valves,
 * manholes, wells, hydrants, service connections…), with the NetworkIndex, one graph per pipeline
 * type and an R-tree over the segments' and assets' bounds, kept until the dataset changes.
 * The analyses (analyses.ts) run the pure modules of src/domain on them unchanged.
 *
 * This is the inverse of the tilers' `networkAssets` (src/tiling/assets.ts): a segment is an asset
 * of kind "pipe" with a LineString and its other fields in the attributes; a point asset has its
 * own kind, a Point, and its other fields in the attributes.
 */
import Flatbush from 'flatbush';
import type { Asset, Bbox } from '../../domain/assets.ts';
import { buildNetworkGraph, type NetworkGraph } from '../../domain/emergency/network-graph.ts';
import { NetworkIndex } from '../../domain/network-index.ts';
import { isPipelineType, type PipeNetwork, type PipelineType, type PipeSegment, type PointAsset, type PointAssetKind } from '../../domain/pipelines.ts';
import type { AssetStore } from '../assets/asset-store.ts';

/** The point-asset kinds of a pipe network (PointAssetKind). */
export const POINT_ASSET_KINDS: readonly PointAssetKind[] = ['manhole', 'well', 'valve', 'hydrant', 'junction', 'service-connection', 'tank', 'reservoir', 'pump'];
/** What the service reads of each dataset. */
export const NETWORK_KINDS: readonly string[] = ['pipe', ...POINT_ASSET_KINDS];

/** A segment from its asset (kind "pipe"); undefined when the asset is not one the tilers write. */
export function segmentFromAsset(asset: Asset): PipeSegment | undefined {
  if (asset.kind !== 'pipe' || asset.geometry.type !== 'LineString') return undefined;
  const a = asset.attributes;
  const shape = a.shape as PipeSegment['shape'] | undefined;
  if (!isPipelineType(a.type) || !shape || typeof shape !== 'object' || typeof a.fromNodeId !== 'string' || typeof a.toNodeId !== 'string') return undefined;
  if (!a.start || typeof a.start !== 'object' || !a.end || typeof a.end !== 'object') return undefined;
  return { ...(a as unknown as Omit<PipeSegment, 'id' | 'path'>), id: asset.id, path: asset.geometry.coordinates.map(([lon, lat]) => [lon, lat]) };
}

/** A point asset from its asset (a Point of a network kind); undefined otherwise. */
export function pointAssetFromAsset(asset: Asset): PointAsset | undefined {
  if (!(POINT_ASSET_KINDS as readonly string[]).includes(asset.kind) || asset.geometry.type !== 'Point') return undefined;
  const a = asset.attributes;
  if (!isPipelineType(a.type)) return undefined;
  const [lonDegrees, latDegrees] = asset.geometry.coordinates;
  const point = { ...(a as unknown as Omit<PointAsset, 'id' | 'kind' | 'lonDegrees' | 'latDegrees'>), id: asset.id, kind: asset.kind as PointAssetKind, lonDegrees, latDegrees };
  if (typeof point.groundElevationMetres !== 'number') point.groundElevationMetres = 0;
  return point;
}

/** One dataset's network and what is built on it once. */
export class DatasetNetwork {
  readonly index: NetworkIndex;
  private readonly graphs = new Map<PipelineType, NetworkGraph>();
  private readonly segmentTree: Flatbush | undefined;
  private readonly assetTree: Flatbush | undefined;

  constructor(
    readonly dataset: string,
    readonly network: PipeNetwork,
  ) {
    this.index = new NetworkIndex(network);
    for (const type of new Set(network.segments.map((s) => s.type))) this.graphs.set(type, buildNetworkGraph(network, type));
    if (network.segments.length) {
      this.segmentTree = new Flatbush(network.segments.length);
      for (const s of network.segments) {
        let [west, south, east, north] = [Infinity, Infinity, -Infinity, -Infinity];
        for (const [lon, lat] of s.path) {
          west = Math.min(west, lon);
          east = Math.max(east, lon);
          south = Math.min(south, lat);
          north = Math.max(north, lat);
        }
        this.segmentTree.add(west, south, east, north);
      }
      this.segmentTree.finish();
    }
    if (network.assets.length) {
      this.assetTree = new Flatbush(network.assets.length);
      for (const a of network.assets) this.assetTree.add(a.lonDegrees, a.latDegrees, a.lonDegrees, a.latDegrees);
      this.assetTree.finish();
    }
  }

  /** The graph of one type (built when the network was loaded). */
  graph(type: PipelineType): NetworkGraph | undefined {
    return this.graphs.get(type);
  }

  segmentsIn(bbox: Bbox): PipeSegment[] {
    if (!this.segmentTree) return [];
    return this.segmentTree.search(...bbox).sort((a, b) => a - b).map((i) => this.network.segments[i]!);
  }

  assetsIn(bbox: Bbox): PointAsset[] {
    if (!this.assetTree) return [];
    return this.assetTree.search(...bbox).sort((a, b) => a - b).map((i) => this.network.assets[i]!);
  }
}

export interface NetworkSummary {
  datasets: { dataset: string; segments: number; assets: number }[];
  /** Assets of a network kind the service could not read as a segment or point asset. */
  skipped: number;
  seconds: number;
}

/** The networks of every dataset in a store, as they were at one generation of each dataset. */
export class NetworkService {
  private constructor(
    readonly networks: readonly DatasetNetwork[],
    readonly summary: NetworkSummary,
    /** The store's dataset generations the networks were read at (empty: not from a store). */
    readonly generations: ReadonlyMap<string, number> = new Map(),
    private readonly skippedOf: ReadonlyMap<string, number> = new Map(),
  ) {}

  /**
   * Read every dataset's network from the store (streamed, one dataset at a time). With
   * `previous`, a dataset whose generation has not changed since keeps its network as built.
   */
  static async load(store: AssetStore, previous?: NetworkService): Promise<NetworkService> {
    const started = performance.now();
    // Read before the assets: a load that commits meanwhile is seen by the next refresh.
    const generations = await store.datasetGenerations();
    const networks: DatasetNetwork[] = [];
    const skippedOf = new Map<string, number>();
    let skipped = 0;
    for (const { dataset } of await store.datasets()) {
      const generation = generations.get(dataset);
      if (previous && generation !== undefined && previous.generations.get(dataset) === generation) {
        const kept = previous.networks.find((n) => n.dataset === dataset);
        if (kept) networks.push(kept);
        const keptSkipped = previous.skippedOf.get(dataset) ?? 0;
        skippedOf.set(dataset, keptSkipped);
        skipped += keptSkipped;
        continue;
      }
      let datasetSkipped = 0;
      const network: PipeNetwork = { segments: [], assets: [] };
      for await (const asset of store.streamAssets({ dataset, kinds: [...NETWORK_KINDS] })) {
        if (asset.kind === 'pipe') {
          const segment = segmentFromAsset(asset);
          if (segment) network.segments.push(segment);
          else datasetSkipped++;
        } else {
          const point = pointAssetFromAsset(asset);
          if (point) network.assets.push(point);
          else datasetSkipped++;
        }
      }
      skippedOf.set(dataset, datasetSkipped);
      skipped += datasetSkipped;
      if (network.segments.length || network.assets.length) networks.push(new DatasetNetwork(dataset, network));
    }
    const summary = { datasets: networks.map((n) => ({ dataset: n.dataset, segments: n.network.segments.length, assets: n.network.assets.length })), skipped, seconds: (performance.now() - started) / 1000 };
    return new NetworkService(networks, summary, generations, skippedOf);
  }

  /** Whether the store's datasets are still at the generations these networks were read at (one small query). */
  async isCurrent(store: AssetStore): Promise<boolean> {
    const now = await store.datasetGenerations();
    return now.size === this.generations.size && [...now].every(([dataset, generation]) => this.generations.get(dataset) === generation);
  }

  /** This service when the store has not changed; else a new one, reading only the datasets loaded since. */
  async refreshed(store: AssetStore): Promise<NetworkService> {
    return (await this.isCurrent(store)) ? this : NetworkService.load(store, this);
  }

  /** A service over networks already in memory (tests, benchmarks). */
  static of(networks: Record<string, PipeNetwork>): NetworkService {
    const built = Object.entries(networks).map(([dataset, network]) => new DatasetNetwork(dataset, network));
    return new NetworkService(built, { datasets: built.map((n) => ({ dataset: n.dataset, segments: n.network.segments.length, assets: n.network.assets.length })), skipped: 0, seconds: 0 });
  }

  /** The segment with this ID and its network. */
  segment(id: string): { segment: PipeSegment; network: DatasetNetwork } | undefined {
    for (const network of this.networks) {
      const segment = network.index.segmentsById.get(id);
      if (segment) return { segment, network };
    }
    return undefined;
  }

  /** The point asset with this ID and its network. */
  asset(id: string): { asset: PointAsset; network: DatasetNetwork } | undefined {
    for (const network of this.networks) {
      const asset = network.index.assetsById.get(id);
      if (asset) return { asset, network };
    }
    return undefined;
  }

  /** The network holding a segment, a point asset, or a node with this ID. */
  networkOf(id: string): DatasetNetwork | undefined {
    return this.networks.find((n) => n.index.segmentsById.has(id) || n.index.assetsById.has(id) || n.index.segmentsAt(id).length > 0);
  }

  /** Segments whose bounds meet the bbox, over every dataset. */
  segmentsIn(bbox: Bbox): PipeSegment[] {
    return this.networks.flatMap((n) => n.segmentsIn(bbox));
  }

  /** The segments and point assets within a bbox, as one network (for the analyses around a place). */
  networkIn(bbox: Bbox): PipeNetwork {
    return { segments: this.segmentsIn(bbox), assets: this.networks.flatMap((n) => n.assetsIn(bbox)) };
  }

  get segmentCount(): number {
    return this.networks.reduce((sum, n) => sum + n.network.segments.length, 0);
  }
}
