/**
 * The monitoring store's reads for the grids and the city check-up (issue 19), the same on both
 * backends: Things in a bbox (by their newest Location), Things in alarm, open incidents in a bbox,
 * incidents raised in a time range by type, and every located Thing with its newest reading.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, testBackends, thingPayload, type TestServer } from './testing/test-server.ts';

const BACKENDS = await testBackends('monitoring facts');
const T0 = Date.parse('2026-12-01T00:00:00Z');

describe.each(BACKENDS)('monitoring facts on $name', ({ backend, skipReason }) => {
  let server: TestServer;
  beforeAll(async () => {
    if (skipReason) return;
    server = await startTestServer({ backend });
    // Three methane sensors: two near 113.12, 23.02 (datastreams 1, 2), one far away (3).
    expect((await server.post('Things', thingPayload('MH-1', 'methane', 113.121, 23.021))).status).toBe(201);
    expect((await server.post('Things', thingPayload('MH-2', 'methane', 113.122, 23.022))).status).toBe(201);
    expect((await server.post('Things', thingPayload('MH-3', 'methane', 113.5, 23.5))).status).toBe(201);
    // 1 over its alarm level (an incident), 2 normal, 3 never heard.
    expect((await server.post('Observations', { Datastream: { '@iot.id': 1 }, result: 60, phenomenonTime: new Date(T0 + 3_600_000).toISOString() })).status).toBe(201);
    expect((await server.post('Observations', { Datastream: { '@iot.id': 2 }, result: 1, phenomenonTime: new Date(T0 + 7_200_000).toISOString() })).status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  test.skipIf(!!skipReason)('each read answers the same on either backend', async () => {
    const store = server.monitoring.store;
    const near = [113.11, 23.01, 113.13, 23.03] as const;
    expect((await store.thingsIn(near)).map((t) => t.id).sort()).toEqual([1, 2]);
    expect((await store.thingsIn([0, 0, 1, 1])).length).toBe(0);
    expect(await store.thingsInAlarm()).toEqual([1]);
    const open = await store.openIncidentsIn(near);
    expect(open.length).toBe(1);
    expect(open[0]!.lon).toBeCloseTo(113.121, 6);
    expect(await store.openIncidentsIn([113.4, 23.4, 113.6, 23.6])).toEqual([]);
    const raised = await store.incidentsRaised(T0, T0 + 86_400_000, ['methane-over-limit', 'gas-leak']);
    expect(raised.map((i) => [i.type, i.raisedAtMs])).toEqual([['methane-over-limit', T0 + 3_600_000]]);
    expect(await store.incidentsRaised(T0, T0 + 86_400_000, ['waterlogging'])).toEqual([]);
    expect(await store.incidentsRaised(T0 + 86_400_000, T0 + 2 * 86_400_000, ['methane-over-limit'])).toEqual([]);
    const last = (await store.thingsWithLastReading()).sort((a, b) => a.id - b.id);
    expect(last.map((t) => [t.id, t.lastMs])).toEqual([[1, T0 + 3_600_000], [2, T0 + 7_200_000], [3, null]]);
  }, 30_000);
});
