/**
 * The network service and the network and impact routes, against both asset-store backends: the
 * demo district's network is loaded into the store as the pipe tiler loads it (networkAssets),
 * read back by the service, and every analysis answered over HTTP (fastify inject) must equal the
 * domain module run on the network the generator laid. Bad input: 400s; unknown IDs: 404s.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDistrict } from '../../demo/district.ts';
import { generateNetwork } from '../../demo/network.ts';
import { crossSection } from '../../domain/analysis/cross-section.ts';
import { longitudinalProfile } from '../../domain/analysis/profile.ts';
import { checkCoverDepth } from '../../domain/analysis/cover-depth.ts';
import { buildingsInRings, ringRadii, type ImpactBuilding } from '../../domain/emergency/impact.ts';
import { traceNetwork } from '../../domain/emergency/tracing.ts';
import { isolateBreak, suspectedBreak } from '../../domain/emergency/valve-isolation.ts';
import { localProjection } from '../../domain/geometry.ts';
import { NetworkIndex } from '../../domain/network-index.ts';
import type { PipeNetwork } from '../../domain/pipelines.ts';
import { networkAssets } from '../../tiling/assets.ts';
import { openAssetStore, type AssetInput, type AssetStore } from '../assets/asset-store.ts';
import { createTestDatabase, postgresReachable, type TestDatabase } from '../assets/testing/postgres.ts';
import { CLEARANCE_RULES, clearanceWithin, COVER_RULES, MAXIMUM_DRAWN_SEGMENTS } from './analyses.ts';
import { NetworkService, pointAssetFromAsset, segmentFromAsset } from './network-service.ts';
import { registerNetworkRoutes } from './routes.ts';
import type { ClearanceAnswer, ConnectionsAnswer, CoverAnswer, ImpactAnswer, IsolationAnswer, ProfileAnswer, SectionAnswer, SuspectedBreakAnswer, TraceAnswer } from '../../domain/network-answers.ts';

const network = generateNetwork(generateDistrict());
const index = new NetworkIndex(network);
const byId = <T extends { id: string }>(items: readonly T[]) => [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** A water main whose break needs two valves or more, and whose first valve failing changes the set. */
function waterBreak() {
  for (const segment of network.segments) {
    if (segment.type !== 'water' || segment.shape.kind !== 'circular' || segment.shape.diameterMillimetres < 200) continue;
    const first = isolateBreak(network, segment.id);
    if (first.valvesToClose.length < 2 || first.buildingsOutOfSupply.length === 0) continue;
    const second = isolateBreak(network, segment.id, { inoperableValveIds: [first.valvesToClose[0]!] });
    if (second.valvesToClose.join() !== first.valvesToClose.join()) return { segment, first, second, failed: first.valvesToClose[0]! };
  }
  throw new Error('no suitable water main');
}

const target = waterBreak();
const storm = network.segments.find((s) => s.type === 'drainage-storm' && s.shape.kind === 'circular' && s.shape.diameterMillimetres === 1200)!;
const gasValve = network.assets.find((a) => a.kind === 'valve' && a.type === 'gas')!;

/** Buildings around the gas valve, at known offsets, with what the tiler writes (footprint, floors, use, height). */
function buildingsAround(lon: number, lat: number): AssetInput[] {
  const { toLonLat } = localProjection(lon, lat);
  const specs: [number, number, Record<string, unknown>][] = [
    [10, 5, { use: 'residential', floors: 12, height: 36, footprint: 600 }],
    [-30, 30, { use: 'commercial', floors: 3, height: 12, footprint: 1500 }],
    [120, -20, { use: 'office', height: 45, footprint: 900 }],
    [0, 250, { use: 'education', floors: 4, footprint: 2000 }],
    [400, 400, { use: 'residential', floors: 6, footprint: 500 }], // outside every ring
  ];
  return specs.map(([x, y, attributes], i) => {
    const [blon, blat] = toLonLat(x, y);
    const d = 0.00005;
    return {
      id: `T-B-${i}`, kind: 'building', name: `测试楼${i}`, address: `测试路${i}号`, attributes: { id: `T-B-${i}`, ...attributes },
      geometry: { type: 'Polygon', coordinates: [[[blon - d, blat - d], [blon + d, blat - d], [blon + d, blat + d], [blon - d, blat + d], [blon - d, blat - d]]] },
      position: [blon, blat],
    };
  });
}
const BUILDINGS = buildingsAround(gasValve.lonDegrees, gasValve.latDegrees);

