/**
 * The network analyses and impact rings on the server, over the networks the NetworkService keeps:
 * the pure modules of src/domain run here unchanged (valve isolation, tracing, the index's
 * connections, cross-section, profile, clearance, cover depth, impact rings, underground spaces).
 * Each answer is IDs plus what the viewer draws (types.ts). Bad input throws NetworkInputError
 * (a 400), an unknown ID NetworkNotFoundError (a 404 naming it).
 */
import { checkClearances, type ClearanceRule } from '../../domain/analysis/clearance.ts';
import clearanceRulesFile from '../../domain/analysis/clearance-rules.json' with { type: 'json' };
import { checkCoverDepth, type CoverRule } from '../../domain/analysis/cover-depth.ts';
import coverRulesFile from '../../domain/analysis/cover-depth-rules.json' with { type: 'json' };
import { crossSection } from '../../domain/analysis/cross-section.ts';
import { longitudinalProfile } from '../../domain/analysis/profile.ts';
import { circleBbox, type Bbox } from '../../domain/assets.ts';
import { assetsNear, buildingsInRings, ringRadii, type ImpactBuilding } from '../../domain/emergency/impact.ts';
import { adjacentUndergroundSpaces } from '../../domain/emergency/underground-spaces.ts';
import { isolateOnGraph, suspectedBreak } from '../../domain/emergency/valve-isolation.ts';
import { traceOnGraph, type TraceDirection } from '../../domain/emergency/tracing.ts';
import { localProjection } from '../../domain/geometry.ts';
import type { IncidentType } from '../../domain/monitoring/incidents.ts';
import { centreElevationMetres, type PipelineType, type PipeSegment } from '../../domain/pipelines.ts';
import type { AssetStore } from '../assets/asset-store.ts';
import type { NetworkService } from './network-service.ts';
import type {
  ClearanceAnswer, ClearanceFinding, ConnectionsAnswer, CoverAnswer, Drawn, DrawnPoint, DrawnSegment, ImpactAnswer, IsolationAnswer, ProfileAnswer, SectionAnswer, SuspectedBreakAnswer, TraceAnswer,
} from '../../domain/network-answers.ts';

export const CLEARANCE_RULES = clearanceRulesFile.rules as ClearanceRule[];
export const COVER_RULES = coverRulesFile.rules as CoverRule[];

/** Types with valves to close: pressure networks. */
export const ISOLATABLE_TYPES: readonly PipelineType[] = ['water', 'gas', 'heat'];
/** Most segments drawn in one answer. */
export const MAXIMUM_DRAWN_SEGMENTS = 5_000;
/** Most IDs in one list of an answer (a trace of a whole city network has 200,000); the counts stay whole. */
export const MAXIMUM_LISTED_IDS = 10_000;
/** Largest side of a clearance or cover bbox, metres. */
export const MAXIMUM_ANALYSIS_BBOX_METRES = 5_000;
/** Longest section line, metres. */
export const MAXIMUM_SECTION_METRES = 2_000;
/** Largest page of findings, buildings or spaces. */
export const MAXIMUM_FINDINGS = 2_000;
/** Clearance candidates are taken this far around the bbox, so pairs across its edge are found. */
const CLEARANCE_MARGIN_METRES = 20;
/** Around an incident, the network is read this far beyond the rings (service pipes to the mains). */
const IMPACT_NETWORK_MARGIN_METRES = 200;
/** Gas incidents: adjacent spaces within this distance of the leak (at most the outer ring). */
const SPACES_RADIUS_METRES = 150;

export class NetworkInputError extends Error {
  readonly statusCode = 400;
}

export class NetworkNotFoundError extends Error {
  readonly statusCode = 404;
}

function timed<T>(run: () => T): [T, number] {
  const started = performance.now();
  const result = run();
  return [result, performance.now() - started];
}

export function drawnSegment(segment: PipeSegment): DrawnSegment {
  return {
    id: segment.id,
    type: segment.type,
    path: segment.path.map(([lon, lat]) => [lon, lat]),
    centreMetres: [centreElevationMetres(0, segment.start, segment.shape), centreElevationMetres(0, segment.end, segment.shape)],
  };
}

