/**
 * What the network and impact routes answer (src/server/network/routes.ts), shared with the
 * viewer's client (src/api/network.ts). Every answer carries IDs plus the geometry the viewer
 * draws: lon/lat degrees, heights in metres relative to the ground (the tiles' datum).
 */
import type { AffectedBuilding } from './emergency/impact.ts';
import type { IsolationResult } from './emergency/valve-isolation.ts';
import type { TraceDirection, TraceResult } from './emergency/tracing.ts';
import type { AdjacentSpace } from './emergency/underground-spaces.ts';
import type { ClearanceViolation } from './analysis/clearance.ts';
import type { CoverFinding } from './analysis/cover-depth.ts';
import type { CrossSection } from './analysis/cross-section.ts';
import type { LongitudinalProfile } from './analysis/profile.ts';
import type { Bbox } from './assets.ts';
import type { PipelineType } from './pipelines.ts';

export type { TraceDirection } from './emergency/tracing.ts';

/** A segment to draw: its path and its centre-line height at each end (relative to the ground). */
export interface DrawnSegment {
  id: string;
  type: PipelineType;
  path: [number, number][];
  centreMetres: [start: number, end: number];
}

/** A marker: [lon, lat, height relative to the ground]. */
export type DrawnPoint = [number, number, number];

export interface Drawn {
  segments: DrawnSegment[];
  points: DrawnPoint[];
  /** More segments were found than are drawn (the lists of IDs are whole). */
  truncated: boolean;
}

export interface NetworkSummaryAnswer {
  datasets: { dataset: string; segments: number; assets: number }[];
  segments: number;
  assets: number;
}

export interface ConnectionsAnswer {
  id: string;
  /** A pipe segment, or a point asset (a valve, a manhole…). */
  feature: 'segment' | 'asset';
  type: PipelineType;
  /** The point asset's kind (for an asset). */
  kind?: string;
  /** Whether valve isolation applies (a water, gas or heat segment). */
  isolatable: boolean;
  assets: { id: string; kind: string; type: PipelineType }[];
  /** The segments joined to it (at most `limit`; `segmentCount` is all of them). */
  segments: { id: string; type: PipelineType }[];
  segmentCount: number;
  buildings: string[];
  buildingCount: number;
}

/** How many IDs each list holds in full, where an answer's lists are cut to MAXIMUM_LISTED_IDS. */
export interface ListCounts {
  /** Some list held more IDs than the answer carries (the counts are whole). */
  listsTruncated: boolean;
}

export interface IsolationAnswer extends IsolationResult, ListCounts {
  zoneSegmentCount: number;
  segmentsOutOfSupplyCount: number;
  buildingsOutOfSupplyCount: number;
  inoperableValveIds: string[];
  milliseconds: number;
  /** What loses supply (orange), markers on the valves to close and the sources to shut. */
  drawn: Drawn;
  /** The broken segment (the view's focus). */
  broken: DrawnSegment;
}

export interface TraceAnswer extends Omit<TraceResult, 'nodes'>, ListCounts {
  segmentCount: number;
  nodeCount: number;
  buildingCount: number;
  startId: string;
  type: PipelineType;
  milliseconds: number;
  drawn: Drawn;
  start: DrawnSegment;
}

export interface SectionAnswer extends CrossSection {
  from: [number, number];
  to: [number, number];
  milliseconds: number;
  /** The segments of the clearances below the rules. */
  drawn: Drawn;
}

export interface ProfileAnswer extends LongitudinalProfile {
  startId: string;
  type: PipelineType;
  milliseconds: number;
  drawn: Drawn;
}

export interface ClearanceFinding extends ClearanceViolation {
  typeA: PipelineType;
  typeB: PipelineType;
  /** Where: [lon, lat, height] of the closest points' midpoint. */
  position: DrawnPoint;
}

export interface ClearanceAnswer {
  bbox: Bbox;
  /** Findings in the bbox; `violations` holds the worst `limit` of them. */
  total: number;
  truncated: boolean;
  violations: ClearanceFinding[];
  milliseconds: number;
  drawn: Drawn;
}

export interface CoverAnswer {
  bbox: Bbox;
  total: number;
  truncated: boolean;
  findings: (CoverFinding & { position: DrawnPoint })[];
  milliseconds: number;
  drawn: Drawn;
}

export interface SuspectedBreakAnswer {
  /** The main to isolate, or null when none of the assets is on a main of the types. */
  segment: DrawnSegment | null;
}

export interface ImpactRingAnswer {
  innerMetres: number;
  outerMetres: number;
  buildingCount: number;
  occupancy: number;
  /** A page of the ring's buildings, nearest first (offset, limit). */
  buildings: AffectedBuilding[];
  truncated: boolean;
}

export interface ImpactAnswer {
  lon: number;
  lat: number;
  type: string;
  radii: number[];
  rings: ImpactRingAnswer[];
  /** Pipe segments, valves and manholes or wells within the outer ring, and every network asset there. */
  nearby: { segments: number; valves: number; chambers: number; total: number };
  /** Gas incidents: the adjacent underground spaces (相邻地下空间), ranked; the first `limit`. */
  spaces?: { total: number; items: AdjacentSpace[] };
  milliseconds: number;
}

export const TRACE_DIRECTIONS: readonly TraceDirection[] = ['upstream', 'downstream', 'connected'];