interface Backend {
  name: string;
  skipReason?: string;
  open(): Promise<{ store: AssetStore; close(): Promise<void> }>;
}

const reachability = await postgresReachable();
if (!reachability.reachable && process.env.CI) throw new Error(`CI must run the PostgreSQL network tests: ${reachability.reason}`);

const BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    async open() {
      const directory = mkdtempSync(join(tmpdir(), 'network-'));
      const store = await openAssetStore(join(directory, 'assets.sqlite'));
      return { store, close: async () => { await store.close(); rmSync(directory, { recursive: true, force: true }); } };
    },
  },
  {
    name: 'PostgreSQL + PostGIS',
    skipReason: reachability.reachable ? undefined : reachability.reason,
    async open() {
      const database: TestDatabase = await createTestDatabase();
      const store = await openAssetStore(database.url);
      return { store, close: async () => { await store.close(); await database.drop(); } };
    },
  },
];

describe('reading a network back from its assets', () => {
  it('turns the tiler\'s assets back into the same segments and point assets', () => {
    const assets = [...networkAssets(network)].map((input) => ({ ...input, dataset: 'd', name: '', address: '', attributes: input.attributes ?? {}, bounds: [0, 0, 0, 0] as [number, number, number, number], position: [0, 0] as [number, number] }));
    const segments = assets.filter((a) => a.kind === 'pipe').map(segmentFromAsset);
    const points = assets.filter((a) => a.kind !== 'pipe').map(pointAssetFromAsset);
    expect(segments).toEqual(network.segments);
    expect(points).toEqual(network.assets);
  });

  it('skips assets that are not a network (a building, a pipe without nodes)', () => {
    const base = { dataset: 'd', name: '', address: '', bounds: [0, 0, 0, 0] as [number, number, number, number], position: [0, 0] as [number, number] };
    expect(segmentFromAsset({ ...base, id: 'x', kind: 'pipe', attributes: { type: 'water' }, geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] } })).toBeUndefined();
    expect(pointAssetFromAsset({ ...base, id: 'b', kind: 'building', attributes: {}, geometry: { type: 'Point', coordinates: [0, 0] } })).toBeUndefined();
  });
});

