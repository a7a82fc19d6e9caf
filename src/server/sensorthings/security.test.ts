/**
 * Issue 20, the server's classes, over real HTTP on loopback: the cost of a read is bounded
 * before and while it runs and never holds the event loop (§2); keys and origins are decided on
 * the route the router matched, for every data route (§4); names from Object.prototype, repeated
 * options, deep filters and deep JSON are a 400, never a 500 (§5); impossible and far-future times
 * are refused (§6). Each rejected write changes nothing.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, TEST_KEY, thingPayload, type TestServer } from './testing/test-server.ts';

type Collection = { value: Record<string, unknown>[]; '@iot.nextLink'?: string };

/** A GET with the path sent exactly as given (fetch would normalise `%2E` and the like). */
function rawGet(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, method: 'GET', headers }, (response) => {
      // A stream never ends: its status and headers are the answer.
      if (String(response.headers['content-type']).startsWith('text/event-stream')) {
        resolve({ status: response.statusCode!, headers: response.headers, body: '' });
        response.destroy();
        return;
      }
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

const message = async (response: Response) => ((await response.json()) as { message: string }).message;

describe('§2 the cost of a read is bounded before it starts', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ reads: { workers: 2 } });
    for (let i = 0; i < 3; i++) expect((await server.post('Things', thingPayload(`B-${i}`, 'methane', 113.12 + i * 0.001, 23.01))).status).toBe(201);
    const now = Date.now();
    for (let d = 1; d <= 3; d++) {
      const dataArray = Array.from({ length: 4000 }, (_, i) => [new Date(now - 3_600_000 + i * 100).toISOString(), i % 7]);
      expect((await server.post('CreateObservations', [{ Datastream: { '@iot.id': d }, components: ['phenomenonTime', 'result'], dataArray }])).status).toBe(201);
    }
  });
  afterAll(() => server.close());

  test('an $expand path counts each navigation: Datastream/Observations/… six deep is a 400 naming the depth bound', async () => {
    const response = await server.get('Observations?$top=1&$expand=Datastream/Observations/Datastream/Observations/Datastream/Observations');
    expect(response.status).toBe(400);
    expect(await message(response)).toMatch(/more than 3 navigations deep/);
    // Nested options count the same way.
    const nested = await server.get(`Observations?$top=1&$expand=${encodeURIComponent('Datastream($expand=Observations($expand=Datastream($expand=Observations)))')}`);
    expect(nested.status).toBe(400);
    // Three deep is allowed.
    expect((await server.get(`Things?$top=1&$expand=${encodeURIComponent('Datastreams/Observations($top=1;$expand=Datastream)')}`)).status).toBe(200);
  });

  test('$top of an expanded collection is bounded per level', async () => {
    const response = await server.get(`Observations?$top=60&$expand=${encodeURIComponent('Datastream($expand=Observations($top=10000))')}`);
    expect(response.status).toBe(400);
    expect(await message(response)).toMatch(/\$top must be at most 1000, the limit/);
    expect((await server.get('Observations?$top=10001')).status).toBe(400);
    expect((await server.get('Observations?$skip=100001')).status).toBe(400);
  });

  test('a read whose entities pass the budget stops with a 400 naming it, before anything is sent', async () => {
    // 60 observations × (their datastream + 1000 observations of it) is past 50,000 entities.
    const response = await server.get(`Observations?$top=60&$expand=${encodeURIComponent('Datastream($expand=Observations($top=1000))')}`);
    expect(response.status).toBe(400);
    expect(await message(response)).toMatch(/more than 50000 entities, the limit of one read/);
  });

  test('bytes and time budgets (small ones, configured) are 400s naming them', async () => {
    const small = await startTestServer({ databasePath: server.databasePath, reads: { budget: { maximumResponseBytes: 64 * 1024 } } });
    try {
      const response = await small.get('Observations?$top=2000');
      expect(response.status).toBe(400);
      expect(await message(response)).toMatch(/larger than 65536 bytes, the limit of one read/);
      expect((await small.get('Observations?$top=100&$select=id,result')).status).toBe(200);
    } finally {
      await small.close();
    }
    const quick = await startTestServer({ databasePath: server.databasePath, reads: { budget: { maximumReadMilliseconds: 1 } } });
    try {
      const response = await quick.get(`Observations?$top=10000&$expand=Datastream`);
      expect(response.status).toBe(400);
      expect(await message(response)).toMatch(/took longer than 1 ms, the limit of one read/);
    } finally {
      await quick.close();
    }
  });

  test('a read stuck in one long SQLite step past its time is answered with the time bound, and its worker replaced; reads waiting for a worker are bounded in number and time (503)', async () => {
    const stuck = await startTestServer({ reads: { workers: 1, maximumQueuedReads: 1, maximumQueueMilliseconds: 300, budget: { maximumReadMilliseconds: 100 } } });
    try {
      // LIKE '%a…ab%' over a long text of a's compares about 3,900 × 1,000,000 characters in one step:
      // about 4 s here, well past the bound plus the watchdog's 1 s grace (999 characters took 1.07 s,
      // so on an idle machine the worker sometimes answered the time bound itself and was not replaced).
      expect((await stuck.post('Things', { name: 'long', properties: { blob: 'a'.repeat(1_000_000) } })).status).toBe(201);
      // A worker's start-up counts as waiting: wait until one answers.
      const answered = async () => {
        for (let tries = 0; tries < 100; tries++) {
          const response = await stuck.get('Things?$select=id');
          const body = (await response.json()) as Collection;
          if (response.status === 200) return body.value.length;
          await new Promise((r) => setTimeout(r, 50));
        }
        return -1;
      };
      expect(await answered()).toBe(1);
      // Wait on the pool's own state, not on time: a loaded machine delays any request.
      const pool = stuck.monitoring.reads as unknown as { stats(): { running: number; queued: number } };
      const until = async (condition: () => boolean) => {
        for (let tries = 0; tries < 400 && !condition(); tries++) await new Promise((r) => setTimeout(r, 5));
        expect(condition()).toBe(true);
      };
      const slow = stuck.get(`Things?$select=id&$filter=${encodeURIComponent(`contains(properties/blob,'${'a'.repeat(3_900)}b')`)}`);
      await until(() => pool.stats().running === 1);
      // Meanwhile the one worker is busy: one read may wait (300 ms at most), the next is refused at once.
      const waiting = stuck.get('Things?$select=id');
      await until(() => pool.stats().queued === 1);
      const refused = await stuck.get('Things?$select=id');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await message(refused)).toMatch(/1 reads are already waiting, the limit/);
      const waited = await waiting;
      expect(waited.status).toBe(503);
      expect(await message(waited)).toMatch(/waited more than 300 ms for a free worker, the limit/);
      const response = await slow;
      expect(response.status).toBe(400);
      expect(await message(response)).toMatch(/took longer than 100 ms, the limit of one read/);
      expect((stuck.monitoring.reads as unknown as { replacedWorkers: number }).replacedWorkers).toBe(1);
      // The replacement answers.
      expect(await answered()).toBe(1);
    } finally {
      await stuck.close();
    }
  });

  test('a heavy read does not hold the event loop: a small request sent after it is answered before it', async () => {
    // Which answer's status line comes first: a read on the event loop would hold the small one
    // (and this test's own timer) until it is done.
    const order: string[] = [];
    const heavy = fetch(`${server.base}/Observations?$top=10000&$expand=Datastream($expand=Thing)`).then((r) => {
      order.push('heavy');
      return r;
    });
    await new Promise((r) => setTimeout(r, 30));
    const small = fetch(server.base).then((r) => {
      order.push('small');
      return r;
    });
    const [heavyResponse, smallResponse] = await Promise.all([heavy, small]);
    expect(heavyResponse.status).toBe(200);
    expect(smallResponse.status).toBe(200);
    expect(((await heavyResponse.json()) as Collection).value).toHaveLength(10_000);
    await smallResponse.arrayBuffer();
    expect(order).toEqual(['small', 'heavy']);
  });
});

