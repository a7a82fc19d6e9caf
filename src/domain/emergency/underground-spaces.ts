/**
 * Adjacent underground spaces at risk from a gas leak (相邻地下空间; the lesson of Hefei 2021,
 * where gas from a leaking main collected in a rainwater culvert and exploded): the manholes
 * and wells, drainage, telecom and power conduits, utility tunnels and building basements within
 * a distance of the leak, ranked by how gas would reach them, then by distance:
 *
 *  1. same trench: a conduit running alongside the leaking main (parallel, within a lateral
 *     offset), whose bedding and backfill carry gas along it;
 *  2. crossing: a conduit crossing the leaking main;
 *  3. service entry: a basement of a building the gas network serves from the mains near the leak;
 *  4. nearby: within the distance, with no such path.
 *
 * A manhole or well takes the strongest connection of the conduits it sits on. Pure.
 */
import { localProjection } from '../geometry.ts';
import type { PipeNetwork, PipeSegment, PipelineType, PointAssetKind } from '../pipelines.ts';
import type { ImpactBuilding } from './impact.ts';

export const SPACE_CONNECTIONS = ['same-trench', 'crossing', 'service-entry', 'nearby'] as const;
export type SpaceConnection = (typeof SPACE_CONNECTIONS)[number];

export interface AdjacentSpace {
  id: string;
  kind: 'conduit' | 'utility-tunnel' | 'basement' | Extract<PointAssetKind, 'manhole' | 'well'>;
  type?: PipelineType;
  distanceMetres: number;
  connection: SpaceConnection;
}

export interface AdjacentSpaceOptions {
  /** How far from the leak to look, metres (default 100). */
  radiusMetres?: number;
  /** Gas mains within this distance of the leak count as leaking (default 30 m). */
  leakSpreadMetres?: number;
  /** Lateral offset within which a parallel conduit shares the main's trench (default 3 m). */
  trenchOffsetMetres?: number;
  /** Largest angle between the two for "parallel" (default 15°). */
  parallelDegrees?: number;
  /** Whether a building has a basement; default (assumed): seven floors or more, or a height over 21 m. */
  hasBasement?(building: ImpactBuilding): boolean;
}

/** Types whose conduits and chambers gas can travel into. */
const CONDUIT_TYPES: readonly PipelineType[] = ['drainage-storm', 'drainage-sewage', 'telecom', 'power', 'utility-tunnel', 'heat'];

type Point = [number, number];

function closestOnSegment(p: Point, a: Point, b: Point): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / lengthSquared));
  return Math.hypot(a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
}

function pathDistance(p: Point, path: Point[]): number {
  let nearest = Infinity;
  for (let i = 0; i + 1 < path.length; i++) nearest = Math.min(nearest, closestOnSegment(p, path[i]!, path[i + 1]!));
  return nearest;
}

function crosses(a: Point, b: Point, c: Point, d: Point): boolean {
  const cross = (o: Point, p: Point, q: Point) => (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0]);
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

/** Connection of a conduit path to the leaking mains. */
function connectionOf(path: Point[], mains: Point[][], trenchOffset: number, parallelCos: number): SpaceConnection {
  let best: SpaceConnection = 'nearby';
  for (const main of mains) {
    for (let i = 0; i + 1 < path.length; i++) {
      const [a, b] = [path[i]!, path[i + 1]!];
      for (let j = 0; j + 1 < main.length; j++) {
        const [c, d] = [main[j]!, main[j + 1]!];
        const u = [b[0] - a[0], b[1] - a[1]];
        const v = [d[0] - c[0], d[1] - c[1]];
        const lengths = Math.hypot(u[0]!, u[1]!) * Math.hypot(v[0]!, v[1]!);
        const parallel = lengths > 0 && Math.abs(u[0]! * v[0]! + u[1]! * v[1]!) / lengths >= parallelCos;
        // Alongside: parallel, and the conduit's piece lies within the offset of the main's (either end or its middle).
        const middle: Point = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
        if (parallel && Math.min(closestOnSegment(a, c, d), closestOnSegment(b, c, d), closestOnSegment(middle, c, d)) <= trenchOffset) return 'same-trench';
        if (crosses(a, b, c, d)) best = 'crossing';
      }
    }
  }
  return best;
}

