/**
 * The lifecycle store's digests and the reads over them: the stage dates of the buildings in a
 * bbox (their IDs from the asset store), the inspection overview as SQL aggregates (the same
 * figures as the domain's rules over every record), and its paged lists.
 */
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDistrict } from '../../demo/district.ts';
import { generateLifecycles } from '../../demo/lifecycle.ts';
import { inspectionDigest, inspectionOverview, summariseInspections, INSPECTION_LISTS } from '../../domain/lifecycle/inspections.ts';
import type { BuildingLifecycle } from '../../domain/lifecycle/lifecycle.ts';
import { registerAccess } from '../access.ts';
import { openAssetStore, type AssetInput, type AssetStore } from '../assets/asset-store.ts';
import { DEFAULT_READ_BUDGET, ReadBudget } from '../sensorthings/read.ts';
import { registerLifecycleDates } from './dates-route.ts';
import { datesOf, ensureLifecycleTables, LIFECYCLE_TABLE_SQL } from './digests.ts';
import { inspectionPage, inspectionSummary, lifecycleOverviewJson } from './reads.ts';
import { storeLifecycles } from './routes.ts';
import { SqliteLifecycleStore } from './sqlite-lifecycle-store.ts';

const record = (buildingId: string, stages: [string, string][], inspections: { date: string; result: 'pass' | 'rectify' | 'fail' }[] = []): BuildingLifecycle =>
  ({
    buildingId,
    stages: stages.map(([stage, date]) => ({ stage, date })),
    parties: [],
    inspections: inspections.map((i) => ({ ...i, inspector: '房屋安全鉴定所' })),
  }) as BuildingLifecycle;

const budget = () => new ReadBudget(DEFAULT_READ_BUDGET);

