/**
 * Longitudinal profile (纵断面) along a run of connected segments of one type: from a chosen
 * segment the run continues through each node into the same-type segment that turns least
 * (under 45°), both ways. The result gives stations along the run, pipe top and invert at each
 * end, grades and the nodes (manholes with their depths) — what a 纵断面图 draws. Drainage runs
 * are given in their direction of flow.
 */
import { pathLengthMetres } from '../geometry.ts';
import type { NetworkIndex } from '../network-index.ts';
import { centreElevationMetres, shapeHeightMetres, type PipeSegment, type PointAsset } from '../pipelines.ts';

export interface ProfileSegment {
  id: string;
  startStationMetres: number;
  endStationMetres: number;
  /** Elevations (ground = 0 unless the nodes carry a ground elevation), metres. */
  startTopMetres: number;
  startInvertMetres: number;
  endTopMetres: number;
  endInvertMetres: number;
  heightMetres: number;
  /** Fall along the run, per mille (positive when the pipe falls in the run's direction). */
  gradePerMille: number;
  /** Whether the segment's own from→to direction runs with the profile. */
  forward: boolean;
}

export interface ProfileNode {
  id: string;
  stationMetres: number;
  asset?: PointAsset;
  groundElevationMetres: number;
}

export interface LongitudinalProfile {
  lengthMetres: number;
  segments: ProfileSegment[];
  nodes: ProfileNode[];
}

const MAXIMUM_TURN_DEGREES = 45;

function bearing(path: readonly (readonly [number, number])[], atStart: boolean): number {
  const [p, q] = atStart ? [path[0]!, path[1]!] : [path[path.length - 2]!, path[path.length - 1]!];
  const metresPerDegreeLongitude = Math.cos((p[1] * Math.PI) / 180);
  return Math.atan2(q[1] - p[1], (q[0] - p[0]) * metresPerDegreeLongitude);
}

/** Bearing of a segment leaving a node (into the segment). */
function leaving(segment: PipeSegment, nodeId: string): number {
  if (segment.fromNodeId === nodeId) return bearing(segment.path, true);
  return bearing(segment.path, false) + Math.PI;
}

function turn(a: number, b: number): number {
  let d = Math.abs(a - b) % (2 * Math.PI);
  if (d > Math.PI) d = 2 * Math.PI - d;
  return (d * 180) / Math.PI;
}

/** The segments of the run through `start`, in order, each with its direction along the run. */
export function profileRun(index: NetworkIndex, startId: string, maximumSegments = 80): { segment: PipeSegment; forward: boolean }[] | undefined {
  const start = index.segmentsById.get(startId);
  if (!start) return undefined;
  const used = new Set<PipeSegment>([start]);
  const extend = (node: string, arriving: PipeSegment): { segment: PipeSegment; node: string }[] => {
    const steps: { segment: PipeSegment; node: string }[] = [];
    let current = arriving;
    let at = node;
    while (used.size < maximumSegments) {
      const heading = leaving(current, at) + Math.PI; // the direction of travel arriving at `at`
      let best: PipeSegment | undefined;
      let bestTurn = MAXIMUM_TURN_DEGREES;
      for (const candidate of index.segmentsAt(at)) {
        if (used.has(candidate) || candidate.type !== start.type) continue;
        const t = turn(leaving(candidate, at), heading);
        if (t < bestTurn) {
          bestTurn = t;
          best = candidate;
        }
      }
      if (!best) break;
      used.add(best);
      steps.push({ segment: best, node: at });
      at = index.otherEnd(best, at);
      current = best;
    }
    return steps;
  };
  const ahead = extend(start.toNodeId, start).map(({ segment, node }) => ({ segment, forward: segment.fromNodeId === node }));
  const behind = extend(start.fromNodeId, start).map(({ segment, node }) => ({ segment, forward: segment.toNodeId === node })).reverse();
  return [...behind, { segment: start, forward: true }, ...ahead];
}

export function longitudinalProfile(index: NetworkIndex, startId: string, maximumSegments = 80): LongitudinalProfile | undefined {
  let run = profileRun(index, startId, maximumSegments);
  if (!run) return undefined;
  // Gravity pipes are drawn in their direction of flow, downhill, whichever way they were digitised.
  const first = run[0]!;
  const last = run.at(-1)!;
  if (first.segment.type.startsWith('drainage')) {
    const entry = first.forward ? first.segment.start : first.segment.end;
    const exit = last.forward ? last.segment.end : last.segment.start;
    if (centreElevationMetres(0, entry, first.segment.shape) < centreElevationMetres(0, exit, last.segment.shape)) run = run.map(({ segment, forward }) => ({ segment, forward: !forward })).reverse();
  }
  const segments: ProfileSegment[] = [];
  const nodes: ProfileNode[] = [];
  let station = 0;
  const ground = (nodeId: string) => index.assetsById.get(nodeId)?.groundElevationMetres ?? 0;
  const addNode = (id: string) => nodes.push({ id, stationMetres: station, asset: index.assetsById.get(id), groundElevationMetres: ground(id) });
  run.forEach(({ segment, forward }, i) => {
    const [firstNode, lastNode] = forward ? [segment.fromNodeId, segment.toNodeId] : [segment.toNodeId, segment.fromNodeId];
    const [firstPosition, lastPosition] = forward ? [segment.start, segment.end] : [segment.end, segment.start];
    if (i === 0) addNode(firstNode);
    const length = pathLengthMetres(segment.path);
    const height = shapeHeightMetres(segment.shape);
    const startCentre = centreElevationMetres(ground(firstNode), firstPosition, segment.shape);
    const endCentre = centreElevationMetres(ground(lastNode), lastPosition, segment.shape);
    segments.push({
      id: segment.id,
      startStationMetres: station,
      endStationMetres: station + length,
      startTopMetres: startCentre + height / 2,
      startInvertMetres: startCentre - height / 2,
      endTopMetres: endCentre + height / 2,
      endInvertMetres: endCentre - height / 2,
      heightMetres: height,
      gradePerMille: length > 0 ? ((startCentre - endCentre) / length) * 1000 : 0,
      forward,
    });
    station += length;
    addNode(lastNode);
  });
  return { lengthMetres: station, segments, nodes };
}
