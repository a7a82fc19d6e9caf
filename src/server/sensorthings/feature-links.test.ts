/**
 * A FeatureOfInterest's Observations without an index of observations by FeatureOfInterest
 * (SQLite, schema.ts migration 4, issue 17): read through `datastream_features`. The answers must
 * be those of a plain `feature_of_interest_id = ?` over every observation, on both backends, after
 * observations move by PATCH, after a write rolls back, after a DELETE; and a database of schema 3
 * upgrades to the same answers.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './schema.ts';
import { startTestServer, temporaryDatabase, testBackends, TEST_KEY, thingPayload, type TestServer } from './testing/test-server.ts';

type Entity = Record<string, unknown>;
type Collection = { value: Entity[]; '@iot.count'?: number };

let server: TestServer;

const send = (method: 'PATCH' | 'DELETE', path: string, body?: unknown) =>
  fetch(`${server.base}/${path}`, { method, headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), 'X-API-Key': TEST_KEY }, body: body === undefined ? undefined : JSON.stringify(body) });
const created = async (path: string, body: unknown): Promise<number> => {
  const response = await server.post(path, body);
  if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as Entity)['@iot.id'] as number;
};
const point = (lon: number, lat: number) => ({ name: `f ${lon}`, description: '', encodingType: 'application/geo+json', feature: { type: 'Point', coordinates: [lon, lat] } });
const ids = (collection: Collection) => collection.value.map((o) => o['@iot.id'] as number);

/** What the API says a FeatureOfInterest's Observations are, three ways: navigation (with its count), $expand, and $filter. */
async function observationsOf(feature: number): Promise<{ navigation: number[]; count: number | undefined; expand: number[]; filter: number[] }> {
  const navigation = await server.json<Collection>(`FeaturesOfInterest(${feature})/Observations?$orderby=id&$top=1000&$count=true`);
  const expanded = await server.json(`FeaturesOfInterest(${feature})?$expand=Observations($orderby=id;$top=1000)`);
  const filtered = await server.json<Collection>(`Observations?$filter=${encodeURIComponent(`FeatureOfInterest/@iot.id eq ${feature}`)}&$orderby=id&$top=1000`);
  return { navigation: ids(navigation), count: navigation['@iot.count'], expand: (expanded.Observations as Entity[]).map((o) => o['@iot.id'] as number), filter: ids(filtered) };
}

async function expectObservationsOf(feature: number, expected: number[]): Promise<void> {
  const sorted = [...expected].sort((a, b) => a - b);
  expect(await observationsOf(feature), `FeaturesOfInterest(${feature})`).toEqual({ navigation: sorted, count: sorted.length, expand: sorted, filter: sorted });
}

async function datastreamOf(assetId: string, lon: number): Promise<number> {
  const thing = await created('Things', thingPayload(assetId, 'methane', lon, 23.05));
  return (await server.json<Collection>(`Things(${thing})/Datastreams`)).value[0]!['@iot.id'] as number;
}

const BACKENDS = await testBackends('feature-links');

