/**
 * The check-up store, job and API, run against both backends (testing/backends.ts): on
 * PostgreSQL the grid, asset, case and check-up stores share one throwaway database; on SQLite
 * each has its file. The sensors and incidents come from a SQLite monitoring store here (the
 * PostgreSQL store's same reads: sensorthings/facts.test.ts), the lifecycle records from its
 * database, or (one test) from a lifecycle store on the backend. The facts are hand-made, so every
 * figure below is worked out by hand.
 */
import { POSTGRES_ASSET_TABLES } from '../assets/postgres-asset-store.ts';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyFacts, monthRange } from '../../domain/checkup/indicators.ts';
import type { GridInput, Position } from '../../domain/grids/grids.ts';
import type { BuildingLifecycle } from '../../domain/lifecycle/lifecycle.ts';
import { openAssetStore, type AssetInput, type AssetStore } from '../assets/asset-store.ts';
import { openCaseStore, type CaseStore, type LoadedCase } from '../cases/case-store.ts';
import { openGridStore, type GridStore } from '../grids/grid-store.ts';
import { storeLifecycles } from '../lifecycle/routes.ts';
import { openLifecycleStore } from '../lifecycle/lifecycle-store.ts';
import { SqliteMonitoringStore } from '../sensorthings/store.ts';
import { eachFreshStore, storeBackends } from '../testing/store-backends.ts';
import { CheckupInputError, openCheckupStore, type CheckupStore } from './checkup-store.ts';
import { runCheckupJob } from './job.ts';
import { registerCheckupRoutes } from './routes.ts';

const BACKENDS = await storeBackends('checkup', {
  prefix: 'checkup',
  open: openCheckupStore,
  extensions: ['postgis', 'pg_trgm'],
  tables: ['checkup_facts', 'checkup_months', 'grids', 'grid_store_schema', 'case_log', 'cases', 'case_store_schema', ...POSTGRES_ASSET_TABLES],
});

const square = (west: number, south: number, size: number): Position[] => [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]];
/** A street, its community, and four unit grids of 0.01° meeting at (113.01, 23.01); a grid named with formula text. */
const GRIDS: GridInput[] = [
  { code: '440604001', name: '祖庙街道', geometry: { type: 'Polygon', coordinates: [square(113, 23, 0.02)] } },
  { code: '440604001001', name: '普君社区', geometry: { type: 'Polygon', coordinates: [square(113, 23, 0.02)] } },
  { code: '44060400100101', name: '=HYPERLINK("http://evil.example","网格")', geometry: { type: 'Polygon', coordinates: [square(113, 23, 0.01)] } },
  { code: '44060400100102', name: '网格 02', geometry: { type: 'Polygon', coordinates: [square(113.01, 23, 0.01)] } },
  { code: '44060400100103', name: '网格 03', geometry: { type: 'Polygon', coordinates: [square(113, 23.01, 0.01)] } },
  { code: '44060400100104', name: '网格 04', geometry: { type: 'Polygon', coordinates: [square(113.01, 23.01, 0.01)] } },
];

const building = (id: string, lon: number, lat: number): AssetInput => ({ id, kind: 'building', geometry: { type: 'Polygon', coordinates: [square(lon - 0.0001, lat - 0.0001, 0.0002)] }, position: [lon, lat] });
const pipe = (id: string, type: string, installYear: number | undefined, lon: number, lat: number): AssetInput => ({
  id, kind: 'pipe', attributes: { type, ...(installYear === undefined ? {} : { installYear }) },
  // 0.001° of latitude: 111.2 m (the job's great-circle length).
  geometry: { type: 'LineString', coordinates: [[lon, lat], [lon, lat + 0.001]] }, position: [lon, lat + 0.0005],
});
const ASSETS: AssetInput[] = [
  building('B1', 113.005, 23.005), building('B2', 113.006, 23.005), building('B3', 113.015, 23.015), building('B-out', 114, 23),
  pipe('P-gas-old', 'gas', 1990, 113.002, 23.002), pipe('P-gas-new', 'gas', 2010, 113.003, 23.002), pipe('P-gas-undated', 'gas', undefined, 113.004, 23.002),
  pipe('P-water-old', 'water', 1980, 113.012, 23.012), pipe('P-sewage', 'drainage-sewage', 2000, 113.013, 23.012), pipe('P-power', 'power', 1970, 113.014, 23.012),
];
const lifecycle = (buildingId: string, completion: string, inspections: string[]): BuildingLifecycle => ({
  buildingId, parties: [], stages: [{ stage: 'completion-acceptance', date: completion }] as BuildingLifecycle['stages'],
  inspections: inspections.map((date) => ({ date, result: 'pass', inspector: '王工' })),
});

