/**
 * Valve isolation (关阀分析) for a break on a water or gas main: which valves to close so that
 * the broken segment is cut off from every source, what loses supply, and whom it serves.
 *
 * From the broken segment the search spreads over segments and through nodes until it meets a
 * valve (or a source): those valves bound the isolation zone (the segments between valves), and
 * every one of them must be closed; no smaller set isolates the break, since each has a
 * valve-free path to it. A valve marked inoperable (seized, buried, failed) is passed through,
 * so the zone grows to the next valves: re-running with it gives the next set. Valves already
 * closed bound the zone without an action. A source inside the zone (a break next to a tank or
 * a reservoir) cannot be shut by line valves: it is listed to be shut at the source.
 *
 * Then, with those valves closed, supply is traced from the remaining sources: the segments
 * that were supplied before and are not any more lose supply (the zone itself and whatever
 * hangs beyond it), with the buildings their service connections serve. Linear in the size of
 * the network. Pure.
 */
import type { PipeNetwork, PipelineType, PipeSegment } from '../pipelines.ts';
import type { NetworkIndex } from '../network-index.ts';
import type { IncidentType } from '../monitoring/incidents.ts';
import { buildNetworkGraph, defaultSources, isSourceAsset, otherNode, type NetworkGraph } from './network-graph.ts';

export interface IsolationOptions {
  /** Valves that cannot be operated (they stay as they are: open valves keep conducting). */
  inoperableValveIds?: Iterable<string>;
  /** Supply points (node IDs); default: tanks and reservoirs, else the mains' ends at the network edge. */
  sourceNodeIds?: Iterable<string>;
}

export interface IsolationResult {
  brokenSegmentId: string;
  type: PipelineType;
  /** Valves to close, by ID (sorted). */
  valvesToClose: string[];
  /** Valves on the zone's boundary that are already closed (no action). */
  alreadyClosed: string[];
  /** Inoperable valves the zone was extended through. */
  bypassedValves: string[];
  /** Sources inside the zone: they must be shut at the source (a tank outlet, a reservoir's works). */
  sourcesToShut: string[];
  /** The segments between the boundary valves (the isolation zone), the broken one included. */
  zoneSegments: string[];
  /** Segments supplied before and not after the closure (the zone and what lies beyond it). */
  segmentsOutOfSupply: string[];
  /** Buildings served by the segments out of supply (through their service connections). */
  buildingsOutOfSupply: string[];
}

export class IsolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IsolationError';
  }
}

/** Segments reachable from the sources, not crossing blocked nodes (closed valves) or blocked segments. */
function suppliedSegments(graph: NetworkGraph, sources: number[], nodeBlocked: Uint8Array, segmentBlocked?: Uint8Array): Uint8Array {
  const supplied = new Uint8Array(graph.segmentIds.length);
  const seen = new Uint8Array(graph.nodeIds.length);
  const stack: number[] = [];
  for (const s of sources) {
    if (!nodeBlocked[s] && !seen[s]) {
      seen[s] = 1;
      stack.push(s);
    }
  }
  while (stack.length) {
    const n = stack.pop()!;
    for (let k = graph.offsets[n]!; k < graph.offsets[n + 1]!; k++) {
      const segment = graph.segmentsAt[k]!;
      if (segmentBlocked?.[segment]) continue;
      supplied[segment] = 1;
      const next = otherNode(graph, segment, n);
      // A closed valve lets nothing through, but the segment up to it is still supplied.
      if (seen[next] || nodeBlocked[next]) continue;
      seen[next] = 1;
      stack.push(next);
    }
  }
  return supplied;
}