/** The middle of a segment's ends at the ground (a marker for a finding on it). */
function middleOf(segment: PipeSegment): DrawnPoint {
  const a = segment.path[0]!;
  const b = segment.path.at(-1)!;
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, 0];
}

function drawn(segments: Iterable<PipeSegment | undefined>, points: DrawnPoint[] = []): Drawn {
  const list: DrawnSegment[] = [];
  let truncated = false;
  for (const segment of segments) {
    if (!segment) continue;
    if (list.length >= MAXIMUM_DRAWN_SEGMENTS) {
      truncated = true;
      break;
    }
    list.push(drawnSegment(segment));
  }
  return { segments: list, points, truncated };
}

function boundsMeet(path: readonly [number, number][], [west, south, east, north]: Bbox): boolean {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon, lat] of path) {
    w = Math.min(w, lon);
    e = Math.max(e, lon);
    s = Math.min(s, lat);
    n = Math.max(n, lat);
  }
  return w <= east && e >= west && s <= north && n >= south;
}

/** A bbox grown by some metres each way. */
export function grownBbox([west, south, east, north]: Bbox, metres: number): Bbox {
  const dLat = metres / 110_574;
  const dLon = metres / (111_320 * Math.cos((((south + north) / 2) * Math.PI) / 180));
  return [Math.max(-180, west - dLon), Math.max(-90, south - dLat), Math.min(180, east + dLon), Math.min(90, north + dLat)];
}

/** Width and height of a bbox, metres (at its middle latitude). */
export function bboxSizeMetres([west, south, east, north]: Bbox): [number, number] {
  return [(east - west) * 111_320 * Math.cos((((south + north) / 2) * Math.PI) / 180), (north - south) * 110_574];
}

function checkAnalysisBbox(bbox: Bbox): void {
  const [width, height] = bboxSizeMetres(bbox);
  if (width > MAXIMUM_ANALYSIS_BBOX_METRES || height > MAXIMUM_ANALYSIS_BBOX_METRES) {
    throw new NetworkInputError(`the bbox is ${Math.round(width)} × ${Math.round(height)} m; an analysis takes at most ${MAXIMUM_ANALYSIS_BBOX_METRES} × ${MAXIMUM_ANALYSIS_BBOX_METRES} m (zoom in, or ask for parts)`);
  }
}

function bboxCentre([west, south, east, north]: Bbox): [number, number] {
  return [(west + east) / 2, (south + north) / 2];
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const inside = ([lon, lat]: readonly number[], [west, south, east, north]: Bbox) => lon! >= west && lon! <= east && lat! >= south && lat! <= north;

/**
 * Clearance findings within a bbox: the clearance check over the segments near it (those meeting
 * the bbox grown by a margin), in metres around the bbox's centre, keeping the findings whose
 * position lies in the bbox. The same whether given every segment or only those near the bbox.
 */
export function clearanceWithin(segments: readonly PipeSegment[], bbox: Bbox): ClearanceFinding[] {
  const near = grownBbox(bbox, CLEARANCE_MARGIN_METRES);
  // In ID order, so the pairs and the order of equal findings do not depend on how the segments were read.
  const candidates = segments.filter((s) => boundsMeet(s.path, near)).sort(byId);
  const { toLocal, toLonLat } = localProjection(...bboxCentre(bbox));
  const types = new Map(candidates.map((s) => [s.id, s.type]));
  return checkClearances(candidates, CLEARANCE_RULES, toLocal)
    .map((v): ClearanceFinding => ({ ...v, typeA: types.get(v.segmentA)!, typeB: types.get(v.segmentB)!, position: [...toLonLat(v.at[0], v.at[1]), v.at[2]] }))
    .filter((v) => inside(v.position, bbox));
}

/** Cover-depth findings of the segments meeting a bbox. */
export function coverWithin(segments: readonly PipeSegment[], bbox: Bbox) {
  return checkCoverDepth(segments.filter((s) => boundsMeet(s.path, bbox)).sort(byId), COVER_RULES);
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAXIMUM_FINDINGS) throw new NetworkInputError(`limit must be an integer from 1 to ${MAXIMUM_FINDINGS}, got ${limit}`);
  return limit;
}