// "Now": 2026-12-06 10:00 Beijing. The month in progress is 2026-12; November is reconstructed.
const NOW = Date.parse('2026-12-06T02:00:00Z');
const [NOV_START, NOV_END] = monthRange('2026-11');
const [DEC_START] = monthRange('2026-12');
const HOUR = 3_600_000;

const loaded = (gridCode: string, times: Partial<LoadedCase> & { status: LoadedCase['status'] }): LoadedCase => ({
  source: 'grid-worker', classId: 'component:0101', gridCode, description: '井盖缺失', lon: 113.005, lat: 23.005, reporter: '网格员', assetIds: [],
  createdAtMs: (times.dueAtMs ?? NOV_START) - 10 * HOUR, ...(times.status === 'collected' || times.status === 'filed' ? {} : { department: '市政' }), ...times,
});
const closedCase = (gridCode: string, dueAtMs: number, handledAtMs: number, closedAtMs: number) =>
  loaded(gridCode, { status: 'closed', filedAtMs: dueAtMs - 9 * HOUR, dispatchedAtMs: dueAtMs - 8 * HOUR, dueAtMs, handledAtMs, checkedAtMs: closedAtMs - HOUR, closedAtMs });
const CASES: LoadedCase[] = [
  closedCase('44060400100101', NOV_START + 48 * HOUR, NOV_START + 40 * HOUR, NOV_START + 50 * HOUR), // Nov: due, closed, on time
  closedCase('44060400100101', NOV_START + 96 * HOUR, NOV_START + 100 * HOUR, NOV_START + 101 * HOUR), // Nov: due, closed late
  loaded('44060400100104', { status: 'dispatched', filedAtMs: NOV_START, dispatchedAtMs: NOV_START + HOUR, dueAtMs: NOV_START + 5 * HOUR }), // Nov: due, open
  closedCase('440604001001', NOV_END - HOUR, NOV_END - 2 * HOUR, DEC_START + 5 * HOUR), // Nov: due; closed in December
  closedCase('44060400100104', DEC_START + 24 * HOUR, DEC_START + 20 * HOUR, DEC_START + 30 * HOUR), // Dec: due, closed, on time
  loaded('44060400100104', { status: 'dispatched', filedAtMs: NOW - 2 * HOUR, dispatchedAtMs: NOW - HOUR, dueAtMs: NOW + 10 * HOUR }), // Dec: not due yet
];