/** Isolate a break on a graph built once (several breaks or re-runs on the same network). */
export function isolateOnGraph(graph: NetworkGraph, brokenSegmentId: string, options: IsolationOptions = {}): IsolationResult {
  const broken = graph.segmentIndex.get(brokenSegmentId);
  if (broken === undefined) throw new IsolationError(`no ${graph.type} segment ${brokenSegmentId} in the network`);
  const inoperable = new Set(options.inoperableValveIds ?? []);
  let sources: number[];
  if (options.sourceNodeIds) {
    sources = [];
    for (const id of options.sourceNodeIds) {
      const n = graph.nodeIndex.get(id);
      if (n === undefined) throw new IsolationError(`source ${id} is not a node of the ${graph.type} network`);
      sources.push(n);
    }
  } else sources = defaultSources(graph);
  const isSource = new Uint8Array(graph.nodeIds.length);
  for (const s of sources) isSource[s] = 1;

  const isValve = (n: number) => graph.assetAt[n]?.kind === 'valve';
  const isClosed = (n: number) => graph.assetAt[n]?.valveState === 'closed';
  // The zone: spread from the broken segment until valves (operable or closed) or sources.
  const inZone = new Uint8Array(graph.segmentIds.length);
  const nodeSeen = new Uint8Array(graph.nodeIds.length);
  const toClose = new Set<string>();
  const alreadyClosed = new Set<string>();
  const bypassed = new Set<string>();
  const sourcesToShut = new Set<string>();
  inZone[broken] = 1;
  const stack = [graph.fromNode[broken]!, graph.toNode[broken]!];
  while (stack.length) {
    const n = stack.pop()!;
    if (nodeSeen[n]) continue;
    nodeSeen[n] = 1;
    const id = graph.nodeIds[n]!;
    if (isValve(n)) {
      if (isClosed(n)) {
        alreadyClosed.add(id);
        continue;
      }
      if (!inoperable.has(id)) {
        toClose.add(id);
        continue;
      }
      bypassed.add(id);
    }
    if (isSource[n] || isSourceAsset(graph.assetAt[n])) {
      // Line valves cannot stop a source: it is shut where it is, and the zone stops there.
      sourcesToShut.add(id);
      continue;
    }
    for (let k = graph.offsets[n]!; k < graph.offsets[n + 1]!; k++) {
      const segment = graph.segmentsAt[k]!;
      if (inZone[segment]) continue;
      inZone[segment] = 1;
      stack.push(otherNode(graph, segment, n));
    }
  }

  // Supply before and after: closed valves block their node; after, the new closures and the shut sources too.
  const blockedBefore = new Uint8Array(graph.nodeIds.length);
  for (let n = 0; n < graph.nodeIds.length; n++) if (isValve(n) && isClosed(n)) blockedBefore[n] = 1;
  const blockedAfter = blockedBefore.slice();
  for (const id of toClose) blockedAfter[graph.nodeIndex.get(id)!] = 1;
  const remainingSources = sources.filter((s) => !sourcesToShut.has(graph.nodeIds[s]!));
  const before = suppliedSegments(graph, sources, blockedBefore);
  const after = suppliedSegments(graph, remainingSources, blockedAfter, inZone);

  const zoneSegments: string[] = [];
  const outOfSupply: string[] = [];
  const buildings = new Set<string>();
  for (let s = 0; s < graph.segmentIds.length; s++) {
    if (inZone[s]) zoneSegments.push(graph.segmentIds[s]!);
    if (before[s] && !after[s]) {
      outOfSupply.push(graph.segmentIds[s]!);
      for (const n of [graph.fromNode[s]!, graph.toNode[s]!]) {
        const building = graph.assetAt[n]?.buildingId;
        if (building) buildings.add(building);
      }
    }
  }
  const sorted = (values: Iterable<string>) => [...values].sort();
  return {
    brokenSegmentId,
    type: graph.type,
    valvesToClose: sorted(toClose),
    alreadyClosed: sorted(alreadyClosed),
    bypassedValves: sorted(bypassed),
    sourcesToShut: sorted(sourcesToShut),
    zoneSegments: zoneSegments.sort(),
    segmentsOutOfSupply: outOfSupply.sort(),
    buildingsOutOfSupply: sorted(buildings),
  };
}

/** Isolate a break: the broken segment's type decides the network (water, gas …). */
export function isolateBreak(network: PipeNetwork, brokenSegmentId: string, options: IsolationOptions = {}): IsolationResult {
  const segment = network.segments.find((s) => s.id === brokenSegmentId);
  if (!segment) throw new IsolationError(`no segment ${brokenSegmentId} in the network`);
  return isolateOnGraph(buildNetworkGraph(network, segment.type), brokenSegmentId, options);
}

/** The pipes whose valves can cut off the cause of an incident of a type (none: not a pressure-main incident). */
export const ISOLATION_TYPES_BY_INCIDENT: Partial<Record<IncidentType, readonly PipelineType[]>> = {
  'water-main-burst': ['water'],
  'gas-leak': ['gas'],
  'methane-over-limit': ['gas'],
};

/**
 * The segment to isolate for an incident on these assets: a named segment of one of the types,
 * else the largest segment of those types at a named point asset (a pressure drop at a hydrant
 * or a valve points at the main it sits on). Undefined when none of the assets is on such a pipe.
 */
export function suspectedBreak(assetIds: readonly string[], index: NetworkIndex, types: readonly PipelineType[]): PipeSegment | undefined {
  for (const id of assetIds) {
    const segment = index.segmentsById.get(id);
    if (segment && types.includes(segment.type)) return segment;
  }
  const size = (s: PipeSegment) => (s.shape.kind === 'circular' ? s.shape.diameterMillimetres : s.shape.widthMillimetres);
  for (const id of assetIds) {
    if (!index.assetsById.has(id)) continue;
    const candidates = index.segmentsAt(id).filter((s) => types.includes(s.type));
    if (candidates.length > 0) return candidates.reduce((best, s) => (size(s) > size(best) ? s : best));
  }
  return undefined;
}