function checkLonLat(point: readonly number[], name: string): [number, number] {
  const [lon, lat] = point;
  if (point.length !== 2 || !Number.isFinite(lon) || !Number.isFinite(lat) || lon! < -180 || lon! > 180 || lat! < -90 || lat! > 90) {
    throw new NetworkInputError(`${name} must be lon,lat in degrees, got ${JSON.stringify(point)}`);
  }
  return [lon!, lat!];
}

export class NetworkAnalyses {
  constructor(readonly service: NetworkService) {}

  private segmentOrThrow(id: string) {
    const found = this.service.segment(id);
    if (found) return found;
    const asset = this.service.asset(id);
    if (asset) throw new NetworkInputError(`${id} is a ${asset.asset.kind}, not a pipe segment`);
    throw new NetworkNotFoundError(`no pipe segment ${JSON.stringify(id)} in the network`);
  }

  /** What a segment or point asset connects to, and the buildings it serves (the pipe panel). */
  connections(id: string, limit = 30): ConnectionsAnswer {
    const network = this.service.networkOf(id);
    const connections = network?.index.connections(id);
    if (!network || !connections) throw new NetworkNotFoundError(`no pipe segment or network asset ${JSON.stringify(id)}`);
    const segment = network.index.segmentsById.get(id);
    const asset = network.index.assetsById.get(id);
    const buildings = network.index.buildingsServed(id);
    const type = (segment ?? asset)!.type;
    return {
      id,
      feature: segment ? 'segment' : 'asset',
      type,
      ...(asset ? { kind: asset.kind } : {}),
      isolatable: segment !== undefined && ISOLATABLE_TYPES.includes(type),
      assets: connections.assets.map((a) => ({ id: a.id, kind: a.kind, type: a.type })),
      segments: connections.segments.slice(0, limit).map((s) => ({ id: s.id, type: s.type })),
      segmentCount: connections.segments.length,
      buildings: buildings.slice(0, limit),
      buildingCount: buildings.length,
    };
  }

  isolation(segmentId: string, inoperableValveIds: readonly string[] = []): IsolationAnswer {
    const { segment, network } = this.segmentOrThrow(segmentId);
    if (!ISOLATABLE_TYPES.includes(segment.type)) throw new NetworkInputError(`valve isolation applies to ${ISOLATABLE_TYPES.join(', ')} mains; ${segmentId} is ${segment.type}`);
    for (const valve of inoperableValveIds) {
      if (!network.index.assetsById.has(valve)) throw new NetworkNotFoundError(`no valve ${JSON.stringify(valve)} in the network of ${segmentId}`);
    }
    const [result, milliseconds] = timed(() => isolateOnGraph(network.graph(segment.type)!, segmentId, { inoperableValveIds }));
    const points = [...result.valvesToClose, ...result.sourcesToShut]
      .map((id) => network.index.assetsById.get(id))
      .filter((a) => a !== undefined)
      .map((a): DrawnPoint => [a.lonDegrees, a.latDegrees, -1]);
    const { zoneSegments, segmentsOutOfSupply, buildingsOutOfSupply } = result;
    return {
      ...result,
      zoneSegments: zoneSegments.slice(0, MAXIMUM_LISTED_IDS),
      segmentsOutOfSupply: segmentsOutOfSupply.slice(0, MAXIMUM_LISTED_IDS),
      buildingsOutOfSupply: buildingsOutOfSupply.slice(0, MAXIMUM_LISTED_IDS),
      zoneSegmentCount: zoneSegments.length,
      segmentsOutOfSupplyCount: segmentsOutOfSupply.length,
      buildingsOutOfSupplyCount: buildingsOutOfSupply.length,
      listsTruncated: [zoneSegments, segmentsOutOfSupply, buildingsOutOfSupply].some((l) => l.length > MAXIMUM_LISTED_IDS),
      inoperableValveIds: [...inoperableValveIds],
      milliseconds,
      drawn: drawn(segmentsOutOfSupply.map((id) => network.index.segmentsById.get(id)), points),
      broken: drawnSegment(segment),
    };
  }

