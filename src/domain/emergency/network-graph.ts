/**
 * The graph of one pipeline type for emergency analyses: segments are edges between nodes;
 * valves, sources (tanks, reservoirs) and service connections are what sits at the nodes.
 * Built once per network and type; node and segment IDs are the shared asset IDs. Pure.
 *
 * Valves are point assets at nodes, as surveys (管线普查) record them: closing a valve stops
 * flow through its node. A valve on a pipe between two junctions is a node of degree 2, so this
 * is exact for line valves; a valve recorded at a junction closes every branch there.
 */
import type { PipeNetwork, PipelineType, PointAsset } from '../pipelines.ts';

export interface NetworkGraph {
  type: PipelineType;
  /** Segment IDs by index. */
  segmentIds: string[];
  /** Node index at each segment's start and end (flow runs from → to for gravity drainage). */
  fromNode: Int32Array;
  toNode: Int32Array;
  nodeIds: string[];
  nodeIndex: Map<string, number>;
  /** Segments at each node (CSR: segmentsAt[offsets[n] .. offsets[n + 1])). */
  offsets: Int32Array;
  segmentsAt: Int32Array;
  /** Point asset at each node, if one is recorded there. */
  assetAt: (PointAsset | undefined)[];
  segmentIndex: Map<string, number>;
}

/** The assets that feed a network: tanks and reservoirs (EPANET), or the configured entry nodes. */
export function isSourceAsset(asset: PointAsset | undefined): boolean {
  return asset?.kind === 'tank' || asset?.kind === 'reservoir';
}

/** Build the graph of the segments of one type. */
export function buildNetworkGraph(network: PipeNetwork, type: PipelineType): NetworkGraph {
  const assetsById = new Map(network.assets.map((a) => [a.id, a]));
  const nodeIndex = new Map<string, number>();
  const nodeIds: string[] = [];
  const node = (id: string) => {
    let index = nodeIndex.get(id);
    if (index === undefined) {
      index = nodeIds.length;
      nodeIndex.set(id, index);
      nodeIds.push(id);
    }
    return index;
  };
  const segments = network.segments.filter((s) => s.type === type);
  const fromNode = new Int32Array(segments.length);
  const toNode = new Int32Array(segments.length);
  const segmentIds: string[] = [];
  const segmentIndex = new Map<string, number>();
  segments.forEach((s, i) => {
    fromNode[i] = node(s.fromNodeId);
    toNode[i] = node(s.toNodeId);
    segmentIds.push(s.id);
    segmentIndex.set(s.id, i);
  });
  const degree = new Int32Array(nodeIds.length + 1);
  for (let i = 0; i < segments.length; i++) {
    degree[fromNode[i]! + 1]!++;
    if (toNode[i] !== fromNode[i]) degree[toNode[i]! + 1]!++;
  }
  const offsets = new Int32Array(nodeIds.length + 1);
  for (let n = 0; n < nodeIds.length; n++) offsets[n + 1] = offsets[n]! + degree[n + 1]!;
  const fill = offsets.slice(0, nodeIds.length);
  const segmentsAt = new Int32Array(offsets[nodeIds.length]!);
  for (let i = 0; i < segments.length; i++) {
    segmentsAt[fill[fromNode[i]!]!++] = i;
    if (toNode[i] !== fromNode[i]) segmentsAt[fill[toNode[i]!]!++] = i;
  }
  return { type, segmentIds, fromNode, toNode, nodeIds, nodeIndex, offsets, segmentsAt, assetAt: nodeIds.map((id) => assetsById.get(id)), segmentIndex };
}

/** The node at the other end of a segment. */
export function otherNode(graph: NetworkGraph, segment: number, node: number): number {
  return graph.fromNode[segment] === node ? graph.toNode[segment]! : graph.fromNode[segment]!;
}

/**
 * Default supply points when the network records no tank or reservoir (a district cut out of a
 * city network, like the demo): the ends of mains at the network's edge, i.e. nodes with one
 * segment that are not service connections (those end at a building, not at the city's mains).
 */
export function defaultSources(graph: NetworkGraph): number[] {
  const recorded: number[] = [];
  for (let n = 0; n < graph.nodeIds.length; n++) if (isSourceAsset(graph.assetAt[n])) recorded.push(n);
  if (recorded.length) return recorded;
  const ends: number[] = [];
  for (let n = 0; n < graph.nodeIds.length; n++) {
    const asset = graph.assetAt[n];
    if (graph.offsets[n + 1]! - graph.offsets[n]! === 1 && asset?.kind !== 'service-connection' && !asset?.buildingId) ends.push(n);
  }
  return ends;
}

/** A valve or pump recorded as a link between two nodes (EPANET's VALVES and PUMPS). */
export interface DeviceLink {
  id: string;
  kind: 'pipe' | 'valve' | 'pump';
  fromNodeId: string;
  toNodeId: string;
}

/**
 * Put link devices into the graph: each valve or pump link becomes its point asset (same ID)
 * joined to its two nodes by two zero-length segments, so valves close and pumps conduct.
 * For EPANET networks, whose valves are links rather than points on a pipe.
 */
export function withDeviceLinks(network: PipeNetwork, links: readonly DeviceLink[]): PipeNetwork {
  const segments = [...network.segments];
  const assetsById = new Map(network.assets.map((a) => [a.id, a]));
  for (const link of links) {
    if (link.kind === 'pipe') continue;
    const device = assetsById.get(link.id);
    if (!device) continue;
    const at: [number, number] = [device.lonDegrees, device.latDegrees];
    for (const [suffix, nodeId] of [['from', link.fromNodeId], ['to', link.toNodeId]] as const) {
      segments.push({ id: `${link.id}#${suffix}`, type: device.type, shape: { kind: 'circular', diameterMillimetres: 1 }, path: [at, at], fromNodeId: suffix === 'from' ? nodeId : link.id, toNodeId: suffix === 'from' ? link.id : nodeId, start: { depthMetres: 0 }, end: { depthMetres: 0 } });
    }
  }
  return { segments, assets: network.assets };
}