describe('§4 keys are checked on the route the router matched, for every data route', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ readsNeedKey: true });
    await server.post('Things', thingPayload('K-1', 'methane', 113.12, 23.01));
    expect((await fetch(`${server.url}/api/lifecycle/import`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': TEST_KEY }, body: JSON.stringify([{ buildingId: 'K-B', stages: [{ stage: 'project-approval', date: '2009-03-02' }], parties: [], inspections: [] }]) })).status).toBe(200);
  });
  afterAll(() => server.close());

  test.each(['/v1.1/Stream', '/v1%2E1/Stream', '/%761.1/Stream', '/v1%2e1/Things', '/v1.1/Thing%73', '/v1.1/Things%281%29', '/v1.1', '/v1%2E1', '/api/buildings/K-B/lifecycle', '/api/lifecycle/summary', '/api/lifecycle/inspections', '/%61pi/lifecycle/summary'])('GET %s needs the key', async (path) => {
    const without = await rawGet(server.url, path);
    expect(without.status).toBe(401);
    expect(without.body).not.toMatch(/K-1|K-B/);
    const withKey = await rawGet(server.url, path, { 'X-API-Key': TEST_KEY });
    expect(withKey.status).toBe(200);
  });

  test('a write through an encoded path needs the key too', async () => {
    const before = server.monitoring.database.count('observations');
    const { hostname, port } = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest({ hostname, port, path: '/v1%2E1/Observations', method: 'POST', headers: { 'Content-Type': 'application/json' } }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      });
      request.on('error', reject);
      request.end(JSON.stringify({ Datastream: { '@iot.id': 1 }, result: 1 }));
    });
    expect(status).toBe(401);
    expect(server.monitoring.database.count('observations')).toBe(before);
  });
});