function monitoringDatabase(): { db: Database.Database; sensors: SqliteMonitoringStore } {
  const sensors = new SqliteMonitoringStore({ path: ':memory:', rules: [] });
  const db = sensors.db;
  storeLifecycles(db, [
    lifecycle('B1', '2010-01-01', ['2018-03-01']), // overdue since 2023-03-01: in November and December
    lifecycle('B2', '2010-01-01', ['2018-03-01', '2026-12-02']), // inspected on 2 December: overdue in November only
    lifecycle('B3', '2025-01-01', []), // in use, not due
    lifecycle('B-out', '2000-01-01', []), // outside every grid
  ]);
  db.exec(`INSERT INTO sensors (id, name, encoding_type, metadata) VALUES (1, 's', 'text/plain', '');
    INSERT INTO observed_properties (id, name, definition) VALUES (1, 'methane', 'x');`);
  const thing = (id: number, lon: number, lat: number, lastMs: number | undefined) => {
    db.prepare('INSERT INTO things (id, name) VALUES (?, ?)').run(id, `thing ${id}`);
    db.prepare("INSERT INTO locations (id, name, encoding_type, location, lon, lat) VALUES (?, 'l', 'application/geo+json', '{}', ?, ?)").run(id, lon, lat);
    db.prepare('INSERT INTO thing_locations (thing_id, location_id) VALUES (?, ?)').run(id, id);
    db.prepare("INSERT INTO datastreams (id, name, observation_type, unit, thing_id, sensor_id, observed_property_id) VALUES (?, 'd', 'x', '{}', ?, 1, 1)").run(id, id);
    if (lastMs !== undefined) db.prepare('INSERT INTO observations (datastream_id, phenomenon_time, result) VALUES (?, ?, 1)').run(id, lastMs);
  };
  thing(1, 113.005, 23.006, NOW - 5 * 60_000); // online
  thing(2, 113.006, 23.006, NOW - 60 * 60_000); // silent an hour
  thing(3, 113.015, 23.016, undefined); // never heard
  const incident = (type: string, lon: number, lat: number, at: number) =>
    db.prepare("INSERT INTO incidents (type, level, status, lon, lat, asset_ids, alarm_active, raised_at, updated_at) VALUES (?, 2, 'closed', ?, ?, '[]', 0, ?, ?)").run(type, lon, lat, at, at);
  incident('gas-leak', 113.002, 23.0025, NOV_START + 10 * HOUR);
  incident('waterlogging', 113.0051, 23.0051, NOV_START + 20 * HOUR);
  incident('waterlogging', 113.00512, 23.00511, NOV_START + 30 * HOUR); // the same point, 2 m away
  incident('waterlogging', 113.0081, 23.0051, NOV_START + 40 * HOUR); // another point
  incident('building-tilt', 113.005, 23.005, NOV_START + 50 * HOUR); // not a lifeline incident
  incident('water-main-burst', 113.012, 23.0125, DEC_START + 10 * HOUR);
  return { db, sensors };
}

