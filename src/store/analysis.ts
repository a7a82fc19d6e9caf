/**
 * The pipeline analyses (section 横断面, clearance 净距, cover 覆土, profile 纵断面, valve isolation
 * 关阀, tracing): the open tool, its result, and what the engine highlights in 3D. Every analysis
 * runs on the server (src/api/network.ts → src/server/network); the actions are async, keep the
 * answer of the last request only, and the engine draws from the geometry in the answers.
 * Without an analysis API (`assetsApiUrl` unset: a static-only deployment) the actions do
 * nothing and the panels say so.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { Bbox } from '../domain/assets.ts';
import {
  clearanceWithin, coverWithin, crossSectionBetween, networkTrace, profileFrom, valveIsolation,
  type ClearanceAnswer, type CoverAnswer, type DrawnPoint, type DrawnSegment, type IsolationAnswer, type ProfileAnswer, type SectionAnswer, type TraceAnswer, type TraceDirection,
} from '../api/network.ts';
import { errorText } from '../domain/error-text.ts';

export type AnalysisTool = 'section' | 'clearance' | 'cover' | 'profile' | 'isolation' | 'trace';

type LonLat = [number, number];

export interface AnalysisHighlight {
  /** Segments drawn over in 3D (violations, shortfalls, the profile run, what loses supply), with their geometry. */
  segments: DrawnSegment[];
  /** Marked positions (lon, lat, elevation relative to the ground). */
  points: DrawnPoint[];
  /** The one finding the user picked: shown stronger and flown to. */
  focus?: { segmentIds: string[]; point?: DrawnPoint; segments?: DrawnSegment[] };
}

export type AnalysisStatus = { state: 'idle' } | { state: 'running'; tool: AnalysisTool } | { state: 'error'; tool: AnalysisTool; message: string };

export interface AnalysisSlice {
  /** Base URL of the asset and analysis API (…/api), from the config; undefined: none. */
  assetsApiUrl?: string;
  tool?: AnalysisTool;
  /** Section line: one point while drawing, two when drawn. */
  sectionPoints: LonLat[];
  section?: SectionAnswer;
  clearance?: ClearanceAnswer;
  cover?: CoverAnswer;
  profile?: ProfileAnswer;
  /** Valve isolation of a break, with the valves marked inoperable for this run. */
  isolation?: IsolationAnswer;
  /** Connectivity, upstream or downstream trace from a segment. */
  trace?: TraceAnswer;
  highlight?: AnalysisHighlight;
  /** Milliseconds the last analysis took at the server. */
  analysisMilliseconds?: number;
  analysisStatus: AnalysisStatus;
  setAssetsApiUrl(url: string | undefined): void;
  openTool(tool: AnalysisTool | undefined): void;
  addSectionPoint(point: LonLat): Promise<void>;
  /** Clearance findings within a bbox (the view's surroundings). */
  runClearance(bbox: Bbox): Promise<void>;
  runCover(bbox: Bbox): Promise<void>;
  runProfile(segmentId: string): Promise<void>;
  /** Valve isolation (关阀分析) of a break on this segment; `inoperableValveIds` are passed through. */
  runIsolation(segmentId: string, inoperableValveIds?: string[]): Promise<void>;
  /** Trace along the segment's network: connected, upstream or downstream (drainage follows its flow). */
  runTrace(segmentId: string, direction: TraceDirection): Promise<void>;
  /** Mark a valve of the current isolation inoperable (or operable again) and re-run. */
  toggleInoperableValve(valveId: string): Promise<void>;
  focusFinding(focus: AnalysisHighlight['focus']): void;
}

type Set = StoreApi<AnalysisSlice>['setState'];
type Get = StoreApi<AnalysisSlice>['getState'];

const cleared = { section: undefined, clearance: undefined, cover: undefined, profile: undefined, isolation: undefined, trace: undefined, highlight: undefined, sectionPoints: [], analysisMilliseconds: undefined };

/** The middle of a drawn segment's ends, at the ground. */
function middleOf(segment: DrawnSegment | undefined): DrawnPoint | undefined {
  if (!segment) return undefined;
  const a = segment.path[0]!;
  const b = segment.path.at(-1)!;
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, 0];
}

