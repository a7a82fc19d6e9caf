/**
 * `Monitoring.announce`: a change of a case or lifecycle record reaches every stream client as a
 * `change` event, on both backends (SQLite: straight to the hub; PostgreSQL: through the database
 * to the stream feed), in the order announced, between the updates, without moving the cursor.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { StreamClient } from '../../monitoring/stream-client.ts';
import type { StreamChange } from '../../domain/monitoring/api.ts';
import { startTestServer, testBackends, type TestServer } from '../sensorthings/testing/test-server.ts';
import { until } from '../sensorthings/faults/harness.ts';

const BACKENDS = await testBackends('announce');

describe.each(BACKENDS)('announce on $name', ({ backend, skipReason }) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!skipReason) server = await startTestServer({ backend });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  test.skipIf(!!skipReason)('every client gets each change once, in order; the cursor does not move', async () => {
    const received: StreamChange[][] = [[], []];
    const clients = received.map((list) => {
      const client = new StreamClient({ url: `${server.base}/Stream`, onUpdate: () => {}, onChange: (change) => list.push(change) });
      client.start();
      return client;
    });
    await until(() => clients.every((c) => c.state === 'live'), 20_000, 'two live streams');
    const cursor = clients[0]!.lastEventId;
    const changes: StreamChange[] = [
      { kind: 'case', id: 'AJ1', action: 'created', at: '2026-12-06T01:00:00.000Z' },
      { kind: 'lifecycle', id: '440604-B-000001', action: 'edit', at: '2026-12-06T01:00:01.000Z' },
      { kind: 'case', id: 'AJ1', action: 'file', at: '2026-12-06T01:00:02.000Z' },
    ];
    for (const change of changes) await server.monitoring.announce(change);
    await until(() => received.every((list) => list.length >= changes.length), 5_000, 'three changes on both streams');
    for (const client of clients) client.stop();
    for (const list of received) expect(list).toEqual(changes);
    expect(clients[0]!.lastEventId).toBe(cursor);
  }, 60_000);
});