describe.each(BACKENDS)('network routes on $name', (backend) => {
  let app: FastifyInstance;
  let opened: Awaited<ReturnType<Backend['open']>> | undefined;
  let service: NetworkService;

  beforeAll(async () => {
    if (backend.skipReason) return;
    opened = await backend.open();
    await opened.store.replaceDataset('demo-pipelines', networkAssets(network));
    await opened.store.replaceDataset('demo-buildings', BUILDINGS);
    // A second network dataset: the service keeps each apart.
    await opened.store.replaceDataset('other-water', networkAssets(smallNetwork()));
    app = Fastify();
    const routes = registerNetworkRoutes(app, { store: opened.store });
    service = await routes.ready();
    await app.ready();
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await opened?.close();
  });

  const get = async <T = Record<string, unknown>>(url: string) => {
    const response = await app.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.json() as T };
  };

  it('loads each dataset\'s network once, as the generator laid it', async (context) => {
    if (backend.skipReason) context.skip(backend.skipReason);
    expect(service.summary.datasets).toEqual([
      { dataset: 'demo-pipelines', segments: network.segments.length, assets: network.assets.length },
      { dataset: 'other-water', segments: 2, assets: 1 },
    ]);
    const loaded = service.networks[0]!.network;
    expect(byId(loaded.segments)).toEqual(byId(network.segments));
    expect(byId(loaded.assets)).toEqual(byId(network.assets));
    expect((await get('/api/network')).body).toEqual({ datasets: service.summary.datasets, segments: network.segments.length + 2, assets: network.assets.length + 1 });
  });

  it("answers a segment's and an asset's connections and the buildings they serve", async (context) => {
    if (backend.skipReason) context.skip(backend.skipReason);
    const { status, body } = await get<ConnectionsAnswer>(`/api/network/connections/${encodeURIComponent(target.segment.id)}`);
    expect(status).toBe(200);
    const expected = index.connections(target.segment.id)!;
    expect(body.feature).toBe('segment');
    expect(body.isolatable).toBe(true);
    expect(body.assets.map((a) => a.id)).toEqual(expected.assets.map((a) => a.id));
    expect(body.segments.map((s) => s.id)).toEqual(expected.segments.slice(0, 30).map((s) => s.id));
    expect(body.segmentCount).toBe(expected.segments.length);
    const connection = network.assets.find((a) => a.kind === 'service-connection')!;
    const served = (await get<ConnectionsAnswer>(`/api/network/connections/${connection.id}`)).body;
    expect(served).toMatchObject({ feature: 'asset', kind: 'service-connection', isolatable: false, buildings: index.buildingsServed(connection.id) });
    expect(served.buildings).toContain(connection.buildingId);
  });

  it('isolates a break as the domain module does, and re-runs through a failed valve', async (context) => {
    if (backend.skipReason) context.skip(backend.skipReason);
    const first = (await get<IsolationAnswer>(`/api/network/isolation?segment=${target.segment.id}`)).body;
    const { inoperableValveIds, milliseconds, drawn, broken, zoneSegmentCount, segmentsOutOfSupplyCount, buildingsOutOfSupplyCount, listsTruncated, ...result } = first;
    expect(result).toEqual(target.first);
    expect([zoneSegmentCount, segmentsOutOfSupplyCount, buildingsOutOfSupplyCount, listsTruncated]).toEqual([target.first.zoneSegments.length, target.first.segmentsOutOfSupply.length, target.first.buildingsOutOfSupply.length, false]);
    expect(inoperableValveIds).toEqual([]);
    expect(milliseconds).toBeGreaterThanOrEqual(0);
    expect(drawn.segments.map((s) => s.id)).toEqual(target.first.segmentsOutOfSupply);
    expect(drawn.points).toHaveLength(target.first.valvesToClose.length + target.first.sourcesToShut.length);
    const valve = network.assets.find((a) => a.id === target.first.valvesToClose[0])!;
    expect(drawn.points[0]).toEqual([valve.lonDegrees, valve.latDegrees, -1]);
    expect(broken).toMatchObject({ id: target.segment.id, type: 'water', path: target.segment.path });
    expect(broken.centreMetres[0]).toBeLessThan(0);
    const second = (await get<IsolationAnswer>(`/api/network/isolation?segment=${target.segment.id}&inoperable=${target.failed}`)).body;
    expect(second.valvesToClose).toEqual(target.second.valvesToClose);
    expect(second.bypassedValves).toEqual(target.second.bypassedValves);
    expect(second.inoperableValveIds).toEqual([target.failed]);
  });

  it('traces upstream, downstream and the connected network as the domain module does', async (context) => {
    if (backend.skipReason) context.skip(backend.skipReason);
    for (const direction of ['upstream', 'downstream', 'connected'] as const) {
      const body = (await get<TraceAnswer>(`/api/network/trace?from=${storm.id}&direction=${direction}`)).body;
      const expected = traceNetwork(network, storm.id, direction);
      const { nodes, ...listed } = expected;
      expect(body).toMatchObject({ ...listed, startId: storm.id, type: 'drainage-storm', segmentCount: expected.segments.length, nodeCount: nodes.length, buildingCount: expected.buildings.length, listsTruncated: false });
      expect(body.drawn.segments.map((s) => s.id)).toEqual(expected.segments.slice(0, MAXIMUM_DRAWN_SEGMENTS));
    }
    const up = (await get<TraceAnswer>(`/api/network/trace?from=${storm.id}&direction=upstream`)).body;
    const down = (await get<TraceAnswer>(`/api/network/trace?from=${storm.id}&direction=downstream`)).body;
    expect(up.segments).not.toEqual(down.segments);
  });

  it('draws a cross-section and a profile as the domain modules do', async (context) => {
    if (backend.skipReason) context.skip(backend.skipReason);
    const [a, b] = [storm.path[0]!, storm.path.at(-1)!];
    const middle = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    const { toLonLat, toLocal } = localProjection(middle[0]!, middle[1]!);
    const [from, to] = [toLonLat(-25, -3), toLonLat(25, 3)];
    const section = (await get<SectionAnswer>(`/api/network/section?from=${from.join(',')}&to=${to.join(',')}`)).body;
    const expected = crossSection(network.segments, from, to, CLEARANCE_RULES, toLocal);
    expect(section.crossings.map((c) => c.segmentId)).toEqual(expected.crossings.map((c) => c.segmentId));
    expect(section.crossings.length).toBeGreaterThan(0);
    section.crossings.forEach((c, i) => expect(c.offsetMetres).toBeCloseTo(expected.crossings[i]!.offsetMetres, 6));
    expect(section.lengthMetres).toBeCloseTo(expected.lengthMetres, 6);
    const profile = (await get<ProfileAnswer>(`/api/network/profile?segment=${storm.id}`)).body;
    const expectedProfile = longitudinalProfile(index, storm.id)!;
    expect(profile.segments).toEqual(expectedProfile.segments);
    expect(profile.nodes.map((n) => n.id)).toEqual(expectedProfile.nodes.map((n) => n.id));
    expect(profile.drawn.segments.map((s) => s.id)).toEqual(expectedProfile.segments.map((s) => s.id));
  });

  it('finds the clearance and cover findings within a bbox, and refuses a bbox over 5 km', async (context) => {
    if (backend.skipReason) context.skip(backend.skipReason);
    const bbox: [number, number, number, number] = [113.105, 23.005, 113.135, 23.035];
    const clearance = (await get<ClearanceAnswer>(`/api/network/clearance?bbox=${bbox.join(',')}&limit=2000`)).body;
    const expected = clearanceWithin(network.segments, bbox);
    expect(expected.length).toBeGreaterThan(0);
    expect(clearance.total).toBe(expected.length);
    expect(clearance.violations.map((v) => [v.segmentA, v.segmentB, v.kind])).toEqual(expected.slice(0, 2000).map((v) => [v.segmentA, v.segmentB, v.kind]));
    const limited = (await get<ClearanceAnswer>(`/api/network/clearance?bbox=${bbox.join(',')}&limit=1`)).body;
    expect(limited).toMatchObject({ total: expected.length, truncated: expected.length > 1 });
    expect(limited.violations).toHaveLength(1);
    expect(limited.drawn.segments.map((s) => s.id).sort()).toEqual([expected[0]!.segmentA, expected[0]!.segmentB].sort());
    const cover = (await get<CoverAnswer>(`/api/network/cover?bbox=${bbox.join(',')}`)).body;
    expect(cover.total).toBe(checkCoverDepth(network.segments, COVER_RULES).length);
    const tooBig = await get<{ message: string }>('/api/network/clearance?bbox=113.0,23.0,113.2,23.2');
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.message).toMatch(/at most 5000 × 5000 m/);
  });

  it('names the main to isolate for an incident on a valve, as EmergencyCommand did', async (context) => {
    if (backend.skipReason) context.skip(backend.skipReason);
    const body = (await get<SuspectedBreakAnswer>(`/api/network/suspected-break?assets=sensor-1,${gasValve.id}&incidentType=gas-leak`)).body;
    expect(body.segment?.id).toBe(suspectedBreak([gasValve.id], index, ['gas'])!.id);
    expect((await get<SuspectedBreakAnswer>(`/api/network/suspected-break?assets=${gasValve.id}&types=water`)).body).toEqual({ segment: null });
  });

  it('counts the buildings, people and network assets in the impact rings, and the spaces gas could reach', async (context) => {
    if (backend.skipReason) context.skip(backend.skipReason);
    const { status, body } = await get<ImpactAnswer>(`/api/impact?lon=${gasValve.lonDegrees}&lat=${gasValve.latDegrees}&type=gas-leak&limit=2`);
    expect(status).toBe(200);
    const buildings: ImpactBuilding[] = BUILDINGS.map((b) => {
      const a = b.attributes as { use: string; floors?: number; height?: number; footprint: number };
      return { id: b.id, name: b.name, lonDegrees: b.position![0], latDegrees: b.position![1], use: a.use, ...(a.floors ? { floors: a.floors } : {}), ...(a.height ? { heightMetres: a.height } : {}), footprintSquareMetres: a.footprint };
    });
    const expected = buildingsInRings(buildings, gasValve.lonDegrees, gasValve.latDegrees, ringRadii('gas-leak'));
    expect(body.radii).toEqual([50, 150, 300]);
    expect(body.rings.map((r) => [r.buildingCount, r.occupancy])).toEqual(expected.map((r) => [r.buildings.length, r.occupancy]));
    expect(body.rings.map((r) => r.buildingCount)).toEqual([2, 1, 1]);
    expect(body.rings[0]!.buildings).toEqual(expected[0]!.buildings.slice(0, 2));
    expect(body.nearby.valves).toBeGreaterThan(0);
    expect(body.nearby.segments).toBeGreaterThan(0);
    expect(body.spaces!.total).toBeGreaterThan(0);
    expect(body.spaces!.items.length).toBeLessThanOrEqual(2);
    // A page past the first.
    const next = (await get<ImpactAnswer>(`/api/impact?lon=${gasValve.lonDegrees}&lat=${gasValve.latDegrees}&type=gas-leak&limit=1&offset=1`)).body;
    expect(next.rings[0]!.buildings).toEqual(expected[0]!.buildings.slice(1, 2));
    expect(next.rings[0]!.truncated).toBe(false);
    // Not gas: no spaces.
    expect((await get<ImpactAnswer>(`/api/impact?lon=${gasValve.lonDegrees}&lat=${gasValve.latDegrees}&type=water-main-burst`)).body.spaces).toBeUndefined();
  });

  it.each([
    ['isolation of an unknown segment', '/api/network/isolation?segment=NOPE-1', 404, /no pipe segment "NOPE-1"/],
    ['isolation with an unknown failed valve', `/api/network/isolation?segment=${target.segment.id}&inoperable=V-NOPE`, 404, /no valve "V-NOPE"/],
    ['isolation of a drain', `/api/network/isolation?segment=${storm.id}`, 400, /applies to water, gas, heat mains/],
    ['isolation of a valve', `/api/network/isolation?segment=${gasValve.id}`, 400, /is a valve, not a pipe segment/],
    ['isolation without a segment', '/api/network/isolation', 400, /give segment=/],
    ['connections of an unknown ID', `/api/network/connections/${encodeURIComponent("x' OR 1=1")}`, 404, /no pipe segment or network asset "x' OR 1=1"/],
    ['a trace in no direction', `/api/network/trace?from=${storm.id}&direction=sideways`, 400, /direction must be one of/],
    ['a trace from nowhere', '/api/network/trace?from=NOPE&direction=upstream', 404, /NOPE/],
    ['a profile of an unknown segment', '/api/network/profile?segment=NOPE', 404, /no pipe segment "NOPE"/],
    ['a section with text', '/api/network/section?from=113.1,north&to=113.2,23', 400, /from must be lon,lat/],
    ['a section past 2 km', '/api/network/section?from=113.1,23.0&to=113.2,23.0', 400, /at most 2000 m/],
    ['a section off the Earth', '/api/network/section?from=500,23.0&to=500,23.001', 400, /lon,lat in degrees/],
    ['a bbox of three numbers', '/api/network/cover?bbox=113.1,23.0,113.2', 400, /bbox must be west,south,east,north/],
    ['a bbox west of east', '/api/network/cover?bbox=113.2,23.0,113.1,23.01', 400, /west 113.2 is east of east/],
    ['a limit over 2,000', '/api/network/cover?bbox=113.1,23.0,113.11,23.01&limit=5000', 400, /limit must be an integer from 1 to 2000/],
    ['a suspected break on unknown assets', '/api/network/suspected-break?assets=a,b&incidentType=gas-leak', 404, /none of "a", "b" is in the pipe network/],
    ['a suspected break for a subsidence', `/api/network/suspected-break?assets=${gasValve.id}&incidentType=road-subsidence`, 400, /not cut off by closing valves/],
    ['an impact of no type', '/api/impact?lon=113.1&lat=23&type=meteor', 400, /type must be an incident type/],
    ['an impact without a place', '/api/impact?type=gas-leak', 400, /give lon and lat/],
    ['an impact page over 500', '/api/impact?lon=113.1&lat=23&type=gas-leak&limit=1000', 400, /limit must be an integer from 1 to 500/],
    ['an impact with SQL for a latitude', `/api/impact?lon=113.1&lat=${encodeURIComponent('23; DROP TABLE assets')}&type=gas-leak`, 400, /lat must be a number/],
  ])('answers %s with %i and a message', async (_name, url, status, message) => {
    if (backend.skipReason) return;
    const answer = await get<{ message: string }>(url);
    expect(answer.status).toBe(status);
    expect(answer.body.message).toMatch(message);
  });

  it('still holds every asset after the bad requests', async (context) => {
    if (backend.skipReason) context.skip(backend.skipReason);
    expect(await opened!.store.count('demo-pipelines')).toBe(network.segments.length + network.assets.length);
  });
});

