/**
 * The lifecycle resource over HTTP: read, import, replace; bad input is a 400 and changes nothing.
 * On both backends; on PostgreSQL also two servers on one database (two processes) serving each
 * other's records.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../assets/testing/postgres.ts';
import { LifecycleUnavailableError } from './lifecycle-store.ts';
import { startTestServer, testBackends, TEST_KEY, type TestServer } from '../sensorthings/testing/test-server.ts';

const record = (buildingId: string, completion = '2012-06-30') => ({
  buildingId,
  stages: [
    { stage: 'project-approval', date: '2009-03-02', documentNumber: '佛禅发改投〔2009〕12号', authority: '禅城区发展和改革局' },
    { stage: 'construction-permit', date: '2010-01-20', documentNumber: '440604201001200101', authority: '禅城区住房城乡建设和水务局' },
    { stage: 'completion-acceptance', date: completion, authority: '禅城区住房城乡建设和水务局' },
  ],
  parties: [{ role: 'construction-unit', name: '佛山市某置业有限公司', creditCode: '9144030071526726XG' }],
  inspections: [],
});

const BACKENDS = await testBackends('lifecycle routes');

describe.each(BACKENDS)('lifecycle resource on $name', ({ backend, skipReason }) => {
  let server: TestServer;
  const count = () => server.monitoring.lifecycle.count();
  const call = (method: string, path: string, body?: unknown, key: string | null = TEST_KEY) =>
    fetch(`${server.url}${path}`, { method, headers: { 'Content-Type': 'application/json', ...(key ? { 'X-API-Key': key } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  beforeAll(async () => {
    if (!skipReason) server = await startTestServer({ backend, buildingIds: new Set(['B-1', 'B-2', 'B-3']) });
  });
  beforeEach((context) => {
    if (skipReason) context.skip(skipReason);
  });
  afterAll(() => server?.close());

  test('import, then read one record and the summary', async () => {
    const response = await call('POST', '/api/lifecycle/import', [record('B-1'), record('B-2', '2013-01-15')]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ imported: 2 });
    const one = (await (await call('GET', '/api/buildings/B-1/lifecycle')).json()) as { stages: { stage: string }[] };
    expect(one.stages.map((s) => s.stage)).toEqual(['project-approval', 'construction-permit', 'completion-acceptance']);
    const summary = (await (await call('GET', '/api/lifecycle/summary')).json()) as Record<string, Record<string, string>>;
    expect(summary['B-2']).toMatchObject({ 'completion-acceptance': '2013-01-15', 'construction-permit': '2010-01-20' });
    // The daily overview's figures, computed by the server: B-1 (completed 2012-06-30) is overdue
    // for its 5-yearly inspection on 2018-01-01, B-2 (2013-01-15) not yet.
    const overview = (await (await call('GET', '/api/lifecycle/inspections?today=2018-01-01')).json()) as { today: string; inUse: number; overdue: { count: number; first: { buildingId: string; since: string }[] }; rectification: { count: number } };
    expect(overview).toMatchObject({ today: '2018-01-01', inUse: 2, overdue: { count: 1, first: [{ buildingId: 'B-1', since: '2012-06-30' }] }, rectification: { count: 0, first: [] } });
    const later = (await (await call('GET', '/api/lifecycle/inspections?today=2019-01-01&limit=1')).json()) as { overdue: { count: number; first: { buildingId: string }[] } };
    expect(later.overdue.count).toBe(2);
    expect(later.overdue.first.map((o) => o.buildingId)).toEqual(['B-1']);
  });

  test('a page of one inspection list, with the next page linked', async () => {
    const first = (await (await call('GET', '/api/lifecycle/inspections/overdue?today=2019-01-01&limit=1')).json()) as { list: string; count: number; offset: number; rows: { buildingId: string; since: string }[]; next?: string };
    expect(first).toMatchObject({ list: 'overdue', count: 2, offset: 0, rows: [{ buildingId: 'B-1', since: '2012-06-30' }], next: '/api/lifecycle/inspections/overdue?today=2019-01-01&offset=1&limit=1' });
    const second = (await (await call('GET', first.next!)).json()) as typeof first;
    expect(second).toMatchObject({ count: 2, offset: 1, rows: [{ buildingId: 'B-2', since: '2013-01-15' }] });
    expect(second.next).toBeUndefined();
    const rectification = (await (await call('GET', '/api/lifecycle/inspections/rectification?today=2019-01-01')).json()) as typeof first;
    expect(rectification).toMatchObject({ list: 'rectification', count: 0, rows: [] });
  });

  test.each([
    ['offset past the limit', '/api/lifecycle/inspections/overdue?offset=100001', 400, /offset: must be a whole number from 0 to 100000/],
    ['a negative offset', '/api/lifecycle/inspections/recent?offset=-1', 400, /offset/],
    ['a page past 500', '/api/lifecycle/inspections/recent?limit=501', 400, /limit/],
    ['a bad day', '/api/lifecycle/inspections/recent?today=2019-02-29', 400, /today/],
    ['an unknown list', '/api/lifecycle/inspections/everything', 404, /no inspection list "everything": the lists are overdue, rectification, recent/],
  ])('an inspection list with %s is a %i with a message', async (_name, path, status, message) => {
    const response = await call('GET', path);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { message: string }).message).toMatch(message);
  });

  test('the inspection overview rejects a bad date or limit', async () => {
    for (const query of ['today=2018-02-31', 'today=yesterday', 'limit=-1', 'limit=2.5', 'limit=100000']) {
      const response = await call('GET', `/api/lifecycle/inspections?${query}`);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(/today|limit/);
    }
  });

  test('a building with no record is a 404 with a message (the panel shows its empty state)', async () => {
    const response = await call('GET', '/api/buildings/B-3/lifecycle');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { message: string }).message).toMatch(/B-3 has no lifecycle record/);
  });

  test.each([
    ['an unknown building ID', [record('B-1'), record('NOPE')], /record 1: unknown building ID "NOPE"/],
    ['a malformed date', [{ ...record('B-1'), stages: [{ stage: 'planning-permit', date: '2009-13-01' }] }], /record 0: stages\.0\.date: must be a calendar date/],
    ['a completion before the construction permit', [record('B-2', '2009-12-31')], /record 0: Completion acceptance \(2009-12-31\) is before Construction permit \(2010-01-20\)/],
    ['an invalid credit code', [{ ...record('B-1'), parties: [{ role: 'contractor', name: 'x', creditCode: '123' }] }], /invalid unified social credit code/],
    ['not an array', { buildingId: 'B-1' }, /JSON array/],
  ])('%s is a 400 and changes nothing', async (_name, body, message) => {
    const before = await count();
    const snapshot = await (await call('GET', '/api/buildings/B-2/lifecycle')).text();
    const response = await call('POST', '/api/lifecycle/import', body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(message);
    expect(await count()).toBe(before);
    expect(await (await call('GET', '/api/buildings/B-2/lifecycle')).text()).toBe(snapshot);
  });

  test('a database that is away is a 503 with a message, not a 500', async () => {
    const lifecycle = server.monitoring.lifecycle;
    const put = lifecycle.put.bind(lifecycle);
    lifecycle.put = () => Promise.reject(new LifecycleUnavailableError('the database is unreachable (test): nothing was stored; try again shortly'));
    try {
      const response = await call('PUT', '/api/buildings/B-3/lifecycle', record('B-3'));
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(((await response.json()) as { message: string }).message).toMatch(/unreachable \(test\): nothing was stored/);
    } finally {
      lifecycle.put = put;
    }
  });

  test('writes need the key; a PUT replaces one record', async () => {
    expect((await call('PUT', '/api/buildings/B-3/lifecycle', record('B-3'), null)).status).toBe(401);
    expect((await call('PUT', '/api/buildings/B-3/lifecycle', record('B-1'))).status).toBe(400);
    expect((await call('PUT', '/api/buildings/B-3/lifecycle', record('B-3'))).status).toBe(200);
    expect((await call('GET', '/api/buildings/B-3/lifecycle')).status).toBe(200);
  });
});

describe.each(BACKENDS)('lifecycle CSV import on $name', ({ backend, skipReason }) => {
  let server: TestServer;
  const count = () => server.monitoring.lifecycle.count();
  const postCsv = (text: string) => fetch(`${server.url}/api/lifecycle/import`, { method: 'POST', headers: { 'Content-Type': 'text/csv; charset=utf-8', 'X-API-Key': TEST_KEY }, body: text });
  const header = 'buildingId,kind,type,date,number,authority,name,creditCode,result,note';
  const good = [
    header,
    // Listed out of date order, with Chinese stage, role and result names and a quoted comma.
    '"B-1",stage,竣工验收,2012-06-30,"禅建竣备〔2012〕001号",禅城区住房城乡建设和水务局,,,,',
    'B-1,stage,立项,2009-03-02,佛禅发改投〔2009〕12号,禅城区发展和改革局,,,,',
    'B-1,stage,construction-permit,2010-01-20,440604201001200101,,,,,',
    'B-1,party,施工单位,,,,"广东省第四建筑工程有限公司",9144030071526726XG,,',
    'B-1,inspection,,2017-04-02,,,禅城区房屋安全鉴定所,,限期整改,"外墙空鼓, 限期修复"',
    'B-2,stage,建设工程规划许可,2025-09-01,建字第440604202500001号,,,,,',
  ].join('\r\n');
  beforeAll(async () => {
    if (!skipReason) server = await startTestServer({ backend, buildingIds: new Set(['B-1', 'B-2']) });
  });
  beforeEach((context) => {
    if (skipReason) context.skip(skipReason);
  });
  afterAll(() => server?.close());

  test('rows become one record per building, stages in date order', async () => {
    const response = await postCsv(`\ufeff${good}\r\n`);
    expect(await response.json()).toEqual({ imported: 2 });
    const one = (await (await fetch(`${server.url}/api/buildings/B-1/lifecycle`)).json()) as { stages: { stage: string; documentNumber?: string }[]; parties: unknown[]; inspections: unknown[] };
    expect(one.stages.map((s) => s.stage)).toEqual(['project-approval', 'construction-permit', 'completion-acceptance']);
    expect(one.stages[2]!.documentNumber).toBe('禅建竣备〔2012〕001号');
    expect(one.parties).toEqual([{ role: 'contractor', name: '广东省第四建筑工程有限公司', creditCode: '9144030071526726XG' }]);
    expect(one.inspections).toEqual([{ date: '2017-04-02', result: 'rectify', inspector: '禅城区房屋安全鉴定所', note: '外墙空鼓, 限期修复' }]);
  });

  test.each([
    ['a malformed date', `${header}\nB-1,stage,立项,2009-02-30,,,,,,`, /CSV: row 2: date "2009-02-30" is not a calendar date/],
    ['an unknown stage', `${header}\nB-1,stage,立项,2009-02-01,,,,,,\nB-1,stage,封顶,2010-02-01,,,,,,`, /CSV: row 3: unknown stage "封顶"/],
    ['an unknown building', `${header}\nB-9,stage,立项,2009-02-01,,,,,,`, /building B-9: unknown building ID "B-9"/],
    ['a completion before its permit', `${header}\nB-2,stage,施工许可,2010-01-20,,,,,,\nB-2,stage,竣工验收,2009-01-20,,,,,,`, /building B-2: Completion acceptance \(2009-01-20\) is before Construction permit/],
    ['a missing column', 'buildingId,type,date\nB-1,立项,2009-02-01', /CSV: missing column "kind"/],
    ['an empty body', '', /CSV: the body is empty/],
  ])('%s is a 400 naming the row or building, and nothing is stored', async (_name, text, message) => {
    const before = await count();
    const snapshot = await (await fetch(`${server.url}/api/lifecycle/summary`)).text();
    const response = await postCsv(text);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(message);
    expect(await count()).toBe(before);
    expect(await (await fetch(`${server.url}/api/lifecycle/summary`)).text()).toBe(snapshot);
  });
});

// Issue 21: any process serves any request. Two servers on one PostgreSQL database.
describe.each(BACKENDS.filter((b) => b.backend === 'postgres'))('two servers on one $name database', ({ skipReason }) => {
  let database: TestDatabase;
  let one: TestServer;
  let two: TestServer;
  beforeAll(async () => {
    if (skipReason) return;
    database = await createTestDatabase(['postgis']);
    one = await startTestServer({ databasePath: database.url, backend: 'postgres' });
    two = await startTestServer({ databasePath: database.url, backend: 'postgres' });
  });
  beforeEach((context) => {
    if (skipReason) context.skip(skipReason);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await database?.drop();
  });
  const put = (server: TestServer, value: ReturnType<typeof record>) =>
    fetch(`${server.url}/api/buildings/${value.buildingId}/lifecycle`, { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-API-Key': TEST_KEY }, body: JSON.stringify(value) });
  const summary = async (server: TestServer) => (await (await fetch(`${server.url}/api/lifecycle/summary`)).json()) as Record<string, Record<string, string>>;

  test('a record written through one is read through the other, and the other\'s cached overviews follow', async () => {
    expect(await summary(two)).toEqual({});
    expect((await put(one, record('S-1'))).status).toBe(200);
    const read = await fetch(`${two.url}/api/buildings/S-1/lifecycle`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(record('S-1'));
    // `two` cached an empty summary above: the write through `one` makes it read again.
    expect(Object.keys(await summary(two))).toEqual(['S-1']);
    const imported = await fetch(`${two.url}/api/lifecycle/import`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': TEST_KEY }, body: JSON.stringify([record('S-2', '2013-01-15'), record('S-1', '2014-02-01')]) });
    expect(await imported.json()).toEqual({ imported: 2 });
    expect(await summary(one)).toMatchObject({ 'S-1': { 'completion-acceptance': '2014-02-01' }, 'S-2': { 'completion-acceptance': '2013-01-15' } });
    const overview = (await (await fetch(`${one.url}/api/lifecycle/inspections?today=2019-01-01`)).json()) as { inUse: number; overdue: { count: number } };
    expect(overview).toMatchObject({ inUse: 2, overdue: { count: 1 } });
    expect(await one.monitoring.lifecycle.count()).toBe(2);
    expect(await two.monitoring.lifecycle.count()).toBe(2);
  });
});