describe('lifecycle digests', () => {
  it('give each building its first date of each stage, by ID, for the IDs asked only', () => {
    const db = new Database(':memory:');
    storeLifecycles(db, [
      record('B-1', [['project-approval', '2001-01-01'], ['construction-permit', '2002-01-01'], ['completion-acceptance', '2004-01-01'], ['renovation', '2015-01-01'], ['renovation', '2020-01-01']]),
      record('B-2', [['planning-permit', '2024-05-01']]),
      record("B-'3\"", [['completion-acceptance', '1990-01-01']]),
    ]);
    expect(datesOf(db, ['B-1', 'B-2', 'NOPE', "B-'3\""])).toEqual({
      'B-1': { 'project-approval': '2001-01-01', 'construction-permit': '2002-01-01', 'completion-acceptance': '2004-01-01', renovation: '2015-01-01' },
      'B-2': { 'planning-permit': '2024-05-01' },
      "B-'3\"": { 'completion-acceptance': '1990-01-01' },
    });
    expect(datesOf(db, [])).toEqual({});
    // A replaced record replaces its digest.
    storeLifecycles(db, [record('B-2', [['planning-permit', '2024-05-01'], ['construction-permit', '2025-01-01']])]);
    expect(datesOf(db, ['B-2'])).toEqual({ 'B-2': { 'planning-permit': '2024-05-01', 'construction-permit': '2025-01-01' } });
  });

  it('are built for a database that has records from before them', () => {
    const db = new Database(':memory:');
    db.exec(LIFECYCLE_TABLE_SQL);
    db.prepare('INSERT INTO building_lifecycles VALUES (?, ?, ?)').run('OLD-1', JSON.stringify(record('OLD-1', [['completion-acceptance', '2010-01-01']])), 0);
    ensureLifecycleTables(db);
    expect(datesOf(db, ['OLD-1'])).toEqual({ 'OLD-1': { 'completion-acceptance': '2010-01-01' } });
  });

  it('give the same inspection overview as the domain rules over every record (the demo district, several days)', () => {
    const db = new Database(':memory:');
    const records = generateLifecycles(generateDistrict());
    storeLifecycles(db, records);
    const digests = records.map(inspectionDigest);
    // The day after the last inspection in the records: every list has buildings on it.
    const lastInspection = records.flatMap((r) => r.inspections.map((i) => i.date)).sort().at(-1)!;
    const dayAfter = new Date(Date.parse(`${lastInspection}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const seen: Record<string, number> = {};
    for (const today of ['2010-06-30', '2021-03-01', '2035-01-01', dayAfter]) {
      const expected = summariseInspections(inspectionOverview(digests, today), today, 5, 20);
      const served = inspectionSummary(db, today, 20, budget());
      expect(served, today).toEqual(expected);
      for (const list of INSPECTION_LISTS) seen[list] = Math.max(seen[list] ?? 0, served[list].count);
      // Pages of a list put together are the list.
      for (const list of INSPECTION_LISTS) {
        const whole: unknown[] = inspectionOverview(digests, today)[list];
        const pages = [inspectionPage(db, today, list, 0, 7, budget()), inspectionPage(db, today, list, 7, 7, budget())];
        expect(pages.flatMap((p): unknown[] => p.rows), `${today} ${list}`).toEqual(whole.slice(0, 14));
        expect(pages[0]!.count).toBe(whole.length);
        if (whole.length > 7) expect(pages[0]!.next).toBe(`/api/lifecycle/inspections/${list}?today=${today}&offset=7&limit=7`);
        else expect(pages[0]!.next).toBeUndefined();
      }
    }
    // Not an empty comparison: every list has buildings on one of the days.
    for (const list of INSPECTION_LISTS) expect(seen[list], list).toBeGreaterThan(7);
  });

  it('serve the summary (every building, for other tools) from the digests', () => {
    const db = new Database(':memory:');
    storeLifecycles(db, [record('B-2', [['planning-permit', '2024-05-01']]), record('B-1', [['completion-acceptance', '1990-01-01']])]);
    expect(JSON.parse(lifecycleOverviewJson(db, { kind: 'summary' }, budget()))).toEqual({ 'B-1': { 'completion-acceptance': '1990-01-01' }, 'B-2': { 'planning-permit': '2024-05-01' } });
    expect(() => lifecycleOverviewJson(db, { kind: 'summary' }, new ReadBudget({ ...DEFAULT_READ_BUDGET, maximumResponseBytes: 40 }))).toThrow(/larger than 40 bytes/);
  });
});

describe('GET /api/lifecycle/dates', () => {
  let app: FastifyInstance;
  let assets: AssetStore;
  const square = (lon: number, lat: number): AssetInput['geometry'] => ({ type: 'Polygon', coordinates: [[[lon, lat], [lon + 0.0002, lat], [lon + 0.0002, lat + 0.0002], [lon, lat + 0.0002], [lon, lat]]] });
  beforeAll(async () => {
    assets = await openAssetStore(':memory:');
    await assets.replaceDataset('district', [
      { id: 'B-1', kind: 'building', geometry: square(117.28, 31.86) },
      { id: 'B-2', kind: 'building', geometry: square(117.281, 31.86) },
      { id: 'B-3', kind: 'building', geometry: square(117.282, 31.86) }, // no lifecycle record
      { id: 'B-far', kind: 'building', geometry: square(117.5, 31.5) },
      { id: 'V-1', kind: 'valve', geometry: { type: 'Point', coordinates: [117.2805, 31.8601] } },
    ]);
    const db = new Database(':memory:');
    storeLifecycles(db, [
      record('B-1', [['project-approval', '2001-01-01'], ['completion-acceptance', '2004-01-01']]),
      record('B-2', [['planning-permit', '2024-05-01']]),
      record('B-far', [['completion-acceptance', '1990-01-01']]),
      record('V-1', [['completion-acceptance', '1990-01-01']]), // not a building in the asset store: never asked for
    ]);
    app = Fastify();
    registerAccess(app, { apiKeys: ['k'], readsNeedKey: false });
    registerLifecycleDates(app, { store: new SqliteLifecycleStore(db), assets });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await assets.close();
  });
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const response = await app.inject({ method: 'GET', url, headers });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };

  it('answers the dates of the buildings in the box, and says when it was cut', async () => {
    expect(await get('/api/lifecycle/dates?bbox=117.27,31.85,117.29,31.87')).toEqual({
      status: 200,
      body: { dates: { 'B-1': { 'project-approval': '2001-01-01', 'completion-acceptance': '2004-01-01' }, 'B-2': { 'planning-permit': '2024-05-01' } }, buildings: 3, truncated: false },
    });
    // Three buildings, room for two: the box is halved around its centre (117.28, 31.86) until it
    // holds no more: the third box (±0.00125°) has B-1 (117.2800–117.2802) and B-2
    // (117.2810–117.2812), not B-3 (117.2820).
    expect((await get('/api/lifecycle/dates?bbox=117.27,31.85,117.29,31.87&limit=2')).body).toEqual({
      dates: { 'B-1': { 'project-approval': '2001-01-01', 'completion-acceptance': '2004-01-01' }, 'B-2': { 'planning-permit': '2024-05-01' } },
      buildings: 2,
      truncated: true,
      covered: [117.27875, 31.85875, 117.28125, 31.86125],
    });
    // Room for one, centred on B-2: the halves close in on it.
    const one = (await get('/api/lifecycle/dates?bbox=117.279,31.859,117.284,31.861&limit=1')).body as { dates: object; buildings: number; truncated: boolean; covered: number[] };
    expect(one).toMatchObject({ dates: { 'B-2': { 'planning-permit': '2024-05-01' } }, buildings: 1, truncated: true });
    expect(one.covered[0]).toBeGreaterThan(117.2802);
    expect(one.covered[2]).toBeLessThan(117.282);
    expect((await get('/api/lifecycle/dates?bbox=117.0,31.0,117.1,31.1')).body).toEqual({ dates: {}, buildings: 0, truncated: false });
  });

  it.each([
    ['no bbox', '', /bbox=west,south,east,north/],
    ['three numbers', 'bbox=117.27,31.85,117.29', /4 finite numbers/],
    ['text', 'bbox=a,b,c,d', /4 finite numbers/],
    ['west east of east', 'bbox=117.29,31.85,117.27,31.87', /west 117.29 is east of east 117.27/],
    ['outside degrees', 'bbox=117,31,500,32', /outside lon/],
    ['too wide', 'bbox=117.0,31.8,117.6,31.9', /too large: at most 0.5°/],
    ['too tall', 'bbox=117.2,31.0,117.3,32.0', /too large/],
    ['given twice', 'bbox=117.27,31.85,117.29,31.87&bbox=117.27,31.85,117.29,31.87', /once/],
    ['a limit past 10,000', 'bbox=117.27,31.85,117.29,31.87&limit=10001', /limit: must be a whole number from 1 to 10000/],
    ['a limit of 0', 'bbox=117.27,31.85,117.29,31.87&limit=0', /limit/],
    ['a fractional limit', 'bbox=117.27,31.85,117.29,31.87&limit=2.5', /limit/],
  ])('%s is a 400 with a message', async (_name, query, message) => {
    const answer = await get(`/api/lifecycle/dates?${query}`);
    expect(answer.status).toBe(400);
    expect(String(answer.body.message)).toMatch(message);
  });

  it('is a data route: with keyed reads it needs the key', async () => {
    const keyed = Fastify();
    registerAccess(keyed, { apiKeys: ['k'], readsNeedKey: true });
    registerLifecycleDates(keyed, { store: new SqliteLifecycleStore(new Database(':memory:')), assets });
    await keyed.ready();
    expect((await keyed.inject({ method: 'GET', url: '/api/lifecycle/dates?bbox=117.27,31.85,117.29,31.87' })).statusCode).toBe(401);
    expect((await keyed.inject({ method: 'GET', url: '/api/lifecycle/dates?bbox=117.27,31.85,117.29,31.87', headers: { 'x-api-key': 'k' } })).statusCode).toBe(200);
    await keyed.close();
  });
});