describe('§4 CORS comes from one allow-list, the same for every route', () => {
  test('by default no other origin is let in: not on the stream, the API, the lifecycle API or a preflight', async () => {
    const server = await startTestServer();
    try {
      for (const path of ['/v1.1/Stream', '/v1.1/Things', '/api/lifecycle/summary']) {
        const response = await rawGet(server.url, path, { Origin: 'http://evil.example' });
        expect(response.status, path).toBe(200);
        expect(response.headers['access-control-allow-origin'], path).toBeUndefined();
      }
      const preflight = await fetch(`${server.base}/Things`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-api-key' } });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await server.close();
    }
  });

  test('a configured origin is let in everywhere, and only it', async () => {
    const server = await startTestServer({ corsOrigins: ['http://viewer.example:8080'] });
    try {
      for (const path of ['/v1.1/Stream', '/v1.1/Things', '/api/lifecycle/summary']) {
        const allowed = await rawGet(server.url, path, { Origin: 'http://viewer.example:8080' });
        expect(allowed.headers['access-control-allow-origin'], path).toBe('http://viewer.example:8080');
        const other = await rawGet(server.url, path, { Origin: 'http://evil.example' });
        expect(other.headers['access-control-allow-origin'], path).toBeUndefined();
      }
    } finally {
      await server.close();
    }
  });
});

describe('§5 names, repeats, deep filters and deep bodies are a 400, never a 500', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.post('Things', thingPayload('N-1', 'methane', 113.12, 23.01));
    await server.post('Observations', { Datastream: { '@iot.id': 1 }, result: 1 });
  });
  afterAll(() => server.close());

  const counts = () => ({ observations: server.monitoring.database.count('observations'), things: server.monitoring.database.count('things'), datastreams: server.monitoring.database.count('datastreams'), locations: server.monitoring.database.count('locations') });

  test.each([
    ['$filter with not 1,500 times', `Observations?$filter=${encodeURIComponent(`${'not '.repeat(1500)}result eq 1`)}`, 400],
    ['$filter with 1,100 or terms', `Observations?$filter=${encodeURIComponent(Array.from({ length: 1100 }, () => 'id eq 1').join(' or ')).replaceAll('%20', '+')}`, 400],
    ['$filter with 101 or terms (short)', `Observations?$filter=${encodeURIComponent(Array.from({ length: 101 }, () => 'id eq 1').join(' or '))}`, 400, /more than 100 comparisons and functions, the limit/],
    ['$filter with not 21 times', `Observations?$filter=${encodeURIComponent(`${'not '.repeat(21)}result eq 1`)}`, 400, /nested more than 20 deep/],
    ['$filter with ( 21 deep', `Observations?$filter=${encodeURIComponent(`${'('.repeat(21)}result eq 1${')'.repeat(21)}`)}`, 400, /nested more than 20 deep/],
    ['$filter of 4,001 characters', `Observations?$filter=${encodeURIComponent(`result eq 1${' '.repeat(3990)}`)}`, 400, /longer than 4000 characters, the limit/],
    ['$filter within the bounds', `Observations?$filter=${encodeURIComponent(`${'not '.repeat(10)}(${Array.from({ length: 50 }, () => 'id eq 1').join(' or ')})`)}`, 200],
    ['$filter with ( 5,000 deep', `Observations?$filter=${encodeURIComponent(`${'('.repeat(5000)}result eq 1${')'.repeat(5000)}`)}`, 400],
    ['$expand=constructor', 'Things?$expand=constructor', 400],
    ['Things(1)/hasOwnProperty', 'Things(1)/hasOwnProperty', 404],
    ['Things(1)/constructor', 'Things(1)/constructor', 404],
    ['$orderby=constructor', 'Things?$orderby=constructor', 400],
    ['$filter=toString eq 1', 'Things?$filter=toString%20eq%201', 400],
    ['$filter=properties/__proto__ eq 1 (a JSON member is a parameter, not a lookup)', 'Things?$filter=properties/__proto__%20eq%201', 200],
    ['$select=__proto__', 'Things?$select=__proto__', 400],
    ['$select=constructor', 'Things?$select=constructor', 400],
    ['$select=toString', 'Observations?$select=toString', 400],
    ['a repeated option', 'Things?$top=1&$top=2', 400],
    ['a repeated option inside $expand', `Things?$expand=${encodeURIComponent('Datastreams($top=1;$top=2)')}`, 400],
    ['a repeated stream parameter', 'Stream?bbox=1,2,3,4&bbox=1,2,3,4', 400],
  ] as [string, string, number, RegExp?][])('%s', async (_name, path, status, pattern) => {
    const response = await server.get(path);
    expect(response.status).toBe(status);
    const body = (await response.json()) as { message?: string; value?: unknown[] };
    if (status !== 200) expect(body.message).toMatch(pattern ?? /./);
  });

  const deep = (depth: number, leaf: unknown = 1) => `${'['.repeat(depth)}${JSON.stringify(leaf)}${']'.repeat(depth)}`;
  const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  test.each([
    ['result nested 20,000 deep', 'Observations', `{"Datastream":{"@iot.id":1},"result":${deep(20_000)}}`],
    ['parameters nested 20,000 deep', 'Observations', `{"Datastream":{"@iot.id":1},"result":1,"parameters":${deepObject(20_000)}}`],
    ['properties nested 20,000 deep', 'Things', `{"name":"x","properties":${deepObject(20_000)}}`],
    ['CreateObservations parameters nested 20,000 deep', 'CreateObservations', `[{"Datastream":{"@iot.id":1},"components":["result","parameters"],"dataArray":[[1,${deepObject(20_000)}]]}]`],
    ['CreateObservations result nested 20,000 deep', 'CreateObservations', `[{"Datastream":{"@iot.id":1},"components":["result"],"dataArray":[[${deep(20_000)}]]}]`],
    ['a body just past the bound (33 deep)', 'Observations', `{"Datastream":{"@iot.id":1},"result":${deep(32)}}`],
  ])('a JSON body with %s is a 400 naming the bound, and stores nothing', async (_name, path, body) => {
    const before = counts();
    const response = await server.post(path, body);
    expect(response.status).toBe(400);
    expect(await message(response)).toMatch(/more than 32 deep, the limit/);
    expect(counts()).toEqual(before);
  });

  test('nesting within the bound is stored and reads back', async () => {
    const response = await server.post('Observations', `{"Datastream":{"@iot.id":1},"result":${deep(30, 'x')}}`);
    expect(response.status).toBe(201);
    const stored = (await (await fetch(response.headers.get('location')!)).json()) as { result: unknown };
    expect(JSON.stringify(stored.result)).toBe(deep(30, 'x'));
  });
});

