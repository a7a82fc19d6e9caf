/** The grid API with fastify inject: listing per view, one grid, its statistics from the case, asset and monitoring stores; 400s and 404s. */
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GridInput, Position } from '../../domain/grids/grids.ts';
import { openAssetStore, type AssetStore } from '../assets/asset-store.ts';
import { openCaseStore, type CaseStore } from '../cases/case-store.ts';
import { ensureLifecycleTables } from '../lifecycle/digests.ts';
import { SqliteLifecycleStore } from '../lifecycle/sqlite-lifecycle-store.ts';
import { SqliteMonitoringStore } from '../sensorthings/store.ts';
import { openGridStore, type GridStore } from './grid-store.ts';
import { registerGridRoutes, type GridStats } from './routes.ts';

const NOW = Date.parse('2026-12-06T10:00:00+08:00');
const square = (west: number, south: number, size = 0.01): Position[] => [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]];
const GRIDS: GridInput[] = [
  { code: '440604001', name: '祖庙街道', geometry: { type: 'Polygon', coordinates: [square(113.12, 23.02, 0.02)] } },
  { code: '440604001001', name: '普君社区', geometry: { type: 'Polygon', coordinates: [square(113.12, 23.02, 0.02)] } },
  { code: '44060400100101', name: '一号网格', workers: [{ name: '网格员 李明', phone: '0757-82000001' }], geometry: { type: 'Polygon', coordinates: [square(113.12, 23.02)] } },
  { code: '44060400100102', name: '二号网格', geometry: { type: 'Polygon', coordinates: [square(113.13, 23.02)] } },
];
const REPORT = { source: 'grid-worker' as const, classId: 'component:0101', description: '井盖缺失', lon: 113.125, lat: 23.025, reporter: '网格员 李明', assetIds: [] };