describe.each(BACKENDS)('a network loaded again while the server runs, on $name', (backend) => {
  it('is seen without a restart; an unchanged dataset keeps its graphs, an emptied one goes', async (context) => {
    if (backend.skipReason) context.skip(backend.skipReason);
    const opened = await backend.open();
    const app = Fastify();
    try {
      const { store } = opened;
      await store.replaceDataset('other-water', networkAssets(smallNetwork()));
      await store.replaceDataset('second-water', networkAssets(smallNetwork('SW')));
      // Every request may look for a change (the default is at most once a second).
      const routes = registerNetworkRoutes(app, { store, checkMilliseconds: 0 });
      const before = await routes.ready();
      await app.ready();
      const get = async (url: string) => {
        const response = await app.inject({ method: 'GET', url });
        return { status: response.statusCode, body: response.json() as Record<string, unknown> };
      };
      expect((await get('/api/network')).body).toMatchObject({ segments: 4, assets: 2 });
      expect((await get('/api/network/isolation?segment=OW-3')).status).toBe(404);
      // Nothing changed: the same networks.
      expect(await routes.refresh()).toBe(before);

      // The line extended by a segment behind a second valve, loaded by another client of the store.
      await store.replaceDataset('other-water', networkAssets(extendedNetwork()));
      await expect.poll(async () => (await get('/api/network')).body.segments, { timeout: 10_000 }).toBe(5);
      const isolation = await get('/api/network/isolation?segment=OW-3');
      expect(isolation.status).toBe(200);
      expect((isolation.body as unknown as IsolationAnswer).valvesToClose).toEqual(isolateBreak(extendedNetwork(), 'OW-3').valvesToClose);
      const after = await routes.ready();
      expect(after).not.toBe(before);
      // The dataset that was not loaded again keeps the network (and graphs) built for it.
      expect(after.networks.find((n) => n.dataset === 'second-water')).toBe(before.networks.find((n) => n.dataset === 'second-water'));
      expect(after.networks.find((n) => n.dataset === 'other-water')).not.toBe(before.networks.find((n) => n.dataset === 'other-water'));

      // A dataset emptied by a load is no longer served.
      await store.replaceDataset('second-water', []);
      const emptied = await routes.refresh();
      expect(emptied.summary.datasets.map((d) => d.dataset)).toEqual(['other-water']);
      expect((await get('/api/network/isolation?segment=SW-1')).status).toBe(404);
    } finally {
      await app.close();
      await opened.close();
    }
  });
});