  trace(startId: string, direction: TraceDirection): TraceAnswer {
    const { segment, network } = this.segmentOrThrow(startId);
    const [result, milliseconds] = timed(() => traceOnGraph(network.graph(segment.type)!, startId, direction));
    const { segments, nodes, buildings } = result;
    return {
      direction,
      segments: segments.slice(0, MAXIMUM_LISTED_IDS),
      buildings: buildings.slice(0, MAXIMUM_LISTED_IDS),
      segmentCount: segments.length,
      nodeCount: nodes.length,
      buildingCount: buildings.length,
      listsTruncated: segments.length > MAXIMUM_LISTED_IDS || buildings.length > MAXIMUM_LISTED_IDS,
      startId,
      type: segment.type,
      milliseconds,
      drawn: drawn(segments.map((id) => network.index.segmentsById.get(id))),
      start: drawnSegment(segment),
    };
  }

  section(fromValue: readonly number[], toValue: readonly number[]): SectionAnswer {
    const from = checkLonLat(fromValue, 'from');
    const to = checkLonLat(toValue, 'to');
    const middle: [number, number] = [(from[0] + to[0]) / 2, (from[1] + to[1]) / 2];
    const { toLocal } = localProjection(...middle);
    const [a, b] = [toLocal(...from), toLocal(...to)];
    const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (length > MAXIMUM_SECTION_METRES) throw new NetworkInputError(`the section line is ${Math.round(length)} m; at most ${MAXIMUM_SECTION_METRES} m`);
    const bbox: Bbox = [Math.min(from[0], to[0]), Math.min(from[1], to[1]), Math.max(from[0], to[0]), Math.max(from[1], to[1])];
    const segments = this.service.segmentsIn(bbox);
    const [result, milliseconds] = timed(() => crossSection(segments, from, to, CLEARANCE_RULES, toLocal));
    const byId = new Map(segments.map((s) => [s.id, s]));
    const violating = new Set(result.clearances.filter((c) => c.violation).flatMap((c) => [result.crossings[c.left]!.segmentId, result.crossings[c.right]!.segmentId]));
    return { ...result, from, to, milliseconds, drawn: drawn([...violating].map((id) => byId.get(id))) };
  }

  profile(segmentId: string): ProfileAnswer {
    const { segment, network } = this.segmentOrThrow(segmentId);
    const [result, milliseconds] = timed(() => longitudinalProfile(network.index, segmentId)!);
    return { ...result, startId: segmentId, type: segment.type, milliseconds, drawn: drawn(result.segments.map((s) => network.index.segmentsById.get(s.id))) };
  }

  clearance(bbox: Bbox, limit = 500): ClearanceAnswer {
    checkAnalysisBbox(bbox);
    checkLimit(limit);
    const [found, milliseconds] = timed(() => clearanceWithin(this.service.segmentsIn(grownBbox(bbox, CLEARANCE_MARGIN_METRES)), bbox));
    const violations = found.slice(0, limit);
    const segments = new Map<string, PipeSegment | undefined>();
    for (const v of violations) for (const id of [v.segmentA, v.segmentB]) if (!segments.has(id)) segments.set(id, this.service.segment(id)?.segment);
    return { bbox, total: found.length, truncated: found.length > limit, violations, milliseconds, drawn: drawn(segments.values(), violations.map((v) => v.position)) };
  }

