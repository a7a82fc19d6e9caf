/**
 * A POST whose entity is stored but cannot be read back (the database lost just after the COMMIT,
 * the read pool failing) is answered 201 with the new entity's id and link, never a 503 or a 500
 * that would make a client create it again. The failure is injected into the running server's
 * store; the entity is then read through the API to show it is stored, once. Both backends.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, testBackends, thingPayload, type TestServer } from './testing/test-server.ts';
import { StoreUnavailableError } from './store.ts';
import { failNextReadBack } from './testing/read-back.ts';

const BACKENDS = await testBackends('POST read-back');

describe.each(BACKENDS.filter((b) => !b.skipReason))('POST read-back on $name', ({ backend }) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(() => server.close());

  test.each([
    ['the database lost after the COMMIT (StoreUnavailableError)', () => new StoreUnavailableError('Connection terminated unexpectedly')],
    ['any other read-back failure (the read pool)', () => new Error('read worker exited')],
  ])('%s: 201 with the id and link, and the entity is stored once', async (_name, makeError) => {
    const assetId = `PRB-${backend}-${Math.random().toString(36).slice(2, 8)}`;
    const attempts = failNextReadBack(server, makeError());
    const response = await server.post('Things', thingPayload(assetId, 'methane', 113.12, 23.01));
    expect(attempts.n).toBe(1);
    expect(response.status).toBe(201);
    const body = (await response.json()) as { '@iot.id': number; '@iot.selfLink': string };
    expect(body['@iot.selfLink']).toMatch(new RegExp(`/Things\\(${body['@iot.id']}\\)$`));
    expect(response.headers.get('location')).toBe(body['@iot.selfLink']);
    const thing = await server.json<{ properties: { assetId: string } }>(`Things(${body['@iot.id']})`);
    expect(thing.properties.assetId).toBe(assetId);
    const same = await server.json<{ value: unknown[] }>(`Things?$filter=${encodeURIComponent(`properties/assetId eq '${assetId}'`)}`);
    expect(same.value).toHaveLength(1);
  });
});