export const analysisSlice = (set: Set, get: Get): AnalysisSlice => {
  // Only the answer to the latest request is kept (a slow answer never overwrites a newer one).
  let latest = 0;
  const request = async <T>(tool: AnalysisTool, ask: (base: string) => Promise<T>, apply: (answer: T) => Partial<AnalysisSlice>): Promise<void> => {
    const base = get().assetsApiUrl;
    if (!base) return;
    const mine = ++latest;
    set({ analysisStatus: { state: 'running', tool } });
    try {
      const answer = await ask(base);
      if (mine !== latest) return;
      set({ ...apply(answer), analysisStatus: { state: 'idle' } });
    } catch (error) {
      if (mine !== latest) return;
      set({ analysisStatus: { state: 'error', tool, message: errorText(error) } });
    }
  };
  return {
    assetsApiUrl: undefined,
    tool: undefined,
    sectionPoints: [],
    analysisStatus: { state: 'idle' },
    setAssetsApiUrl: (assetsApiUrl) => set({ assetsApiUrl }),
    openTool: (tool) => {
      latest++;
      set({ tool, ...cleared, analysisStatus: { state: 'idle' } });
    },
    addSectionPoint: async (point) => {
      const points = get().sectionPoints.length >= 2 ? [point] : [...get().sectionPoints, point];
      set({ sectionPoints: points, section: undefined, highlight: undefined });
      if (points.length < 2) return;
      await request('section', (base) => crossSectionBetween(base, points[0]!, points[1]!), (section) => ({
        section,
        analysisMilliseconds: section.milliseconds,
        highlight: { segments: section.drawn.segments, points: [] },
      }));
    },
    runClearance: async (bbox) => {
      set({ ...cleared, tool: 'clearance' });
      await request('clearance', (base) => clearanceWithin(base, bbox), (clearance) => ({
        clearance,
        analysisMilliseconds: clearance.milliseconds,
        highlight: { segments: clearance.drawn.segments, points: clearance.drawn.points },
      }));
    },
    runCover: async (bbox) => {
      set({ ...cleared, tool: 'cover' });
      await request('cover', (base) => coverWithin(base, bbox), (cover) => ({
        cover,
        analysisMilliseconds: cover.milliseconds,
        highlight: { segments: cover.drawn.segments, points: cover.drawn.points },
      }));
    },
    runProfile: async (segmentId) => {
      await request('profile', (base) => profileFrom(base, segmentId), (profile) => ({
        ...cleared,
        tool: 'profile',
        profile,
        analysisMilliseconds: profile.milliseconds,
        highlight: { segments: profile.drawn.segments, points: [] },
      }));
    },
    runIsolation: async (segmentId, inoperableValveIds = []) => {
      await request('isolation', (base) => valveIsolation(base, segmentId, inoperableValveIds), (isolation) => ({
        ...cleared,
        tool: 'isolation',
        isolation,
        analysisMilliseconds: isolation.milliseconds,
        // Markers on the valves to close (at the main's depth) and the sources to shut; lines over what loses supply.
        highlight: { segments: isolation.drawn.segments, points: isolation.drawn.points, focus: { segmentIds: [segmentId], point: middleOf(isolation.broken), segments: [isolation.broken] } },
      }));
    },
    runTrace: async (segmentId, direction) => {
      await request('trace', (base) => networkTrace(base, segmentId, direction), (trace) => ({
        ...cleared,
        tool: 'trace',
        trace,
        analysisMilliseconds: trace.milliseconds,
        highlight: { segments: trace.drawn.segments, points: [], focus: { segmentIds: [segmentId], point: middleOf(trace.start), segments: [trace.start] } },
      }));
    },
    toggleInoperableValve: async (valveId) => {
      const isolation = get().isolation;
      if (!isolation) return;
      const inoperable = isolation.inoperableValveIds.includes(valveId) ? isolation.inoperableValveIds.filter((v) => v !== valveId) : [...isolation.inoperableValveIds, valveId];
      // The mark shows at once; the valves to close follow with the server's answer.
      set({ isolation: { ...isolation, inoperableValveIds: inoperable } });
      await get().runIsolation(isolation.brokenSegmentId, inoperable);
    },
    focusFinding: (focus) => {
      const highlight = get().highlight;
      if (highlight) set({ highlight: { ...highlight, focus } });
    },
  };
};
