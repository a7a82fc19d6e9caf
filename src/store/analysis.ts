/**
 * The planner's pipeline analyses (section 横断面, clearance 净距, cover 覆土, profile 纵断面):
 * the loaded network, the open tool, its result, and what the engine highlights in 3D. The
 * actions call the pure functions of src/domain/analysis; the engine only draws what is here.
 */
import type { StoreApi } from 'zustand/vanilla';
import { checkClearances, type ClearanceRule, type ClearanceViolation } from '../domain/analysis/clearance.ts';
import clearanceRulesFile from '../domain/analysis/clearance-rules.json';
import { checkCoverDepth, type CoverFinding, type CoverRule } from '../domain/analysis/cover-depth.ts';
import coverRulesFile from '../domain/analysis/cover-depth-rules.json';
import { crossSection, type CrossSection } from '../domain/analysis/cross-section.ts';
import { longitudinalProfile, type LongitudinalProfile } from '../domain/analysis/profile.ts';
import { NetworkIndex, networkProjection } from '../domain/network-index.ts';
import type { PipeNetwork, PipelineType } from '../domain/pipelines.ts';
import { buildNetworkGraph, type NetworkGraph } from '../domain/emergency/network-graph.ts';
import { isolateOnGraph, type IsolationResult } from '../domain/emergency/valve-isolation.ts';
import { traceOnGraph, type TraceDirection, type TraceResult } from '../domain/emergency/tracing.ts';

export const CLEARANCE_RULES = clearanceRulesFile.rules as ClearanceRule[];
export const COVER_RULES = coverRulesFile.rules as CoverRule[];

export type AnalysisTool = 'section' | 'clearance' | 'cover' | 'profile' | 'isolation' | 'trace';

/** Types with valves to close: pressure networks. */
export const ISOLATABLE_TYPES: readonly PipelineType[] = ['water', 'gas', 'heat'];
type LonLat = [number, number];

export interface LoadedNetwork {
  index: NetworkIndex;
  toLocal: (lon: number, lat: number) => [number, number];
  toLonLat: (x: number, y: number) => [number, number];
}

export type NetworkState = { status: 'idle' | 'loading' } | { status: 'ready'; network: LoadedNetwork } | { status: 'error'; error: string };

export interface AnalysisHighlight {
  /** Segments drawn over in 3D (violations, shortfalls, the profile run). */
  segmentIds: string[];
  /** Marked positions (lon, lat, elevation relative to the ground). */
  points: [number, number, number][];
  /** The one finding the user picked: shown stronger and flown to. */
  focus?: { segmentIds: string[]; point?: [number, number, number] };
}

export interface AnalysisSlice {
  network: NetworkState;
  tool?: AnalysisTool;
  /** Section line: one point while drawing, two when drawn. */
  sectionPoints: LonLat[];
  section?: CrossSection;
  clearance?: ClearanceViolation[];
  cover?: CoverFinding[];
  profile?: LongitudinalProfile & { startId: string };
  /** Valve isolation of a break, with the valves marked inoperable for this run. */
  isolation?: IsolationResult & { inoperableValveIds: string[] };
  /** Connectivity, upstream or downstream trace from a segment. */
  trace?: TraceResult & { startId: string };
  highlight?: AnalysisHighlight;
  /** Milliseconds the last analysis took (shown to the planner; large networks are slower). */
  analysisMilliseconds?: number;
  setNetworkState(state: NetworkState): void;
  openTool(tool: AnalysisTool | undefined): void;
  addSectionPoint(point: LonLat): void;
  runClearance(): void;
  runCover(): void;
  runProfile(segmentId: string): void;
  /** Valve isolation (关阀分析) of a break on this segment; `inoperableValveIds` are passed through. */
  runIsolation(segmentId: string, inoperableValveIds?: string[]): void;
  /** Trace along the segment's network: connected, upstream or downstream (drainage follows its flow). */
  runTrace(segmentId: string, direction: TraceDirection): void;
  /** Mark a valve of the current isolation inoperable (or operable again) and re-run. */
  toggleInoperableValve(valveId: string): void;
  focusFinding(focus: AnalysisHighlight['focus']): void;
}

export function loadedNetwork(network: PipeNetwork): LoadedNetwork {
  return { index: new NetworkIndex(network), ...networkProjection(network) };
}

type Set = StoreApi<AnalysisSlice>['setState'];
type Get = StoreApi<AnalysisSlice>['getState'];

const cleared = { section: undefined, clearance: undefined, cover: undefined, profile: undefined, isolation: undefined, trace: undefined, highlight: undefined, sectionPoints: [], analysisMilliseconds: undefined };

function timed<T>(run: () => T): { result: T; milliseconds: number } {
  const started = performance.now();
  const result = run();
  return { result, milliseconds: performance.now() - started };
}

/** The segment's centre-line position at its middle, for markers (elevation relative to the ground). */
function middleOf(network: LoadedNetwork, segmentId: string): [number, number, number] | undefined {
  const segment = network.index.segmentsById.get(segmentId);
  if (!segment) return undefined;
  const a = segment.path[0]!;
  const b = segment.path.at(-1)!;
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, 0];
}

