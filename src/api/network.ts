/**
 * The viewer's client of the network and impact API (src/server/network/routes.ts): every
 * analysis runs on the server, over the network it loaded once; the viewer gets IDs and the
 * geometry to draw, bounded by an ID, a bbox or a page. It never downloads the network.
 */
import type { Bbox } from '../domain/assets.ts';
import type { IncidentType } from '../domain/monitoring/incidents.ts';
import type { PipelineType } from '../domain/pipelines.ts';
import type {
  ClearanceAnswer, ConnectionsAnswer, CoverAnswer, ImpactAnswer, IsolationAnswer, ProfileAnswer, SectionAnswer, SuspectedBreakAnswer, TraceAnswer, TraceDirection,
} from '../domain/network-answers.ts';
import { apiUrl, getJson } from './http.ts';

export type {
  ClearanceAnswer, ClearanceFinding, ConnectionsAnswer, CoverAnswer, Drawn, DrawnPoint, DrawnSegment, ImpactAnswer, ImpactRingAnswer, IsolationAnswer, ProfileAnswer, SectionAnswer,
  SuspectedBreakAnswer, TraceAnswer, TraceDirection,
} from '../domain/network-answers.ts';

type Options = { signal?: AbortSignal };

/** Types with valves to close (pressure networks): as the server's ISOLATABLE_TYPES. */
export const ISOLATABLE_TYPES: readonly PipelineType[] = ['water', 'gas', 'heat'];

const lonLat = (point: readonly [number, number]) => `${point[0]},${point[1]}`;

export function networkConnections(base: string, id: string, options: Options = {}): Promise<ConnectionsAnswer> {
  return getJson(apiUrl(base, `network/connections/${encodeURIComponent(id)}`), options);
}

export function valveIsolation(base: string, segmentId: string, inoperableValveIds: readonly string[] = [], options: Options = {}): Promise<IsolationAnswer> {
  return getJson(apiUrl(base, 'network/isolation', { segment: segmentId, inoperable: inoperableValveIds.length ? inoperableValveIds.join(',') : undefined }), options);
}

export function networkTrace(base: string, fromId: string, direction: TraceDirection, options: Options = {}): Promise<TraceAnswer> {
  return getJson(apiUrl(base, 'network/trace', { from: fromId, direction }), options);
}

export function crossSectionBetween(base: string, from: readonly [number, number], to: readonly [number, number], options: Options = {}): Promise<SectionAnswer> {
  return getJson(apiUrl(base, 'network/section', { from: lonLat(from), to: lonLat(to) }), options);
}

export function profileFrom(base: string, segmentId: string, options: Options = {}): Promise<ProfileAnswer> {
  return getJson(apiUrl(base, 'network/profile', { segment: segmentId }), options);
}

export function clearanceWithin(base: string, bbox: Bbox, options: Options & { limit?: number } = {}): Promise<ClearanceAnswer> {
  return getJson(apiUrl(base, 'network/clearance', { bbox: bbox.join(','), limit: options.limit }), options);
}

export function coverWithin(base: string, bbox: Bbox, options: Options & { limit?: number } = {}): Promise<CoverAnswer> {
  return getJson(apiUrl(base, 'network/cover', { bbox: bbox.join(','), limit: options.limit }), options);
}

export function suspectedBreak(base: string, assetIds: readonly string[], incidentType: IncidentType, options: Options = {}): Promise<SuspectedBreakAnswer> {
  return getJson(apiUrl(base, 'network/suspected-break', { assets: assetIds.join(','), incidentType }), options);
}

export function incidentImpact(base: string, lon: number, lat: number, type: IncidentType, options: Options & { limit?: number; offset?: number } = {}): Promise<ImpactAnswer> {
  return getJson(apiUrl(base, 'impact', { lon, lat, type, limit: options.limit, offset: options.offset }), options);
}

/** Half the side of the square around the view's centre that the clearance and cover checks cover, metres. */
export const ANALYSIS_HALF_SIDE_METRES = 2_000;

/** The square bbox of `halfSideMetres` each way around a place (the server takes at most 5 × 5 km). */
export function bboxAround(lon: number, lat: number, halfSideMetres = ANALYSIS_HALF_SIDE_METRES): Bbox {
  const dLat = halfSideMetres / 110_574;
  const dLon = halfSideMetres / (111_320 * Math.cos((lat * Math.PI) / 180));
  return [lon - dLon, lat - dLat, lon + dLon, lat + dLat];
}