/** smallNetwork with a third segment past a second valve (OW-V2), as a reload changes it. */
function extendedNetwork(): PipeNetwork {
  const small = smallNetwork();
  const third = { ...small.segments[1]!, id: 'OW-3', fromNodeId: 'OW-V2', toNodeId: 'OW-N3', path: [[117.202, 31.8], [117.203, 31.8]] as [number, number][] };
  return {
    segments: [...small.segments.map((s) => (s.id === 'OW-2' ? { ...s, toNodeId: 'OW-V2' } : s)), third],
    assets: [...small.assets, { ...small.assets[0]!, id: 'OW-V2', lonDegrees: 117.202 }],
  };
}

/** A two-segment water line with a valve, as a second dataset (IDs prefixed `prefix`). */
function smallNetwork(prefix = 'OW'): PipeNetwork {
  const segment = (id: string, from: string, to: string, lon: number) => ({
    id: `${prefix}-${id}`, type: 'water' as const, shape: { kind: 'circular' as const, diameterMillimetres: 300 }, path: [[lon, 31.8], [lon + 0.001, 31.8]] as [number, number][],
    fromNodeId: `${prefix}-${from}`, toNodeId: `${prefix}-${to}`, start: { depthMetres: 1.2 }, end: { depthMetres: 1.2 },
  });
  return {
    segments: [segment('1', 'N0', 'V1', 117.2), segment('2', 'V1', 'N2', 117.201)],
    assets: [{ id: `${prefix}-V1`, kind: 'valve', type: 'water', lonDegrees: 117.201, latDegrees: 31.8, groundElevationMetres: 0, valveState: 'open' }],
  };
}