/** Graphs per network and type, built on first use (a network is replaced, never changed). */
const graphs = new WeakMap<PipeNetwork, Map<PipelineType, NetworkGraph>>();
function graphOf(network: PipeNetwork, type: PipelineType): NetworkGraph {
  let byType = graphs.get(network);
  if (!byType) graphs.set(network, (byType = new Map()));
  let graph = byType.get(type);
  if (!graph) byType.set(type, (graph = buildNetworkGraph(network, type)));
  return graph;
}

export const analysisSlice = (set: Set, get: Get): AnalysisSlice => {
  const ready = (): LoadedNetwork | undefined => {
    const state = get().network;
    return state.status === 'ready' ? state.network : undefined;
  };
  return {
    network: { status: 'idle' },
    tool: undefined,
    sectionPoints: [],
    setNetworkState: (network) => set({ network }),
    openTool: (tool) => set({ tool, ...cleared }),
    addSectionPoint: (point) => {
      const points = get().sectionPoints.length >= 2 ? [point] : [...get().sectionPoints, point];
      const network = ready();
      if (points.length < 2 || !network) {
        set({ sectionPoints: points, section: undefined, highlight: undefined });
        return;
      }
      const { result, milliseconds } = timed(() => crossSection(network.index.network.segments, points[0]!, points[1]!, CLEARANCE_RULES, network.toLocal));
      const violating = result.clearances.filter((c) => c.violation).flatMap((c) => [result.crossings[c.left]!.segmentId, result.crossings[c.right]!.segmentId]);
      set({ sectionPoints: points, section: result, analysisMilliseconds: milliseconds, highlight: { segmentIds: [...new Set(violating)], points: [] } });
    },
    runClearance: () => {
      const network = ready();
      if (!network) return;
      const { result, milliseconds } = timed(() => checkClearances(network.index.network.segments, CLEARANCE_RULES, network.toLocal));
      const points = result.map((v): [number, number, number] => [...network.toLonLat(v.at[0], v.at[1]), v.at[2]]);
      set({ tool: 'clearance', clearance: result, analysisMilliseconds: milliseconds, highlight: { segmentIds: [...new Set(result.flatMap((v) => [v.segmentA, v.segmentB]))], points } });
    },
    runCover: () => {
      const network = ready();
      if (!network) return;
      const { result, milliseconds } = timed(() => checkCoverDepth(network.index.network.segments, COVER_RULES));
      const points = result.map((f) => middleOf(network, f.segmentId)).filter((p): p is [number, number, number] => p !== undefined);
      set({ tool: 'cover', cover: result, analysisMilliseconds: milliseconds, highlight: { segmentIds: result.map((f) => f.segmentId), points } });
    },
    runProfile: (segmentId) => {
      const network = ready();
      if (!network) return;
      const { result, milliseconds } = timed(() => longitudinalProfile(network.index, segmentId));
      if (!result) return;
      set({ ...cleared, tool: 'profile', profile: { ...result, startId: segmentId }, analysisMilliseconds: milliseconds, highlight: { segmentIds: result.segments.map((s) => s.id), points: [] } });
    },
    runIsolation: (segmentId, inoperableValveIds = []) => {
      const network = ready();
      const segment = network?.index.segmentsById.get(segmentId);
      if (!network || !segment || !ISOLATABLE_TYPES.includes(segment.type)) return;
      const { result, milliseconds } = timed(() => isolateOnGraph(graphOf(network.index.network, segment.type), segmentId, { inoperableValveIds }));
      // Markers on the valves to close (at the main's depth) and the sources to shut; lines over what loses supply.
      const points = [...result.valvesToClose, ...result.sourcesToShut]
        .map((id) => network.index.assetsById.get(id))
        .filter((a) => a !== undefined)
        .map((a): [number, number, number] => [a.lonDegrees, a.latDegrees, -1]);
      set({
        ...cleared,
        tool: 'isolation',
        isolation: { ...result, inoperableValveIds },
        analysisMilliseconds: milliseconds,
        highlight: { segmentIds: result.segmentsOutOfSupply, points, focus: { segmentIds: [segmentId], point: middleOf(network, segmentId) } },
      });
    },
    runTrace: (segmentId, direction) => {
      const network = ready();
      const segment = network?.index.segmentsById.get(segmentId);
      if (!network || !segment) return;
      const { result, milliseconds } = timed(() => traceOnGraph(graphOf(network.index.network, segment.type), segmentId, direction));
      set({ ...cleared, tool: 'trace', trace: { ...result, startId: segmentId }, analysisMilliseconds: milliseconds, highlight: { segmentIds: result.segments, points: [], focus: { segmentIds: [segmentId], point: middleOf(network, segmentId) } } });
    },
    toggleInoperableValve: (valveId) => {
      const isolation = get().isolation;
      if (!isolation) return;
      const inoperable = isolation.inoperableValveIds.includes(valveId) ? isolation.inoperableValveIds.filter((v) => v !== valveId) : [...isolation.inoperableValveIds, valveId];
      get().runIsolation(isolation.brokenSegmentId, inoperable);
    },
    focusFinding: (focus) => {
      const highlight = get().highlight;
      if (highlight) set({ highlight: { ...highlight, focus } });
    },
  };
};