describe.each(BACKENDS)('check-up on $name', (backend) => {
  let store: CheckupStore;
  let location: string;
  let grids: GridStore;
  let assets: AssetStore;
  let cases: CaseStore;
  let monitoring: Database.Database;
  let sensors: SqliteMonitoringStore;
  const beside = (name: string) => (location.startsWith('postgres') ? location : location.replace(/\.sqlite$/, `-${name}.sqlite`));

  eachFreshStore(backend, async (fresh) => {
    ({ store, location } = fresh);
    grids = await openGridStore(beside('grids'));
    await grids.replaceAll(GRIDS);
    assets = await openAssetStore(beside('assets'));
    await assets.replaceDataset('demo', ASSETS);
    cases = await openCaseStore(beside('cases'));
    await cases.load(CASES);
    ({ db: monitoring, sensors } = monitoringDatabase());
  });
  afterEach(async () => {
    await grids?.close();
    await assets?.close();
    await cases?.close();
    await sensors?.close();
  });

  it('sums a month\'s grid facts per district, street, community and unit grid; writes a month all or nothing', async () => {
    const a = { ...emptyFacts(), buildingsInUse: 10, buildingsOverdue: 1, sensors: 4, sensorsOnline: 3 };
    const b = { ...emptyFacts(), buildingsInUse: 30, buildingsOverdue: 9, sensors: 0, sensorsOnline: 0 };
    await store.putMonth({ month: '2026-10', computedAtMs: 1, sensorsObserved: true, kind: 'snapshot' }, [{ code: '44060400100101', facts: a }, { code: '440604001001', facts: b }]);
    expect((await store.area('440604', '2026-10'))!).toMatchObject({ rows: 2, facts: { buildingsInUse: 40, buildingsOverdue: 10, sensors: 4, sensorsOnline: 3 } });
    expect((await store.area('440604001', '2026-10'))!.facts.buildingsInUse).toBe(40);
    expect((await store.area('440604001001', '2026-10'))!.facts.buildingsInUse).toBe(40);
    expect((await store.area('44060400100101', '2026-10'))!).toMatchObject({ rows: 1, facts: { buildingsInUse: 10 } });
    expect((await store.area('44060400100102', '2026-10'))!).toMatchObject({ rows: 0, facts: { buildingsInUse: 0, sensors: null } });
    expect(await store.area('440604', '2026-09')).toBeUndefined();
    expect(await store.units('unit', '440604001001', 100)).toEqual(['44060400100101']);
    expect(await store.units('community', undefined, 100)).toEqual(['440604001001']);
    // A bad code in the rows: nothing of the new month is written, the old one stays.
    await expect(store.putMonth({ month: '2026-10', computedAtMs: 2, sensorsObserved: false, kind: 'snapshot' }, [{ code: '44060400100102', facts: a }, { code: '4406040', facts: b }])).rejects.toThrow(CheckupInputError);
    expect((await store.month('2026-10'))!.computedAtMs).toBe(1);
    expect((await store.area('440604', '2026-10'))!.facts.buildingsInUse).toBe(40);
  });

  it('the job: the month in progress as a snapshot with sensors; a past month reconstructed from timestamps, without them', async () => {
    const report = await runCheckupJob(store, { grids, assets, monitoring, sensors, casesLocation: beside('cases') }, { nowMs: NOW, backfillMonths: 1 });
    expect(report.months.map((m) => [m.month, m.kind])).toEqual([['2026-11', 'reconstructed'], ['2026-12', 'snapshot']]);
    const nov = (await store.area('440604', '2026-11'))!.facts;
    const dec = (await store.area('440604', '2026-12'))!.facts;
    expect(nov).toMatchObject({ buildingsInUse: 3, buildingsOverdue: 2, sensors: null, sensorsOnline: null, lifelineIncidents: 4, waterloggingPoints: 2, casesDue: 4, casesDueClosed: 2, casesDueClosedOnTime: 1 });
    expect(dec).toMatchObject({ buildingsInUse: 3, buildingsOverdue: 1, sensors: 3, sensorsOnline: 1, lifelineIncidents: 1, waterloggingPoints: 0, casesDue: 1, casesDueClosed: 1, casesDueClosedOnTime: 1 });
    // Pipes: gas 3 × 111.2 m, 2 dated, 1 old (1990: 36 years); water 1 old; sewage 1 (2000: 26 years); power left out.
    expect(dec.gasMetres).toBeCloseTo(3 * 111.19, 0);
    expect(dec.gasDatedMetres).toBeCloseTo(2 * 111.19, 0);
    expect(dec.gasOldMetres).toBeCloseTo(111.19, 0);
    expect(dec.waterOldMetres).toBeCloseTo(111.19, 0);
    expect(dec.drainageMetres).toBeCloseTo(111.19, 0);
    expect(dec.drainageOldMetres).toBe(0);
    // By grid: B1, B2 and the first case's grid are unit grid 01; the community-coded case only counts from the community up.
    expect((await store.area('44060400100101', '2026-11'))!.facts).toMatchObject({ buildingsInUse: 2, buildingsOverdue: 2, casesDue: 2, waterloggingPoints: 2 });
    expect((await store.area('440604001001', '2026-11'))!.facts.casesDue).toBe(4);
    // A second run keeps November as it was reconstructed and recomputes December only.
    const again = await runCheckupJob(store, { grids, assets, monitoring, sensors, casesLocation: beside('cases') }, { nowMs: NOW + HOUR, backfillMonths: 1 });
    expect(again.months.map((m) => m.month)).toEqual(['2026-12']);
  });

  it('the job reads the buildings\' states from a lifecycle store when given one (a PostgreSQL monitoring database\'s)', async () => {
    const lifecycleStore = await openLifecycleStore(beside('lifecycle'));
    try {
      await lifecycleStore.put([lifecycle('B1', '2010-01-01', ['2018-03-01']), lifecycle('B2', '2010-01-01', ['2018-03-01', '2026-12-02']), lifecycle('B3', '2025-01-01', []), lifecycle('B-out', '2000-01-01', [])]);
      // No SQLite monitoring database: no sensor or incident figures, the buildings from the store.
      await runCheckupJob(store, { grids, assets, lifecycle: lifecycleStore, casesLocation: beside('cases') }, { nowMs: NOW, backfillMonths: 1 });
      expect((await store.area('440604', '2026-11'))!.facts).toMatchObject({ buildingsInUse: 3, buildingsOverdue: 2, lifelineIncidents: 0 });
      expect((await store.area('440604', '2026-12'))!.facts).toMatchObject({ buildingsInUse: 3, buildingsOverdue: 1, sensors: null });
      expect((await store.area('44060400100101', '2026-11'))!.facts).toMatchObject({ buildingsInUse: 2, buildingsOverdue: 2 });
    } finally {
      await lifecycleStore.close();
    }
  });

  it('the API: values match the formulas, the trend lists the computed months, the CSV defuses formula text; bad input 400, unknown 404', async () => {
    await runCheckupJob(store, { grids, assets, monitoring, sensors, casesLocation: beside('cases') }, { nowMs: NOW, backfillMonths: 1 });
    const app = Fastify();
    registerCheckupRoutes(app, { store, grids, now: () => NOW });
    try {
      const get = (url: string) => app.inject({ method: 'GET', url });
      const unit = await get('/api/checkup?level=unit&code=44060400100101&month=2026-11');
      expect(unit.statusCode).toBe(200);
      const body = unit.json();
      const value = (id: string) => body.indicators.find((i: { id: string }) => i.id === id).value;
      expect(value('building-inspection-overdue')).toBeCloseTo(100);
      expect(value('case-closure-rate')).toBeCloseTo(100);
      expect(value('case-on-time-rate')).toBeCloseTo(50);
      expect(value('sensors-online')).toBeNull();
      expect(body).toMatchObject({ kind: 'reconstructed', sensorsObserved: false });
      const street = (await get('/api/checkup?code=440604001')).json();
      expect(street).toMatchObject({ month: '2026-12', level: 'street', name: '祖庙街道', sensorsObserved: true });
      expect(street.indicators.find((i: { id: string }) => i.id === 'sensors-online').value).toBeCloseTo(100 / 3);
      expect((await get('/api/checkup?code=440604')).json()).toMatchObject({ level: 'district', name: '广东省佛山市禅城区' });

      const trend = (await get('/api/checkup/trend?code=440604001001&from=2026-10&to=2026-12')).json();
      expect(trend.months.map((m: { month: string }) => m.month)).toEqual(['2026-11', '2026-12']);
      expect(trend.missing).toEqual(['2026-10']);
      expect(trend.months[0].values['case-closure-rate']).toBeCloseTo(50);
      expect(trend.months[1].values['waterlogging-points']).toBe(0);

      const csv = await get('/api/checkup.csv?code=44060400100101&from=2026-11&to=2026-12');
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toMatch(/text\/csv/);
      const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(lines[0]).toMatch(/^月份 month,编码 code,名称 name/);
      expect(lines).toHaveLength(1 + 2 * 9);
      // The grid's name is formula text: written with a leading apostrophe, quoted.
      expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.example"",""网格"")"`);
      expect(lines.find((l) => l.startsWith('2026-11') && l.includes('case-on-time-rate'))).toContain(',50,');

      for (const [url, status, message] of [
        ['/api/checkup?code=4406040010', 400, /code: grid code/],
        ['/api/checkup?code=440604001&level=unit', 400, /level: unit, but code 440604001 is a street/],
        ['/api/checkup?code=440604001&month=2026-13', 400, /month:/],
        ['/api/checkup?code=440604001&bogus=1', 400, /bogus: not a parameter/],
        ['/api/checkup?code=440604099', 404, /no grid 440604099/],
        ['/api/checkup?code=440604001&month=2020-01', 404, /no check-up for 2020-01/],
        ['/api/checkup/trend?code=440604001', 400, /from: required/],
        ['/api/checkup/trend?code=440604001&from=2026-12&to=2026-01', 400, /before/],
        ['/api/checkup.csv?code=440604001&month=2026-11&from=2026-11', 400, /not both/],
        ['/api/checkup/units?level=block', 400, /level:/],
      ] as const) {
        const response = await get(url);
        expect(response.statusCode, url).toBe(status);
        expect(response.json().message, url).toMatch(message);
      }
      expect((await get('/api/checkup/units?level=unit&parent=440604001001')).json().units.map((u: { code: string }) => u.code)).toEqual(['44060400100101', '44060400100104']);
    } finally {
      await app.close();
    }
  });
});