describe('grid API', () => {
  let app: FastifyInstance;
  let grids: GridStore;
  let cases: CaseStore;
  let assets: AssetStore;
  let monitoring: Database.Database;
  let sensorStore: SqliteMonitoringStore;

  beforeEach(async () => {
    grids = await openGridStore(':memory:');
    await grids.replaceAll(GRIDS);
    cases = await openCaseStore(':memory:');
    assets = await openAssetStore(':memory:');
    // Two buildings in grid 01 (one residential, 10 floors of 100 m²), one in grid 02.
    await assets.replaceDataset('buildings', [
      { id: 'B-1', kind: 'building', attributes: { use: 'residential', floors: 10, footprint: 100 }, geometry: { type: 'Polygon', coordinates: [square(113.124, 23.024, 0.0002)] } },
      { id: 'B-2', kind: 'building', attributes: { use: 'commercial', floors: 2, footprint: 50 }, geometry: { type: 'Polygon', coordinates: [square(113.126, 23.026, 0.0002)] } },
      { id: 'B-3', kind: 'building', attributes: { use: 'residential', floors: 5, footprint: 80 }, geometry: { type: 'Polygon', coordinates: [square(113.135, 23.025, 0.0002)] } },
    ]);
    sensorStore = new SqliteMonitoringStore({ path: ':memory:', rules: [] });
    monitoring = sensorStore.db;
    monitoring.exec(`
      INSERT INTO things (id, name) VALUES (1, 'gas 1'), (2, 'gas 2'), (3, 'far');
      INSERT INTO locations (id, name, encoding_type, location, lon, lat) VALUES (1, 'a', 'application/geo+json', '{}', 113.121, 23.021), (2, 'b', 'application/geo+json', '{}', 113.122, 23.022), (3, 'c', 'application/geo+json', '{}', 113.5, 23.5);
      INSERT INTO thing_locations VALUES (1, 1), (2, 2), (3, 3);
      INSERT INTO sensors (id, name, encoding_type, metadata) VALUES (1, 's', 'text/plain', '');
      INSERT INTO observed_properties (id, name, definition) VALUES (1, 'methane', 'x');
      INSERT INTO datastreams (id, name, observation_type, unit, thing_id, sensor_id, observed_property_id) VALUES (1, 'd1', 'x', '{}', 1, 1, 1), (2, 'd2', 'x', '{}', 2, 1, 1);
      INSERT INTO incidents (id, type, level, status, lon, lat, asset_ids, alarm_active, raised_at, updated_at) VALUES (1, 'gas-leak', 2, 'raised', 113.121, 23.021, '[]', 1, 0, 0), (2, 'gas-leak', 2, 'closed', 113.122, 23.022, '[]', 0, 0, 0);
      INSERT INTO incident_sources VALUES (1, 1, 2), (2, 2, 0);`);
    ensureLifecycleTables(monitoring);
    // B-1 last inspected in 2015 (overdue: the interval is 5 years); B-2 in 2024.
    monitoring.exec(`INSERT INTO building_lifecycle_digests (building_id, dates, appears, completion, since, inspections) VALUES ('B-1', '{}', '2000-01-01', '2005-01-01', '2015-06-01', 1), ('B-2', '{}', '2000-01-01', '2005-01-01', '2024-06-01', 1)`);
    app = Fastify();
    registerGridRoutes(app, { store: grids, cases, assets, monitoring, sensors: sensorStore, now: () => NOW });
    await app.ready();
  });
  afterEach(async () => {
    await app?.close();
    await grids?.close();
    await cases?.close();
    await assets?.close();
    await sensorStore?.close();
  });

  const get = async (url: string) => {
    const response = await app.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };

  it("lists one level's grids in a view as GeoJSON features by code, paged", async () => {
    const page = await get('/api/grids?level=unit&bbox=113.11,23.01,113.15,23.04');
    expect(page.status).toBe(200);
    expect(page.body.type).toBe('FeatureCollection');
    const features = page.body.features as { id: string; properties: { code: string; name: string; parentCode: string }; geometry: { type: string } }[];
    expect(features.map((f) => f.id)).toEqual(['44060400100101', '44060400100102']);
    expect(features[0]).toMatchObject({ properties: { code: '44060400100101', name: '一号网格', parentCode: '440604001001', workers: [{ name: '网格员 李明' }] }, geometry: { type: 'Polygon' } });
    const first = await get('/api/grids?level=unit&bbox=113.11,23.01,113.15,23.04&limit=1');
    expect((first.body.features as unknown[]).length).toBe(1);
    expect(first.body.next).toBe('/api/grids?level=unit&bbox=113.11%2C23.01%2C113.15%2C23.04&limit=1&offset=1');
    expect(((await get(first.body.next as string)).body.features as { id: string }[]).map((f) => f.id)).toEqual(['44060400100102']);
    expect(((await get('/api/grids?level=street&bbox=113.11,23.01,113.15,23.04')).body.features as { id: string }[]).map((f) => f.id)).toEqual(['440604001']);
  });

  it.each([
    ['/api/grids?bbox=113,23,113.1,23.1', /^level: required/],
    ['/api/grids?level=district&bbox=113,23,113.1,23.1', /^level: "district": one of street, community, unit/],
    ['/api/grids?level=unit', /^bbox: required/],
    ['/api/grids?level=unit&bbox=110,20,115,25', /^bbox: .* is too large/],
    ['/api/grids?level=unit&bbox=113,23,abc,24', /^bbox: /],
    ['/api/grids?level=unit&bbox=113,23,113.1,23.1&limit=5000', /^limit: /],
    ['/api/grids?level=unit&bbox=113,23,113.1,23.1&zoom=3', /^zoom: not a parameter here/],
    ['/api/grids/4406A', /must be digits only/],
    ['/api/grids/11010100100101/stats', /division 110101 is not one of this platform's/],
  ])('answers %s with a 400 and a message', async (url, message) => {
    const response = await get(url);
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(message);
  });

  it('answers one grid, and a 404 naming an unknown one', async () => {
    expect((await get('/api/grids/44060400100102')).body).toMatchObject({ type: 'Feature', id: '44060400100102', properties: { level: 'unit', name: '二号网格' } });
    expect(await get('/api/grids/44060400100109')).toMatchObject({ status: 404, body: { message: 'no grid 44060400100109' } });
    expect(await get('/api/grids/44060400100109/stats')).toMatchObject({ status: 404 });
  });

  it('counts what is in a grid: open and overdue cases, buildings and residents, sensors and incidents, inspections due', async () => {
    await cases.create({ ...REPORT, gridCode: '44060400100101' }, NOW - 60_000);
    const closed = await cases.create({ ...REPORT, gridCode: '44060400100101' }, NOW - 60_000);
    for (const action of ['file', 'dispatch', 'handle', 'check', 'close'] as const) await cases.act(closed.record.id, { action, by: 'x', ...(action === 'dispatch' ? { department: '城管' } : {}) }, NOW - 50_000);
    // Dispatched 3 days ago with a limit of hours: overdue.
    const late = await cases.create({ ...REPORT, classId: 'event:0504', gridCode: '44060400100101' }, NOW - 3 * 86_400_000);
    await cases.act(late.record.id, { action: 'file', by: 'x' }, NOW - 3 * 86_400_000);
    await cases.act(late.record.id, { action: 'dispatch', by: 'x', department: '交警' }, NOW - 3 * 86_400_000);
    await cases.create({ ...REPORT, gridCode: '44060400100102' }, NOW - 60_000);
    const unit = (await get('/api/grids/44060400100101/stats')).body as unknown as GridStats;
    expect(unit).toEqual({
      code: '44060400100101', level: 'unit', name: '一号网格',
      cases: { open: 2, overdue: 1 },
      buildings: { count: 2, residents: expect.any(Number), truncated: false },
      sensors: { count: 2, inAlarm: 1, openIncidents: 1 },
      inspections: { overdue: 1, intervalYears: 5 },
    });
    expect(unit.buildings!.residents).toBeGreaterThan(0);
    const other = (await get('/api/grids/44060400100102/stats')).body as unknown as GridStats;
    expect(other).toMatchObject({ cases: { open: 1, overdue: 0 }, buildings: { count: 1 }, sensors: { count: 0, inAlarm: 0, openIncidents: 0 }, inspections: { overdue: 0 } });
    // The community counts the cases of its unit grids, and their buildings.
    expect((await get('/api/grids/440604001001/stats')).body).toMatchObject({ cases: { open: 3, overdue: 1 }, buildings: { count: 3 } });
  });

  it('counts the inspections due from a lifecycle store when given one (PostgreSQL monitoring: no SQLite tables here)', async () => {
    const lifecycle = await SqliteLifecycleStore.open(':memory:');
    const completed = (buildingId: string, inspected: string) => ({ buildingId, stages: [{ stage: 'completion-acceptance' as const, date: '2005-01-01' }], parties: [], inspections: [{ date: inspected, result: 'pass' as const, inspector: 'x' }] });
    // B-1 last inspected in 2015 (overdue), B-2 in 2024, B-3 (the other grid) in 2010.
    await lifecycle.put([completed('B-1', '2015-06-01'), completed('B-2', '2024-06-01'), completed('B-3', '2010-06-01')]);
    const separate = Fastify();
    registerGridRoutes(separate, { store: grids, assets, lifecycle, now: () => NOW });
    await separate.ready();
    const stats = (code: string) => separate.inject({ method: 'GET', url: `/api/grids/${code}/stats` }).then((r) => r.json() as GridStats);
    expect(await stats('44060400100101')).toMatchObject({ sensors: null, buildings: { count: 2 }, inspections: { overdue: 1, intervalYears: 5 } });
    expect(await stats('440604001001')).toMatchObject({ buildings: { count: 3 }, inspections: { overdue: 2 } });
    await separate.close();
    await lifecycle.close();
  });

  it('says null for what it has no source for', async () => {
    const bare = Fastify();
    registerGridRoutes(bare, { store: grids });
    await bare.ready();
    const response = await bare.inject({ method: 'GET', url: '/api/grids/44060400100101/stats' });
    expect(response.json()).toEqual({ code: '44060400100101', level: 'unit', name: '一号网格', cases: null, buildings: null, sensors: null, inspections: null });
    await bare.close();
  });
});
