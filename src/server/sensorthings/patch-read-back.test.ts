/**
 * A PATCH whose change is stored but whose entity cannot be read back (the database lost just
 * after the COMMIT, the read pool failing) is answered as what it is, a success: 204 No Content,
 * which OGC 18-088 §10.3.2 allows for an update ("200 OK or 204 No Content"), never a 503 or a
 * 500 that would make a client send a stored change again. The read-back failure is injected
 * into the running server's store; the change is then read through the API to show it is stored.
 * On SQLite and on PostgreSQL (left out with the reason when no PostgreSQL server answers).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, testBackends, TEST_KEY, thingPayload, type TestServer } from './testing/test-server.ts';
import { StoreUnavailableError } from './store.ts';
import { failNextReadBack } from './testing/read-back.ts';

const BACKENDS = await testBackends('PATCH read-back');

describe.each(BACKENDS.filter((b) => !b.skipReason))('PATCH read-back on $name', ({ backend }) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(() => server.close());

  const patch = (path: string, body: unknown) =>
    fetch(`${server.base}/${path}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-API-Key': TEST_KEY }, body: JSON.stringify(body) });

  const newThing = async (assetId: string) => {
    const response = await server.post('Things', thingPayload(assetId, 'methane', 113.12, 23.01));
    expect(response.status).toBe(201);
    return ((await response.json()) as { '@iot.id': number })['@iot.id'];
  };

  test.each([
    ['the database lost after the COMMIT (StoreUnavailableError)', () => new StoreUnavailableError('Connection terminated unexpectedly')],
    ['any other read-back failure (the read pool)', () => new Error('read worker exited')],
  ])('%s: 204 No Content, and the change is stored', async (_name, makeError) => {
    const id = await newThing(`RB-${backend}-${Math.random().toString(36).slice(2, 8)}`);
    const attempts = failNextReadBack(server, makeError());
    const response = await patch(`Things(${id})`, { name: 'renamed while the database went away', properties: { assetId: 'RB', assetKind: 'manhole' } });
    expect(attempts.n).toBe(1);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    const thing = await server.json(`Things(${id})`);
    expect(thing.name).toBe('renamed while the database went away');
    expect(thing.properties).toEqual({ assetId: 'RB', assetKind: 'manhole' });
  });

  test('when the read-back works the answer is still 200 with the whole entity', async () => {
    const id = await newThing(`RB-${backend}-ok`);
    const response = await patch(`Things(${id})`, { description: 'read back' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ '@iot.id': id, '@iot.selfLink': `${server.base}/Things(${id})`, description: 'read back', name: expect.any(String) });
  });

  test('a PATCH that was not stored is still not a success: 404 for a missing entity, 503 when the update itself fails', async () => {
    expect((await patch('Things(999999)', { name: 'x' })).status).toBe(404);
    const id = await newThing(`RB-${backend}-down`);
    const store = server.monitoring.store;
    const original = store.update.bind(store);
    store.update = () => Promise.reject(new StoreUnavailableError('database unreachable'));
    try {
      const response = await patch(`Things(${id})`, { name: 'never stored' });
      expect(response.status).toBe(503);
    } finally {
      store.update = original;
    }
    expect((await server.json(`Things(${id})`)).name).not.toBe('never stored');
  });
});