const RANK: Record<SpaceConnection, number> = { 'same-trench': 0, crossing: 1, 'service-entry': 2, nearby: 3 };

export function adjacentUndergroundSpaces(network: PipeNetwork, leak: { lonDegrees: number; latDegrees: number }, buildings: Iterable<ImpactBuilding>, options: AdjacentSpaceOptions = {}): AdjacentSpace[] {
  const radius = options.radiusMetres ?? 100;
  const spread = options.leakSpreadMetres ?? 30;
  const trenchOffset = options.trenchOffsetMetres ?? 3;
  const parallelCos = Math.cos(((options.parallelDegrees ?? 15) * Math.PI) / 180);
  const hasBasement = options.hasBasement ?? ((b: ImpactBuilding) => (b.floors ?? 0) >= 7 || (b.heightMetres ?? 0) > 21);
  const { toLocal } = localProjection(leak.lonDegrees, leak.latDegrees);
  const origin: Point = [0, 0];
  const local = (segment: PipeSegment): Point[] => segment.path.map(([lon, lat]) => toLocal(lon, lat));

  const leakingMains = network.segments.filter((s) => s.type === 'gas' && pathDistance(origin, local(s)) <= spread);
  const mains = leakingMains.map(local);
  // Buildings fed by gas service pipes from the leaking mains' nodes.
  const mainNodes = new Set(leakingMains.flatMap((s) => [s.fromNodeId, s.toNodeId]));
  const assetsById = new Map(network.assets.map((a) => [a.id, a]));
  const servedByLeakingMains = new Set<string>();
  for (const s of network.segments) {
    if (s.type !== 'gas') continue;
    for (const [near, far] of [[s.fromNodeId, s.toNodeId], [s.toNodeId, s.fromNodeId]] as const) {
      const building = assetsById.get(far)?.buildingId;
      if (mainNodes.has(near) && building) servedByLeakingMains.add(building);
    }
  }

  const found: AdjacentSpace[] = [];
  const segmentConnection = new Map<string, SpaceConnection>();
  const segmentsByNode = new Map<string, PipeSegment[]>();
  for (const segment of network.segments) {
    if (!CONDUIT_TYPES.includes(segment.type)) continue;
    for (const node of [segment.fromNodeId, segment.toNodeId]) {
      const list = segmentsByNode.get(node);
      if (list) list.push(segment);
      else segmentsByNode.set(node, [segment]);
    }
    const path = local(segment);
    const distanceMetres = pathDistance(origin, path);
    if (distanceMetres > radius) continue;
    const connection = connectionOf(path, mains, trenchOffset, parallelCos);
    segmentConnection.set(segment.id, connection);
    found.push({ id: segment.id, kind: segment.type === 'utility-tunnel' ? 'utility-tunnel' : 'conduit', type: segment.type, distanceMetres, connection });
  }
  for (const asset of network.assets) {
    if ((asset.kind !== 'manhole' && asset.kind !== 'well') || asset.type === 'gas') continue;
    const distanceMetres = Math.hypot(...toLocal(asset.lonDegrees, asset.latDegrees));
    if (distanceMetres > radius) continue;
    let connection: SpaceConnection = 'nearby';
    for (const segment of segmentsByNode.get(asset.id) ?? []) {
      const c = segmentConnection.get(segment.id) ?? connectionOf(local(segment), mains, trenchOffset, parallelCos);
      if (RANK[c] < RANK[connection]) connection = c;
    }
    found.push({ id: asset.id, kind: asset.kind, type: asset.type, distanceMetres, connection });
  }
  for (const building of buildings) {
    const distanceMetres = Math.hypot(...toLocal(building.lonDegrees, building.latDegrees));
    if (distanceMetres > radius || !hasBasement(building)) continue;
    found.push({ id: building.id, kind: 'basement', distanceMetres, connection: servedByLeakingMains.has(building.id) ? 'service-entry' : 'nearby' });
  }
  return found.sort((a, b) => RANK[a.connection] - RANK[b.connection] || a.distanceMetres - b.distanceMetres || a.id.localeCompare(b.id));
}