  cover(bbox: Bbox, limit = 500): CoverAnswer {
    checkAnalysisBbox(bbox);
    checkLimit(limit);
    const candidates = this.service.segmentsIn(bbox);
    const [found, milliseconds] = timed(() => coverWithin(candidates, bbox));
    const byId = new Map(candidates.map((s) => [s.id, s]));
    const findings = found.slice(0, limit).map((f) => ({ ...f, position: middleOf(byId.get(f.segmentId)!) }));
    return { bbox, total: found.length, truncated: found.length > limit, findings, milliseconds, drawn: drawn(findings.map((f) => byId.get(f.segmentId)), findings.map((f) => f.position)) };
  }

  /** The main to isolate for an incident on these assets (EmergencyCommand's suspected break). */
  suspectedBreak(assetIds: readonly string[], types: readonly PipelineType[]): SuspectedBreakAnswer {
    const known = assetIds.filter((id) => this.service.networkOf(id));
    if (known.length === 0) throw new NetworkNotFoundError(`none of ${assetIds.map((id) => JSON.stringify(id)).join(', ')} is in the pipe network`);
    for (const network of this.service.networks) {
      const segment = suspectedBreak(known, network.index, types);
      if (segment) return { segment: drawnSegment(segment) };
    }
    return { segment: null };
  }
}

export interface ImpactQuery {
  lon: number;
  lat: number;
  type: IncidentType;
  /** Buildings per ring (a page), and spaces. */
  limit: number;
  offset: number;
}

const asNumber = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : undefined);

/**
 * The impact of an incident at a place: per ring the buildings (from the asset store, streamed
 * from the outer ring's bbox), their count and estimated occupancy and a page of them; the pipes,
 * valves and manholes nearby; for gas, the adjacent underground spaces.
 */
export async function incidentImpact(store: AssetStore, service: NetworkService | undefined, query: ImpactQuery): Promise<ImpactAnswer> {
  const started = performance.now();
  const { lon, lat, type, limit, offset } = query;
  const radii = ringRadii(type);
  const outer = radii[radii.length - 1]!;
  const buildings: ImpactBuilding[] = [];
  for await (const asset of store.streamAssets({ kinds: ['building'], bbox: circleBbox(lon, lat, outer) })) {
    const a = asset.attributes;
    const building: ImpactBuilding = { id: asset.id, lonDegrees: asset.position[0], latDegrees: asset.position[1] };
    if (asset.name) building.name = asset.name;
    if (typeof a.use === 'string' && a.use) building.use = a.use;
    const floors = asNumber(a.floors);
    const height = asNumber(a.height);
    const footprint = asNumber(a.footprint);
    if (floors !== undefined) building.floors = floors;
    if (height !== undefined) building.heightMetres = height;
    if (footprint !== undefined) building.footprintSquareMetres = footprint;
    buildings.push(building);
  }
  const rings = buildingsInRings(buildings, lon, lat, radii);
  const near = service?.networkIn(circleBbox(lon, lat, outer + IMPACT_NETWORK_MARGIN_METRES)) ?? { segments: [], assets: [] };
  const nearby = assetsNear(near, lon, lat, outer);
  const isGas = type === 'gas-leak' || type === 'methane-over-limit';
  const spaces = isGas && service ? adjacentUndergroundSpaces(near, { lonDegrees: lon, latDegrees: lat }, buildings, { radiusMetres: Math.min(outer, SPACES_RADIUS_METRES) }) : undefined;
  return {
    lon,
    lat,
    type,
    radii,
    rings: rings.map((ring) => ({
      innerMetres: ring.innerMetres,
      outerMetres: ring.outerMetres,
      buildingCount: ring.buildings.length,
      occupancy: ring.occupancy,
      buildings: ring.buildings.slice(offset, offset + limit),
      truncated: ring.buildings.length > offset + limit,
    })),
    nearby: {
      segments: nearby.filter((a) => a.kind === 'segment').length,
      valves: nearby.filter((a) => a.kind === 'valve').length,
      chambers: nearby.filter((a) => a.kind === 'manhole' || a.kind === 'well').length,
      total: nearby.length,
    },
    ...(spaces ? { spaces: { total: spaces.length, items: spaces.slice(0, limit) } } : {}),
    milliseconds: performance.now() - started,
  };
}