describe.each(BACKENDS.filter((b) => !b.skipReason))('on $name', ({ backend }) => {
  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(() => server.close());

  test('a FeatureOfInterest shared by two Datastreams, and a Datastream with two FeaturesOfInterest: navigation, $expand, $count and $filter agree', async () => {
    const a = await datastreamOf('FL-1', 113.41);
    const b = await datastreamOf('FL-2', 113.42);
    const shared = await created('FeaturesOfInterest', point(113.43, 23.4));
    const onA = await created('Observations', { Datastream: { '@iot.id': a }, result: 1 });
    const ownOfA = (await server.json(`Observations(${onA})/FeatureOfInterest`))['@iot.id'] as number;
    const rows = await server.post('CreateObservations', [
      { Datastream: { '@iot.id': a }, components: ['phenomenonTime', 'result', 'FeatureOfInterest/id'], dataArray: [['2026-11-25T00:00:00Z', 2, shared], ['2026-11-25T00:01:00Z', 3, ownOfA]] },
      { Datastream: { '@iot.id': b }, components: ['phenomenonTime', 'result', 'FeatureOfInterest/id'], dataArray: [['2026-11-25T00:00:00Z', 4, shared]] },
    ]);
    expect(rows.status).toBe(201);
    const [sharedOnA, ownAgain, sharedOnB] = ((await rows.json()) as string[]).map((link) => Number(/\((\d+)\)$/.exec(link)![1]));
    await expectObservationsOf(shared, [sharedOnA!, sharedOnB!]);
    await expectObservationsOf(ownOfA, [onA, ownAgain!]);
  });

  test('an Observation moved by PATCH to another FeatureOfInterest or Datastream is found under its new one only', async () => {
    const a = await datastreamOf('FL-3', 113.44);
    const b = await datastreamOf('FL-4', 113.45);
    const target = await created('FeaturesOfInterest', point(113.46, 23.4));
    const moved = await created('Observations', { Datastream: { '@iot.id': a }, result: 1 });
    const stays = await created('Observations', { Datastream: { '@iot.id': a }, result: 2 });
    const original = (await server.json(`Observations(${moved})/FeatureOfInterest`))['@iot.id'] as number;
    expect((await send('PATCH', `Observations(${moved})`, { FeatureOfInterest: { '@iot.id': target } })).status).toBe(200);
    await expectObservationsOf(target, [moved]);
    await expectObservationsOf(original, [stays]);
    // To a Datastream that never had this FeatureOfInterest.
    expect((await send('PATCH', `Observations(${stays})`, { Datastream: { '@iot.id': b } })).status).toBe(200);
    await expectObservationsOf(original, [stays]);
    expect((await server.json(`Observations(${stays})/Datastream`))['@iot.id']).toBe(b);
  });

  test('a rolled-back write leaves no link it thought it made: the next write on the same Datastream id is found', async () => {
    const feature = await created('FeaturesOfInterest', point(113.47, 23.4));
    const payload = thingPayload('FL-5', 'methane', 113.48, 23.05);
    const deep = (observations: unknown[]) => ({ ...payload, Datastreams: payload.Datastreams.map((d) => ({ ...d, Observations: observations })) });
    const refused = await server.post('Things', deep([{ result: 1, FeatureOfInterest: { '@iot.id': feature } }, { result: 2, FeatureOfInterest: { '@iot.id': 999999 } }]));
    expect(refused.status).toBe(400);
    await expectObservationsOf(feature, []);
    const thing = await created('Things', deep([{ result: 3, FeatureOfInterest: { '@iot.id': feature } }]));
    const datastream = (await server.json<Collection>(`Things(${thing})/Datastreams`)).value[0]!['@iot.id'] as number;
    const stored = ids(await server.json<Collection>(`Datastreams(${datastream})/Observations`));
    expect(stored).toHaveLength(1);
    await expectObservationsOf(feature, stored);
    // And later observations of that pair, one by one and in a batch.
    const single = await created('Observations', { Datastream: { '@iot.id': datastream }, result: 4, FeatureOfInterest: { '@iot.id': feature } });
    await expectObservationsOf(feature, [...stored, single]);
  });

  test('DELETE of a FeatureOfInterest takes its Observations in every Datastream and no others', async () => {
    const a = await datastreamOf('FL-6', 113.49);
    const b = await datastreamOf('FL-7', 113.5);
    const doomed = await created('FeaturesOfInterest', point(113.51, 23.4));
    const gone = [
      await created('Observations', { Datastream: { '@iot.id': a }, result: 1, FeatureOfInterest: { '@iot.id': doomed } }),
      await created('Observations', { Datastream: { '@iot.id': b }, result: 2, FeatureOfInterest: { '@iot.id': doomed } }),
    ];
    const kept = await created('Observations', { Datastream: { '@iot.id': a }, result: 3 });
    expect((await send('DELETE', `FeaturesOfInterest(${doomed})`)).status).toBe(200);
    for (const id of gone) expect((await server.get(`Observations(${id})`)).status).toBe(404);
    expect((await server.get(`Observations(${kept})`)).status).toBe(200);
    expect((await server.get(`FeaturesOfInterest(${doomed})`)).status).toBe(404);
    // The store still refuses a missing FeatureOfInterest afterwards (SQLite: its foreign keys are back on).
    const refused = await server.post('Observations', { Datastream: { '@iot.id': a }, result: 4, FeatureOfInterest: { '@iot.id': doomed } });
    expect(refused.status).toBe(400);
    if (backend === 'sqlite') {
      const db = server.monitoring.database.db;
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.prepare('SELECT count(*) AS n FROM datastream_features WHERE feature_of_interest_id = ?').get(doomed)).toEqual({ n: 0 });
    }
  });
});

