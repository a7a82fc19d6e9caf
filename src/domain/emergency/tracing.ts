/**
 * Connectivity, upstream and downstream tracing (连通性分析, 上下游追踪) along one pipeline type.
 * Gravity drainage follows its flow direction (each segment flows from its start node to its
 * end node, as the surveys and our generator record it); pressure networks have no fixed
 * direction, so for them upstream and downstream are both the connected network, unless the
 * caller says otherwise. Closed valves stop a trace. Pure.
 */
import type { PipeNetwork, PipelineType } from '../pipelines.ts';
import { buildNetworkGraph, otherNode, type NetworkGraph } from './network-graph.ts';

/** Gravity networks: flow runs from each segment's start node to its end node. */
export const GRAVITY_TYPES: readonly PipelineType[] = ['drainage-storm', 'drainage-sewage'];

export type TraceDirection = 'connected' | 'upstream' | 'downstream';

export interface TraceResult {
  direction: TraceDirection;
  /** Segments reached, the starting one included (sorted). */
  segments: string[];
  /** Nodes reached (sorted). */
  nodes: string[];
  /** Buildings at the nodes reached (service connections), sorted. */
  buildings: string[];
}

export interface TraceOptions {
  /** Follow flow direction; default: for drainage types only. */
  directed?: boolean;
}

/** Trace from a segment or a node on a graph built once. */
export function traceOnGraph(graph: NetworkGraph, startId: string, direction: TraceDirection, options: TraceOptions = {}): TraceResult {
  const directed = direction !== 'connected' && (options.directed ?? GRAVITY_TYPES.includes(graph.type));
  const segmentStart = graph.segmentIndex.get(startId);
  const nodeStart = graph.nodeIndex.get(startId);
  if (segmentStart === undefined && nodeStart === undefined) throw new Error(`no ${graph.type} segment or node ${startId} in the network`);
  const reached = new Uint8Array(graph.segmentIds.length);
  const nodeSeen = new Uint8Array(graph.nodeIds.length);
  const stack: number[] = [];
  if (segmentStart !== undefined) {
    reached[segmentStart] = 1;
    // Upstream of a segment is what flows into its start; downstream, what its end flows into.
    if (!directed || direction === 'upstream') stack.push(graph.fromNode[segmentStart]!);
    if (!directed || direction === 'downstream') stack.push(graph.toNode[segmentStart]!);
  } else stack.push(nodeStart!);
  while (stack.length) {
    const n = stack.pop()!;
    if (nodeSeen[n]) continue;
    nodeSeen[n] = 1;
    const asset = graph.assetAt[n];
    if (asset?.kind === 'valve' && asset.valveState === 'closed' && graph.nodeIds[n] !== startId) continue;
    for (let k = graph.offsets[n]!; k < graph.offsets[n + 1]!; k++) {
      const segment = graph.segmentsAt[k]!;
      if (reached[segment]) continue;
      // Upstream: segments flowing into this node (it is their end); downstream: flowing out of it.
      if (directed && direction === 'upstream' && graph.toNode[segment] !== n) continue;
      if (directed && direction === 'downstream' && graph.fromNode[segment] !== n) continue;
      reached[segment] = 1;
      stack.push(otherNode(graph, segment, n));
    }
  }
  const segments: string[] = [];
  for (let s = 0; s < reached.length; s++) if (reached[s]) segments.push(graph.segmentIds[s]!);
  const nodes: string[] = [];
  const buildings = new Set<string>();
  for (let n = 0; n < nodeSeen.length; n++) {
    if (!nodeSeen[n]) continue;
    nodes.push(graph.nodeIds[n]!);
    const building = graph.assetAt[n]?.buildingId;
    if (building) buildings.add(building);
  }
  return { direction, segments: segments.sort(), nodes: nodes.sort(), buildings: [...buildings].sort() };
}

/** Trace from a segment (its type decides the network). */
export function traceNetwork(network: PipeNetwork, segmentId: string, direction: TraceDirection, options: TraceOptions = {}): TraceResult {
  const segment = network.segments.find((s) => s.id === segmentId);
  if (!segment) throw new Error(`no segment ${segmentId} in the network`);
  return traceOnGraph(buildNetworkGraph(network, segment.type), segmentId, direction, options);
}
