/**
 * The monitoring server over real HTTP on loopback: query options, paging, writes, incidents,
 * thresholds, bad input (400 and nothing stored), keys, restart persistence; on SQLite and on
 * PostgreSQL (skipped with the reason when no PostgreSQL server answers).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, temporaryDatabase, testBackends, TEST_KEY, thingPayload, type TestServer } from './testing/test-server.ts';
import { createTestDatabase } from '../assets/testing/postgres.ts';

type Collection = { value: Record<string, unknown>[]; '@iot.count'?: number; '@iot.nextLink'?: string };

const MANHOLE = [113.1205, 23.0105] as const;

const BACKENDS = await testBackends('monitoring server');

/** A throwaway PostgreSQL database that outlives one server (dropped by `remove`). */
async function postgresDatabase(): Promise<{ path: string; remove(): Promise<void> }> {
  const database = await createTestDatabase(['postgis']);
  return { path: database.url, remove: () => database.drop() };
}

// A backend that cannot run was named with its reason (testBackends) and is left out here.
describe.each(BACKENDS.filter((b) => !b.skipReason))('on $name', ({ backend }) => {
  describe('SensorThings API', () => {
    let server: TestServer;
    let datastreamId: number;
    beforeAll(async () => {
      server = await startTestServer({ backend });
      for (let i = 0; i < 3; i++) {
        const response = await server.post('Things', thingPayload(`440604-YS-0000${i}`, 'methane', MANHOLE[0] + i * 0.01, MANHOLE[1]));
        expect(response.status).toBe(201);
      }
      const datastreams = await server.json<Collection>('Datastreams?$orderby=id');
      datastreamId = datastreams.value[0]!['@iot.id'] as number;
      const base = Date.parse('2026-11-25T00:00:00Z');
      const response = await server.post('CreateObservations', [
        { Datastream: { '@iot.id': datastreamId }, components: ['phenomenonTime', 'result'], dataArray: Array.from({ length: 12 }, (_, i) => [new Date(base + i * 60_000).toISOString(), i * 0.1]) },
      ]);
      expect(response.status).toBe(201);
    });
    afterAll(() => server.close());

    test('/healthz answers while the process is up; /readyz is 200 while the database answers, 503 naming it when not', async () => {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: Record<string, { ok: boolean }> }).checks.monitoringDatabase?.ok).toBe(true);
      const other = await startTestServer({ backend });
      try {
        await other.monitoring.store.close();
        const down = await fetch(`${other.url}/readyz`);
        expect(down.status).toBe(503);
        const body = (await down.json()) as { checks: Record<string, { ok: boolean; error?: string }> };
        expect(body.checks.monitoringDatabase?.ok).toBe(false);
        expect(body.checks.monitoringDatabase?.error).toBeTruthy();
        expect((await fetch(`${other.url}/healthz`)).status).toBe(200);
      } finally {
        await other.close().catch(() => {});
      }
    });

    test('entities carry @iot.id, @iot.selfLink and navigation links', async () => {
      const thing = await server.json('Things(1)');
      expect(thing['@iot.id']).toBe(1);
      expect(thing['@iot.selfLink']).toBe(`${server.base}/Things(1)`);
      expect(thing['Datastreams@iot.navigationLink']).toBe(`${server.base}/Things(1)/Datastreams`);
      expect(thing.properties).toEqual({ assetId: '440604-YS-00000', assetKind: 'manhole' });
      const locations = await server.json<Collection>('Things(1)/Locations');
      expect(locations.value[0]!.location).toEqual({ type: 'Point', coordinates: [...MANHOLE] });
      const datastreamThing = await server.json(`Datastreams(${datastreamId})/Thing`);
      expect(datastreamThing['@iot.id']).toBe(1);
    });

    test('$top, $skip, $count and @iot.nextLink page through a collection exactly', async () => {
      const seen: number[] = [];
      let next: string | undefined = `${server.base}/Datastreams(${datastreamId})/Observations?$top=5&$count=true&$orderby=phenomenonTime`;
      let pages = 0;
      while (next) {
        const page = (await (await fetch(next)).json()) as Collection;
        expect(page['@iot.count']).toBe(12);
        seen.push(...page.value.map((o) => o['@iot.id'] as number));
        next = page['@iot.nextLink'];
        pages++;
      }
      expect(pages).toBe(3);
      expect(seen).toHaveLength(12);
      expect(new Set(seen).size).toBe(12);
    });

    test('$orderby and $filter on phenomenonTime and result', async () => {
      const descending = await server.json<Collection>(`Datastreams(${datastreamId})/Observations?$orderby=phenomenonTime desc&$top=2`);
      expect(descending.value.map((o) => o.phenomenonTime)).toEqual(['2026-11-25T00:11:00.000Z', '2026-11-25T00:10:00.000Z']);
      const filtered = await server.json<Collection>(`Observations?$filter=${encodeURIComponent('result ge 0.5 and phenomenonTime lt 2026-11-25T00:08:00Z')}&$count=true`);
      expect(filtered['@iot.count']).toBe(3);
      const byId = await server.json<Collection>(`Things?$filter=${encodeURIComponent("properties/assetId eq '440604-YS-00002'")}`);
      expect(byId.value.map((t) => t['@iot.id'])).toEqual([3]);
    });

    test('$select keeps only the named properties', async () => {
      const things = await server.json<Collection>('Things?$select=id,name&$top=1');
      expect(Object.keys(things.value[0]!).sort()).toEqual(['@iot.id', 'name']);
    });

    test('$expand with the latest observation of each datastream', async () => {
      const things = await server.json<Collection>(`Things?$filter=id eq 1&$expand=${encodeURIComponent('Locations,Datastreams/Observations($top=1;$orderby=phenomenonTime desc)')}`);
      const datastream = (things.value[0]!.Datastreams as Record<string, unknown>[])[0]!;
      const observations = datastream.Observations as Record<string, unknown>[];
      expect(observations).toHaveLength(1);
      expect(observations[0]!.phenomenonTime).toBe('2026-11-25T00:11:00.000Z');
      expect(things.value[0]!.Locations).toHaveLength(1);
    });

    test('a POSTed observation reads back', async () => {
      const response = await server.post(`Datastreams(${datastreamId})/Observations`, { phenomenonTime: '2026-11-25T01:00:00Z', result: 1.5 });
      expect(response.status).toBe(201);
      const location = response.headers.get('location')!;
      const observation = (await (await fetch(location)).json()) as Record<string, unknown>;
      expect(observation).toMatchObject({ result: 1.5, phenomenonTime: '2026-11-25T01:00:00.000Z' });
      expect((await (await fetch(`${location}/Datastream`)).json() as Record<string, unknown>)['@iot.id']).toBe(datastreamId);
    });

    test('unknown ids and paths are 404', async () => {
      expect((await server.get('Things(999)')).status).toBe(404);
      expect((await server.get('Things(999)/Datastreams')).status).toBe(404);
      expect((await server.get('Gizmos')).status).toBe(404);
    });
  });

  describe('bad input gets a 400 (or 401/413) and stores nothing', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ backend });
      await server.post('Things', thingPayload('A-1', 'methane', 113.12, 23.01));
    });
    afterAll(() => server.close());

    const counts = async () => ({ observations: await server.monitoring.store.count('observations'), things: await server.monitoring.store.count('things'), datastreams: await server.monitoring.store.count('datastreams'), locations: await server.monitoring.store.count('locations') });

    test.each([
      ['a result of the wrong type', 'Observations', { Datastream: { '@iot.id': 1 }, result: null }, 400, /result/],
      ['a missing Datastream', 'Observations', { result: 3 }, 400, /Datastream/],
      ['an unknown Datastream', 'Observations', { Datastream: { '@iot.id': 99 }, result: 3 }, 400, /Datastream 99 does not exist/],
      ['a time without a zone', 'Observations', { Datastream: { '@iot.id': 1 }, result: 3, phenomenonTime: '2026-11-25 08:00' }, 400, /phenomenonTime/],
      ['an unknown field', 'Observations', { Datastream: { '@iot.id': 1 }, result: 3, evil: 1 }, 400, /evil|Unrecognized/i],
      ['malformed JSON', 'Observations', '{"result": ', 400, /JSON|body/i],
      ['a Thing without a name', 'Things', { description: 'x' }, 400, /name/],
      ['a Thing whose Datastream lacks a unit', 'Things', { name: 'x', Datastreams: [{ name: 'd', observationType: 'o', Sensor: { '@iot.id': 1 }, ObservedProperty: { '@iot.id': 1 } }] }, 400, /unitOfMeasurement/],
      ['a Thing with a Location out of range', 'Things', { name: 'x', Locations: [{ name: 'l', encodingType: 'application/geo+json', location: { type: 'Point', coordinates: [200, 0] } }] }, 400, /coordinates/],
      ['a Thing referring to an unknown Location', 'Things', { name: 'x', Locations: [{ '@iot.id': 42 }] }, 400, /Location 42 does not exist/],
      ['a batch without a result component', 'CreateObservations', [{ Datastream: { '@iot.id': 1 }, components: ['phenomenonTime'], dataArray: [['2026-11-25T08:00:00Z']] }], 400, /must include result/],
    ])('%s', async (_name, path, body, status, message) => {
      const before = await counts();
      const response = await server.post(path, body);
      expect(response.status).toBe(status);
      expect(((await response.json()) as { message: string }).message).toMatch(message);
      expect(await counts()).toEqual(before);
    });

    test('CreateObservations answers each bad row with "error" in its place (§14.4) and stores the good ones', async () => {
      const before = await server.monitoring.store.count('observations');
      const response = await server.post('CreateObservations', [
        { Datastream: { '@iot.id': 1 }, components: ['phenomenonTime', 'result'], dataArray: [['2026-11-25T08:00:00Z', 1], ['2026-11-25T08:00:00', 1], ['2026-11-25T08:01:00Z', 'x'], ['2026-11-25T08:02:00Z', 2, 3]] },
        { Datastream: { '@iot.id': 77 }, components: ['result'], dataArray: [[1]] },
      ]);
      expect(response.status).toBe(201);
      const links = (await response.json()) as string[];
      expect(links).toHaveLength(5);
      expect(links[0]).toMatch(/\/Observations\(\d+\)$/);
      expect(links[2]).toMatch(/\/Observations\(\d+\)$/);
      expect([links[1], links[3], links[4]]).toEqual(['error', 'error', 'error']);
      expect(await server.monitoring.store.count('observations')).toBe(before + 2);
    });

    test('an oversized body is refused with 413', async () => {
      const before = await counts();
      const big = [{ Datastream: { '@iot.id': 1 }, components: ['result'], dataArray: Array.from({ length: 1_000_000 }, () => [1.2345678]) }];
      const response = await server.post('CreateObservations', big);
      expect(response.status).toBe(413);
      expect(await counts()).toEqual(before);
    });

    test.each([
      ["name eq 'x' or 1 eq 1; DROP TABLE things; --"],
      ["name eq 'x'' OR ''1''=''1'"],
      ['id eq 1) OR (1 eq 1'],
      ['properties/assetId") OR 1=1 -- eq 1'],
    ])('SQL meta-characters in $filter are a 400 or a literal, never SQL: %s', async (filter) => {
      const before = await counts();
      const response = await server.get(`Things?$filter=${encodeURIComponent(filter)}`);
      if (response.status === 200) expect(((await response.json()) as Collection).value).toEqual([]);
      else expect(response.status).toBe(400);
      expect(await counts()).toEqual(before);
    });

    test('a write without a key, or with a wrong one, is 401 and stores nothing', async () => {
      const before = await counts();
      expect((await server.post('Observations', { Datastream: { '@iot.id': 1 }, result: 1 }, null)).status).toBe(401);
      expect((await server.post('Observations', { Datastream: { '@iot.id': 1 }, result: 1 }, 'wrong')).status).toBe(401);
      expect(await counts()).toEqual(before);
      expect((await server.get('Things')).status).toBe(200);
    });
  });

  describe('keyed reads', () => {
    test('a server configured for keyed reads refuses an unkeyed GET', async () => {
      const server = await startTestServer({ readsNeedKey: true, backend });
      try {
        expect((await server.get('Things')).status).toBe(401);
        expect((await fetch(`${server.base}/Things`, { headers: { Authorization: `Bearer ${TEST_KEY}` } })).status).toBe(200);
      } finally {
        await server.close();
      }
    });
  });

  describe('thresholds and incidents', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ backend });
      // Two manholes 50 m apart and one 2 km away, all methane; a water-pressure sensor.
      await server.post('Things', thingPayload('MH-1', 'methane', 113.12, 23.01));
      await server.post('Things', thingPayload('MH-2', 'methane', 113.1205, 23.01));
      await server.post('Things', thingPayload('MH-FAR', 'methane', 113.14, 23.01));
      await server.post('Things', thingPayload('JS-1', 'water-pressure', 113.12, 23.02, 'segment'));
    });
    afterAll(() => server.close());
    const observe = (datastream: number, result: number, minute: number) =>
      server.post('Observations', { Datastream: { '@iot.id': datastream }, result, phenomenonTime: new Date(Date.parse('2026-11-25T02:00:00Z') + minute * 60_000).toISOString() });
    const incidents = () => server.json<Collection>('Incidents?$orderby=id');

    test('a normal reading raises nothing; one over a threshold raises an incident at its level', async () => {
      await observe(1, 2, 0);
      expect((await incidents()).value).toHaveLength(0);
      await observe(1, 12, 1); // 10–20 %LEL: level III
      const [incident] = (await incidents()).value;
      expect(incident).toMatchObject({ type: 'methane-over-limit', level: 3, status: 'raised', assetIds: ['MH-1'], alarmActive: true });
      const triggering = await server.json<Collection>(`Incidents(${incident!['@iot.id']})/Observations`);
      expect(triggering.value.map((o) => o.result)).toEqual([12]);
    });

    test('it escalates, joins a neighbouring manhole, de-escalates and clears', async () => {
      await observe(1, 55, 2); // I
      await observe(2, 7, 3); // IV at the neighbour, 50 m away: the same incident
      let [incident] = (await incidents()).value;
      expect(incident).toMatchObject({ level: 1, assetIds: ['MH-1', 'MH-2'] });
      await observe(1, 3, 4); // MH-1 back to normal: the level follows MH-2 (IV)
      [incident] = (await incidents()).value;
      expect(incident).toMatchObject({ level: 4, alarmActive: true });
      await observe(2, 1, 5);
      [incident] = (await incidents()).value;
      expect(incident).toMatchObject({ level: 4, alarmActive: false, status: 'raised' });
      expect((incident!.transitions as { kind: string }[]).map((t) => t.kind)).toEqual(['raised', 'escalated', 'asset-added', 'de-escalated', 'cleared']);
    });

    test('a warning far away raises a second incident; a pressure drop raises a burst', async () => {
      await observe(3, 25, 6);
      await observe(4, 0.1, 6); // below 0.12 MPa: level II
      const all = (await incidents()).value;
      expect(all.map((i) => [i.type, i.level, i.assetIds])).toEqual([
        ['methane-over-limit', 4, ['MH-1', 'MH-2']],
        ['methane-over-limit', 2, ['MH-FAR']],
        ['water-main-burst', 2, ['JS-1']],
      ]);
    });

    test('the lifecycle runs forward only, recording who and when', async () => {
      const act = (action: string, by = '值班员 张工') => server.post('Incidents(1)/Actions', { action, by });
      expect((await act('dispatch')).status).toBe(409);
      expect((await act('acknowledge')).status).toBe(200);
      expect((await act('acknowledge')).status).toBe(409);
      expect((await act('dispatch', '调度 李工')).status).toBe(200);
      expect((await act('resolve')).status).toBe(200);
      const incident = await server.json('Incidents(1)');
      const actions = (incident.transitions as { kind: string; by: string; at: string }[]).filter((t) => t.by !== 'system');
      expect(actions.map((t) => [t.kind, t.by])).toEqual([['acknowledge', '值班员 张工'], ['dispatch', '调度 李工'], ['resolve', '值班员 张工']]);
      expect(actions.every((t) => Number.isFinite(Date.parse(t.at)))).toBe(true);
      expect((await server.post('Incidents(1)/Actions', { action: 'acknowledge', by: '' })).status).toBe(400);
      expect((await server.post('Incidents(99)/Actions', { action: 'acknowledge', by: 'x' })).status).toBe(404);
      // Resolved: a new reading over the threshold at MH-1 raises a new incident.
      await observe(1, 30, 10);
      const open = await server.json<Collection>(`Incidents?$filter=${encodeURIComponent("status eq 'raised' and type eq 'methane-over-limit'")}&$orderby=id`);
      expect(open.value.map((i) => i.assetIds)).toEqual([['MH-FAR'], ['MH-1']]);
    });

    test("an asset's incident history: resolved ones too, matched exactly by its ID", async () => {
      const ofAsset = (id: string) => server.json<Collection>(`Incidents?$filter=${encodeURIComponent(`contains(assetIds,'${JSON.stringify(id)}')`)}&$orderby=id`);
      expect((await ofAsset('MH-1')).value.map((i) => [i['@iot.id'], i.status])).toEqual([
        [1, 'resolved'],
        [4, 'raised'],
      ]);
      // MH-1 is a prefix of neither; "MH" alone names no asset.
      expect((await ofAsset('MH')).value).toHaveLength(0);
      expect((await ofAsset('MH-FAR')).value.map((i) => i['@iot.id'])).toEqual([2]);
    });

    test('the emergency log: linked units notified and on site, and notes, with who and when; the status stays; bad entries are refused and not stored', async () => {
      const log = (body: Record<string, unknown>) => server.post('Incidents(2)/Actions', { by: '值班员 张工', ...body });
      const events = () => server.monitoring.store.count('incident_events');
      const before = await events();
      // Refused: arrival before notification, an unknown unit, a unit missing, an empty note, a field of another action.
      expect((await log({ action: 'arrive', unit: 'gas-company' })).status).toBe(409);
      expect((await log({ action: 'notify', unit: 'fire-brigade-9' })).status).toBe(409);
      expect((await log({ action: 'notify' })).status).toBe(400);
      expect((await log({ action: 'note', note: '   ' })).status).toBe(400);
      expect((await log({ action: 'note', note: 'x', unit: 'gas-company' })).status).toBe(400);
      expect(await events()).toBe(before);
      expect((await log({ action: 'notify', unit: 'gas-company' })).status).toBe(200);
      expect((await log({ action: 'notify', unit: 'gas-company' })).status).toBe(409);
      expect((await log({ action: 'arrive', unit: 'gas-company', by: '燃气抢修 王工' })).status).toBe(200);
      const noted = await log({ action: 'note', note: '已设置警戒区，疏散半径 50 m' });
      expect(noted.status).toBe(200);
      const incident = (await noted.json()) as { status: string; transitions: { kind: string; by: string; unit?: string; note?: string; at: string }[] };
      expect(incident.status).toBe('raised');
      expect(incident.transitions.filter((t) => t.by !== 'system').map((t) => [t.kind, t.unit ?? t.note, t.by])).toEqual([
        ['notify', 'gas-company', '值班员 张工'],
        ['arrive', 'gas-company', '燃气抢修 王工'],
        ['note', '已设置警戒区，疏散半径 50 m', '值班员 张工'],
      ]);
      // Once resolved, units are no longer called; a note still goes in until it is archived.
      await server.post('Incidents(2)/Actions', { action: 'acknowledge', by: 'x' });
      await server.post('Incidents(2)/Actions', { action: 'resolve', by: 'x' });
      expect((await log({ action: 'notify', unit: 'police' })).status).toBe(409);
      expect((await log({ action: 'note', note: '现场已恢复' })).status).toBe(200);
      await server.post('Incidents(2)/Actions', { action: 'archive', by: 'x' });
      expect((await log({ action: 'note', note: '补记' })).status).toBe(409);
    });
  });

  describe('retention', () => {
    test.runIf(backend === 'sqlite')('SQLite: old observations are pruned, except those behind an incident', async () => {
      const server = await startTestServer({ backend });
      try {
        await server.post('Things', thingPayload('MH-9', 'methane', 113.12, 23.01));
        const old = (minute: number, result: number) => server.post('Observations', { Datastream: { '@iot.id': 1 }, result, phenomenonTime: new Date(Date.parse('2026-01-01T00:00:00Z') + minute * 60_000).toISOString() });
        await old(0, 1);
        await old(1, 30); // raises an incident
        await old(2, 1);
        await server.post('Observations', { Datastream: { '@iot.id': 1 }, result: 2 });
        expect(await server.monitoring.store.pruneObservations(Date.parse('2026-06-01T00:00:00Z'))).toBe(2);
        const left = await server.json<Collection>('Observations?$orderby=id');
        expect(left.value.map((o) => o.result)).toEqual([30, 2]);
      } finally {
        await server.close();
      }
    });
  });

  describe('persistence', () => {
    test('data survives a restart on the same database', async () => {
      const database = backend === 'sqlite' ? temporaryDatabase() : await postgresDatabase();
      try {
        let server = await startTestServer({ databasePath: database.path });
        await server.post('Things', thingPayload('P-1', 'settlement', 113.12, 23.01, 'road-point'));
        await server.post('Observations', { Datastream: { '@iot.id': 1 }, result: 25 });
        await server.close();
        server = await startTestServer({ databasePath: database.path });
        expect(await server.monitoring.store.count('observations')).toBe(1);
        expect((await server.json<Collection>('Incidents')).value[0]).toMatchObject({ type: 'road-subsidence', level: 3 });
        await server.close();
      } finally {
        await database.remove();
      }
    });
  });
});