describe('SQLite: the cache of links and a rollback', () => {
  test('a write that rolls back after linking a pair forgets it: the next observation of that pair is linked and found', async () => {
    server = await startTestServer();
    try {
      const datastream = await datastreamOf('FL-8', 113.52);
      const feature = await created('FeaturesOfInterest', point(113.53, 23.4));
      const database = server.monitoring.database;
      const observation = { datastreamId: datastream, phenomenonTimeMs: Date.UTC(2026, 10, 25), resultTimeMs: null, result: 1, featureOfInterestId: feature };
      // All or nothing: the second row names no Datastream, the first (linked in the transaction) is rolled back too.
      expect(() => database.insertObservations([observation, { ...observation, datastreamId: 999999 }])).toThrow(/Datastream 999999 does not exist/);
      await expectObservationsOf(feature, []);
      const [stored] = database.insertObservations([observation]).observations;
      await expectObservationsOf(feature, [stored!.id]);
    } finally {
      await server.close();
    }
  });
});

describe('schema migration 4 (SQLite)', () => {
  test('a database of schema 3 upgrades: each FeatureOfInterest has the same Observations as before, and the index is gone', async () => {
    const file = temporaryDatabase();
    const old = new Database(file.path);
    for (const migration of MIGRATIONS.slice(0, 3)) old.exec(migration);
    old.pragma('user_version = 3');
    old.exec(`
      INSERT INTO things (id, name) VALUES (1, 'one'), (2, 'two');
      INSERT INTO locations (id, name, encoding_type, location, lon, lat) VALUES (1, 'p1', 'application/geo+json', '{"type":"Point","coordinates":[113.1,23.1]}', 113.1, 23.1);
      INSERT INTO thing_locations VALUES (1, 1), (2, 1);
      INSERT INTO sensors (id, name, encoding_type, metadata) VALUES (1, 's', 'text/plain', '');
      INSERT INTO observed_properties (id, name, definition) VALUES (1, 'methane', 'methane');
      INSERT INTO datastreams (id, name, observation_type, unit, thing_id, sensor_id, observed_property_id) VALUES (1, 'd1', 'o', '{}', 1, 1, 1), (2, 'd2', 'o', '{}', 2, 1, 1), (3, 'd3', 'o', '{}', 2, 1, 1);
      INSERT INTO features_of_interest (id, name, encoding_type, feature, lon, lat, location_id) VALUES
        (1, 'p1', 'application/geo+json', '{"type":"Point","coordinates":[113.1,23.1]}', 113.1, 23.1, 1),
        (2, 'own', 'application/geo+json', '{"type":"Point","coordinates":[113.2,23.2]}', 113.2, 23.2, NULL),
        (3, 'unused', 'application/geo+json', '{"type":"Point","coordinates":[113.3,23.3]}', 113.3, 23.3, NULL);`);
    // 300 observations over three datastreams and two features (and a few with none, as raw SQL may leave them).
    const insert = old.prepare('INSERT INTO observations (datastream_id, phenomenon_time, result, feature_of_interest_id) VALUES (?, ?, ?, ?)');
    old.transaction(() => {
      for (let i = 0; i < 300; i++) insert.run((i % 3) + 1, 1_764_028_800_000 + i * 1000, i, i % 7 === 0 ? 2 : i % 50 === 1 ? null : 1);
    })();
    const before = new Map([1, 2, 3].map((f) => [f, (old.prepare('SELECT id FROM observations WHERE feature_of_interest_id = ? ORDER BY id').all(f) as { id: number }[]).map((r) => r.id)]));
    expect(before.get(1)!.length).toBeGreaterThan(200);
    expect(before.get(2)!.length).toBeGreaterThan(30);
    old.close();
    server = await startTestServer({ databasePath: file.path });
    try {
      const db = server.monitoring.database.db;
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'observations' ORDER BY name").all()).toEqual([{ name: 'observations_datastream_time' }]);
      expect(db.prepare('SELECT datastream_id, feature_of_interest_id FROM datastream_features ORDER BY 1, 2').all()).toEqual([
        { datastream_id: 1, feature_of_interest_id: 1 },
        { datastream_id: 1, feature_of_interest_id: 2 },
        { datastream_id: 2, feature_of_interest_id: 1 },
        { datastream_id: 2, feature_of_interest_id: 2 },
        { datastream_id: 3, feature_of_interest_id: 1 },
        { datastream_id: 3, feature_of_interest_id: 2 },
      ]);
      for (const [feature, expected] of before) await expectObservationsOf(feature, expected);
      // New observations after the upgrade join them.
      const added = await created('Observations', { Datastream: { '@iot.id': 3 }, result: 1, FeatureOfInterest: { '@iot.id': 3 } });
      await expectObservationsOf(3, [added]);
    } finally {
      await server.close();
      file.remove();
    }
  });
});