describe('§6 times are checked: real days, and not beyond the allowed clock skew', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ buildingIds: new Set(['T-B']) });
    await server.post('Things', thingPayload('T-1', 'methane', 113.12, 23.01));
  });
  afterAll(() => server.close());
  const count = () => server.monitoring.database.count('observations');
  const soon = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

  test.each([
    ['February 31st', { phenomenonTime: '2026-02-31T00:00:00Z' }, /phenomenonTime/],
    ['hour 24', { phenomenonTime: '2026-03-01T24:00:00Z' }, /phenomenonTime/],
    ['minute 60', { phenomenonTime: '2026-03-01T10:60:00+08:00' }, /phenomenonTime/],
    ['a zone of +25:00', { phenomenonTime: '2026-03-01T10:00:00+25:00' }, /phenomenonTime/],
    ['February 29th of a common year', { resultTime: '2025-02-29T00:00:00Z' }, /resultTime/],
    ['the year 9999', { phenomenonTime: '9999-12-31T23:59:59Z' }, /phenomenonTime: 9999-12-31T23:59:59.000Z is more than 10 min after the server's clock/],
    ['an hour ahead', { phenomenonTime: soon(60) }, /more than 10 min after the server's clock .*allowed clock skew/],
    ['a resultTime a day ahead', { resultTime: soon(24 * 60) }, /resultTime: .* is more than 10 min after/],
  ])('an Observation with %s is a 400 and stores nothing', async (_name, times, pattern) => {
    const before = count();
    const response = await server.post('Observations', { Datastream: { '@iot.id': 1 }, result: 1, ...times });
    expect(response.status).toBe(400);
    expect(await message(response)).toMatch(pattern);
    expect(count()).toBe(before);
  });

  test('the same in a CreateObservations batch: the row is answered with "error" (§14.4) and not stored', async () => {
    const before = count();
    for (const bad of ['2026-02-31T00:00:00Z', '9999-12-31T23:59:59Z']) {
      const response = await server.post('CreateObservations', [{ Datastream: { '@iot.id': 1 }, components: ['phenomenonTime', 'result'], dataArray: [[bad, 2]] }]);
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual(['error']);
    }
    expect(count()).toBe(before);
  });

  test('a leap day, a time 5 minutes ahead and one in the past are taken', async () => {
    for (const phenomenonTime of ['2024-02-29T12:00:00Z', soon(5), '2026-01-01T00:00:00+08:00']) {
      expect((await server.post('Observations', { Datastream: { '@iot.id': 1 }, result: 1, phenomenonTime })).status).toBe(201);
    }
  });

  test('the skew is configurable', async () => {
    const roomy = await startTestServer({ databasePath: server.databasePath, maximumFutureSkewMilliseconds: 2 * 3_600_000 });
    try {
      expect((await roomy.post('Observations', { Datastream: { '@iot.id': 1 }, result: 1, phenomenonTime: soon(60) })).status).toBe(201);
      const response = await roomy.post('Observations', { Datastream: { '@iot.id': 1 }, result: 1, phenomenonTime: soon(180) });
      expect(response.status).toBe(400);
      expect(await message(response)).toMatch(/more than 2 h after/);
    } finally {
      await roomy.close();
    }
  });

  test('an impossible date in a $filter is a 400', async () => {
    const response = await server.get(`Observations?$filter=${encodeURIComponent('phenomenonTime ge 2026-02-31T00:00:00Z')}`);
    expect(response.status).toBe(400);
    expect(await message(response)).toMatch(/not a real date-time/);
    expect((await server.get(`Observations?$filter=${encodeURIComponent("phenomenonTime ge '2026-02-30T00:00:00Z'")}`)).status).toBe(400);
    expect((await server.get(`Observations?$filter=${encodeURIComponent('phenomenonTime ge 2026-02-28T00:00:00Z')}`)).status).toBe(200);
  });

  test('a lifecycle record dated after today is a 400 naming the date, and changes nothing', async () => {
    const post = (stages: { stage: string; date: string }[]) =>
      fetch(`${server.url}/api/lifecycle/import`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': TEST_KEY }, body: JSON.stringify([{ buildingId: 'T-B', stages, parties: [], inspections: [] }]) });
    const future = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const response = await post([{ stage: 'project-approval', date: '2009-03-02' }, { stage: 'planning-permit', date: future }]);
    expect(response.status).toBe(400);
    expect(await message(response)).toMatch(new RegExp(`record 0: stages\\.1\\.date: ${future} is after .*allowed clock skew`));
    expect((await fetch(`${server.url}/api/buildings/T-B/lifecycle`)).status).toBe(404);
    const csv = await fetch(`${server.url}/api/lifecycle/import`, { method: 'POST', headers: { 'Content-Type': 'text/csv', 'X-API-Key': TEST_KEY }, body: `buildingId,kind,type,date,number,authority,name,creditCode,result,note\nT-B,stage,立项,${future},,,,,,` });
    expect(csv.status).toBe(400);
    const today = new Date().toISOString().slice(0, 10);
    expect((await post([{ stage: 'project-approval', date: today }])).status).toBe(200);
  });
});
