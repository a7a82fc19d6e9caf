/** The analysis slice against a stubbed analysis API: the requests it makes, what it keeps, and what it draws. */
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { DrawnSegment, IsolationAnswer, TraceAnswer } from '../api/network.ts';
import { createAppStore } from './index.ts';

const segment = (id: string): DrawnSegment => ({ id, type: 'water', path: [[113.1, 23.0], [113.101, 23.0]], centreMetres: [-1.4, -1.4] });

const isolation = (inoperable: string[]): IsolationAnswer => ({
  brokenSegmentId: 'W-1', type: 'water', valvesToClose: inoperable.length ? ['V-3'] : ['V-1', 'V-2'], alreadyClosed: [], bypassedValves: inoperable, sourcesToShut: [],
  zoneSegments: ['W-1'], segmentsOutOfSupply: ['W-1', 'W-2'], buildingsOutOfSupply: ['B-1'], zoneSegmentCount: 1, segmentsOutOfSupplyCount: 2, buildingsOutOfSupplyCount: 1, listsTruncated: false,
  inoperableValveIds: inoperable, milliseconds: 1.5,
  drawn: { segments: [segment('W-1'), segment('W-2')], points: [[113.1, 23.0, -1]], truncated: false }, broken: segment('W-1'),
});

const trace = (direction: TraceAnswer['direction'], segments: string[]): TraceAnswer => ({
  direction, segments, buildings: [], segmentCount: segments.length, nodeCount: segments.length + 1, buildingCount: 0, listsTruncated: false, startId: 'W-1', type: 'water', milliseconds: 1, drawn: { segments: segments.map(segment), points: [], truncated: false }, start: segment('W-1'),
});

function respond(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

afterEach(() => vi.unstubAllGlobals());

describe('analysis slice', () => {
  test('without an analysis API the actions ask nothing and change nothing', async () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    const store = createAppStore();
    await store.getState().runIsolation('W-1');
    await store.getState().runClearance([113.1, 23.0, 113.2, 23.1]);
    expect(fetch).not.toHaveBeenCalled();
    expect(store.getState()).toMatchObject({ isolation: undefined, highlight: undefined, analysisStatus: { state: 'idle' } });
  });

  test('a valve isolation asks the server, keeps its answer and highlights what it drew; a failed valve is marked at once and re-run', async () => {
    const urls: string[] = [];
    let release: (() => void) | undefined;
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      urls.push(url);
      const inoperable = new URL(url).searchParams.get('inoperable')?.split(',') ?? [];
      if (inoperable.length) await new Promise<void>((resolve) => (release = resolve));
      return respond(isolation(inoperable));
    }));
    const store = createAppStore();
    store.getState().setAssetsApiUrl('http://server/api');
    await store.getState().runIsolation('W-1');
    expect(urls).toEqual(['http://server/api/network/isolation?segment=W-1']);
    const state = store.getState();
    expect(state.tool).toBe('isolation');
    expect(state.isolation?.valvesToClose).toEqual(['V-1', 'V-2']);
    expect(state.highlight?.segments.map((s) => s.id)).toEqual(['W-1', 'W-2']);
    expect(state.highlight?.points).toEqual([[113.1, 23.0, -1]]);
    expect(state.highlight?.focus).toMatchObject({ segmentIds: ['W-1'], point: [113.1005, 23.0, 0] });
    expect(state.analysisMilliseconds).toBe(1.5);

    const rerun = store.getState().toggleInoperableValve('V-1');
    expect(store.getState().isolation?.inoperableValveIds).toEqual(['V-1']);
    expect(store.getState().analysisStatus).toEqual({ state: 'running', tool: 'isolation' });
    await vi.waitFor(() => expect(release).toBeDefined());
    release!();
    await rerun;
    expect(urls[1]).toBe('http://server/api/network/isolation?segment=W-1&inoperable=V-1');
    expect(store.getState().isolation?.valvesToClose).toEqual(['V-3']);
    expect(store.getState().analysisStatus).toEqual({ state: 'idle' });
  });

  test('only the latest request is kept: a slow earlier answer does not overwrite a newer one', async () => {
    const pending = new Map<string, (response: Response) => void>();
    vi.stubGlobal('fetch', vi.fn((url: string) => new Promise<Response>((resolve) => pending.set(new URL(url).searchParams.get('direction')!, resolve))));
    const store = createAppStore();
    store.getState().setAssetsApiUrl('http://server/api');
    const first = store.getState().runTrace('W-1', 'upstream');
    const second = store.getState().runTrace('W-1', 'connected');
    pending.get('connected')!(respond(trace('connected', ['W-1', 'W-2', 'W-3'])));
    await second;
    pending.get('upstream')!(respond(trace('upstream', ['W-1'])));
    await first;
    expect(store.getState().trace?.direction).toBe('connected');
    expect(store.getState().highlight?.segments).toHaveLength(3);
  });

  test("a refused analysis keeps the server's message", async () => {
    vi.stubGlobal('fetch', vi.fn(async () => respond({ statusCode: 404, error: 'Not Found', message: 'no pipe segment "NOPE" in the network' }, 404)));
    const store = createAppStore();
    store.getState().setAssetsApiUrl('http://server/api');
    await store.getState().runProfile('NOPE');
    expect(store.getState().analysisStatus).toEqual({ state: 'error', tool: 'profile', message: 'no pipe segment "NOPE" in the network' });
    expect(store.getState().profile).toBeUndefined();
  });

  test('a section asks for the line between its two points; clearance for the bbox given', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      urls.push(url);
      if (url.includes('/section')) return respond({ lengthMetres: 10, crossings: [], clearances: [], from: [113.1, 23], to: [113.2, 23], milliseconds: 1, drawn: { segments: [], points: [], truncated: false } });
      return respond({ bbox: [113.1, 23, 113.2, 23.1], total: 0, truncated: false, violations: [], milliseconds: 1, drawn: { segments: [], points: [], truncated: false } });
    }));
    const store = createAppStore();
    store.getState().setAssetsApiUrl('http://server/api/');
    store.getState().openTool('section');
    await store.getState().addSectionPoint([113.1, 23]);
    expect(urls).toEqual([]);
    await store.getState().addSectionPoint([113.2, 23]);
    await store.getState().runClearance([113.1, 23, 113.2, 23.1]);
    expect(urls.map(decodeURIComponent)).toEqual(['http://server/api/network/section?from=113.1,23&to=113.2,23', 'http://server/api/network/clearance?bbox=113.1,23,113.2,23.1']);
    expect(store.getState()).toMatchObject({ tool: 'clearance', clearance: { total: 0 }, sectionPoints: [] });
  });
});
