/**
 * SensorThings API 1.1 (OGC 18-088) conformance beyond the basics, after the cases of the OGC
 * test suite (ets-sta10, as FROST-Server.Tests ports it): PATCH and DELETE with the standard's
 * cascade (Capability2Tests), FeaturesOfInterest and HistoricalLocations, the data-array read
 * (DataArrayTests), phenomenon-time intervals, $filter arithmetic and st_within
 * (Capability3Tests, GeoTests), CreateObservations row by row, and ids past 2^53.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './schema.ts';
import { startTestServer, temporaryDatabase, testBackends, TEST_KEY, thingPayload, type TestServer } from './testing/test-server.ts';

type Entity = Record<string, unknown>;
type Collection = { value: Entity[]; '@iot.count'?: number; '@iot.nextLink'?: string };

let server: TestServer;

const send = (method: 'PATCH' | 'DELETE', path: string, body?: unknown, key: string | null = TEST_KEY) =>
  fetch(`${server.base}/${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...(key ? { 'X-API-Key': key } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const created = async (path: string, body: unknown): Promise<number> => {
  const response = await server.post(path, body);
  if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as Entity)['@iot.id'] as number;
};
const status = async (path: string) => (await server.get(path)).status;
const filter = (text: string) => `$filter=${encodeURIComponent(text)}`;

/** A Thing at a place with one Datastream; returns their ids. */
async function thingWithDatastream(assetId: string, lon = 113.12, lat = 23.01): Promise<{ thing: number; datastream: number; location: number }> {
  const thing = await created('Things', thingPayload(assetId, 'methane', lon, lat));
  const datastream = (await server.json<Collection>(`Things(${thing})/Datastreams`)).value[0]!['@iot.id'] as number;
  const location = (await server.json<Collection>(`Things(${thing})/Locations`)).value[0]!['@iot.id'] as number;
  return { thing, datastream, location };
}

const BACKENDS = await testBackends('conformance');

// A backend that cannot run was named with its reason (testBackends) and is left out here.
describe.each(BACKENDS.filter((b) => !b.skipReason))('on $name', ({ backend }) => {
  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(() => server.close());

  describe('PATCH (§10.3)', () => {
    test('changes the given properties of every entity set and leaves the others', async () => {
      const { thing, datastream, location } = await thingWithDatastream('PATCH-1');
      const observation = await created('Observations', { Datastream: { '@iot.id': datastream }, result: 1, phenomenonTime: '2026-11-25T00:00:00Z' });
      const sensor = (await server.json(`Datastreams(${datastream})/Sensor`))['@iot.id'] as number;
      const property = (await server.json(`Datastreams(${datastream})/ObservedProperty`))['@iot.id'] as number;
      const feature = (await server.json(`Observations(${observation})/FeatureOfInterest`))['@iot.id'] as number;
      const historical = (await server.json<Collection>(`Things(${thing})/HistoricalLocations`)).value[0]!['@iot.id'] as number;
      const cases: [string, Entity, Entity][] = [
        [`Things(${thing})`, { name: 'renamed thing' }, { name: 'renamed thing', description: 'test sensor' }],
        [`Locations(${location})`, { location: { type: 'Point', coordinates: [113.2, 23.2] } }, { location: { type: 'Point', coordinates: [113.2, 23.2] }, name: 'PATCH-1' }],
        [`Sensors(${sensor})`, { description: 'recalibrated' }, { description: 'recalibrated' }],
        [`ObservedProperties(${property})`, { description: 'methane, %LEL' }, { description: 'methane, %LEL', name: 'methane' }],
        [`Datastreams(${datastream})`, { unitOfMeasurement: { name: 'ppm', symbol: 'ppm', definition: null } }, { unitOfMeasurement: { name: 'ppm', symbol: 'ppm', definition: null } }],
        [`Observations(${observation})`, { result: 42, resultTime: '2026-11-25T00:05:00Z' }, { result: 42, resultTime: '2026-11-25T00:05:00.000Z', phenomenonTime: '2026-11-25T00:00:00.000Z' }],
        [`FeaturesOfInterest(${feature})`, { name: 'manhole PATCH-1' }, { name: 'manhole PATCH-1' }],
        [`HistoricalLocations(${historical})`, { time: '2026-01-01T00:00:00Z' }, { time: '2026-01-01T00:00:00.000Z' }],
      ];
      for (const [path, patch, expected] of cases) {
        const response = await send('PATCH', path, patch);
        expect(response.status, path).toBe(200);
        expect(await server.json(path)).toMatchObject(expected);
      }
    });

    test('a PATCH linking a new Location to a Thing writes a HistoricalLocation', async () => {
      const { thing } = await thingWithDatastream('PATCH-2');
      const location = await created('Locations', { name: 'new place', encodingType: 'application/geo+json', location: { type: 'Point', coordinates: [113.3, 23.3] } });
      expect((await send('PATCH', `Things(${thing})`, { Locations: [{ '@iot.id': location }] })).status).toBe(200);
      expect((await server.json<Collection>(`Things(${thing})/Locations`)).value.map((l) => l['@iot.id'])).toEqual([location]);
      const history = await server.json<Collection>(`Things(${thing})/HistoricalLocations?$orderby=time desc&$expand=Locations`);
      expect(history.value).toHaveLength(2);
      expect((history.value[0]!.Locations as Entity[]).map((l) => l['@iot.id'])).toEqual([location]);
    });

    test('missing is 404, a bad body a 400 with a message, nothing changed; no key is a 401', async () => {
      const { thing, datastream } = await thingWithDatastream('PATCH-3');
      expect((await send('PATCH', 'Things(999999)', { name: 'x' })).status).toBe(404);
      for (const [path, body, message] of [
        [`Things(${thing})`, { name: 7 }, /name/],
        [`Things(${thing})`, { colour: 'red' }, /colour|Unrecognized/i],
        [`Datastreams(${datastream})`, { Sensor: { '@iot.id': 999999 } }, /Sensor 999999 does not exist/],
        [`Observations(1)`, { phenomenonTime: '2026-02-31T00:00:00Z' }, /phenomenonTime/],
      ] as [string, Entity, RegExp][]) {
        const before = await server.json(path);
        const response = await send('PATCH', path, body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(((await response.json()) as { message: string }).message).toMatch(message);
        expect(await server.json(path)).toEqual(before);
      }
      const unkeyed = await send('PATCH', `Things(${thing})`, { name: 'x' }, null);
      expect(unkeyed.status).toBe(401);
      expect((await server.json(`Things(${thing})`)).name).not.toBe('x');
    });
  });

  describe('DELETE (§10.4) with the cascade of the standard', () => {
    test('a Thing takes its Datastreams, their Observations and its HistoricalLocations; its Location, Sensor, ObservedProperty and FeatureOfInterest stay', async () => {
      const { thing, datastream, location } = await thingWithDatastream('DEL-1');
      const observation = await created('Observations', { Datastream: { '@iot.id': datastream }, result: 1 });
      const feature = (await server.json(`Observations(${observation})/FeatureOfInterest`))['@iot.id'] as number;
      const sensor = (await server.json(`Datastreams(${datastream})/Sensor`))['@iot.id'] as number;
      const historical = (await server.json<Collection>(`Things(${thing})/HistoricalLocations`)).value[0]!['@iot.id'] as number;
      const response = await send('DELETE', `Things(${thing})`);
      expect(response.status).toBe(200);
      for (const path of [`Things(${thing})`, `Datastreams(${datastream})`, `Observations(${observation})`, `HistoricalLocations(${historical})`]) expect(await status(path), path).toBe(404);
      for (const path of [`Locations(${location})`, `Sensors(${sensor})`, `FeaturesOfInterest(${feature})`]) expect(await status(path), path).toBe(200);
    });

    test('a Location takes its HistoricalLocations; a Sensor its Datastreams; a FeatureOfInterest its Observations', async () => {
      const a = await thingWithDatastream('DEL-2');
      const historical = (await server.json<Collection>(`Things(${a.thing})/HistoricalLocations`)).value[0]!['@iot.id'] as number;
      expect((await send('DELETE', `Locations(${a.location})`)).status).toBe(200);
      expect(await status(`HistoricalLocations(${historical})`)).toBe(404);
      expect(await status(`Things(${a.thing})`)).toBe(200);

      const b = await thingWithDatastream('DEL-3');
      const observation = await created('Observations', { Datastream: { '@iot.id': b.datastream }, result: 1 });
      const sensor = (await server.json(`Datastreams(${b.datastream})/Sensor`))['@iot.id'] as number;
      expect((await send('DELETE', `Sensors(${sensor})`)).status).toBe(200);
      expect(await status(`Datastreams(${b.datastream})`)).toBe(404);
      expect(await status(`Observations(${observation})`)).toBe(404);
      expect(await status(`Things(${b.thing})`)).toBe(200);

      const c = await thingWithDatastream('DEL-4');
      const kept = await created('Observations', { Datastream: { '@iot.id': c.datastream }, result: 1 });
      const feature = (await server.json(`Observations(${kept})/FeatureOfInterest`))['@iot.id'] as number;
      expect((await send('DELETE', `FeaturesOfInterest(${feature})`)).status).toBe(200);
      expect(await status(`Observations(${kept})`)).toBe(404);
      expect(await status(`Datastreams(${c.datastream})`)).toBe(200);
    });

    test('missing is 404; no key is a 401 and deletes nothing; Incidents are not deleted this way', async () => {
      expect((await send('DELETE', 'Things(999999)')).status).toBe(404);
      expect((await send('DELETE', 'Observations(99999999999999999999)')).status).toBe(404);
      const { thing } = await thingWithDatastream('DEL-5');
      expect((await send('DELETE', `Things(${thing})`, undefined, null)).status).toBe(401);
      expect(await status(`Things(${thing})`)).toBe(200);
      expect((await send('DELETE', 'Incidents(1)')).status).toBe(405);
    });
  });

  describe('FeaturesOfInterest and HistoricalLocations', () => {
    test('an observation naming no FeatureOfInterest gets the one of its Thing\'s Location, one per Location, navigable both ways and expandable', async () => {
      const { datastream, location } = await thingWithDatastream('FOI-1', 113.5, 23.5);
      const first = await created('Observations', { Datastream: { '@iot.id': datastream }, result: 1 });
      const second = await created('Observations', { Datastream: { '@iot.id': datastream }, result: 2 });
      const feature = await server.json(`Observations(${first})/FeatureOfInterest`);
      expect(feature.feature).toEqual({ type: 'Point', coordinates: [113.5, 23.5] });
      expect(feature.name).toBe((await server.json(`Locations(${location})`)).name);
      expect((await server.json(`Observations(${second})/FeatureOfInterest`))['@iot.id']).toBe(feature['@iot.id']);
      const observations = await server.json<Collection>(`FeaturesOfInterest(${feature['@iot.id'] as number})/Observations?$orderby=id`);
      expect(observations.value.map((o) => o['@iot.id'])).toEqual([first, second]);
      const expanded = await server.json(`Observations(${first})?$expand=FeatureOfInterest`);
      expect((expanded.FeatureOfInterest as Entity)['@iot.id']).toBe(feature['@iot.id']);
      expect(expanded['FeatureOfInterest@iot.navigationLink']).toBe(`${server.base}/Observations(${first})/FeatureOfInterest`);
    });

    test('a FeatureOfInterest is creatable, and an observation may name it or bring its own', async () => {
      const { datastream } = await thingWithDatastream('FOI-2');
      const feature = await created('FeaturesOfInterest', { name: 'outfall', description: '', encodingType: 'application/geo+json', feature: { type: 'Point', coordinates: [113.6, 23.6] } });
      const named = await created('Observations', { Datastream: { '@iot.id': datastream }, result: 1, FeatureOfInterest: { '@iot.id': feature } });
      expect((await server.json(`Observations(${named})/FeatureOfInterest`))['@iot.id']).toBe(feature);
      const inline = await created('Observations', { Datastream: { '@iot.id': datastream }, result: 1, FeatureOfInterest: { name: 'spot', encodingType: 'application/geo+json', feature: { type: 'Point', coordinates: [113.7, 23.7] } } });
      expect((await server.json(`Observations(${inline})/FeatureOfInterest`)).name).toBe('spot');
      const unknown = await server.post('Observations', { Datastream: { '@iot.id': datastream }, result: 1, FeatureOfInterest: { '@iot.id': 999999 } });
      expect(unknown.status).toBe(400);
    });

    test('an observation of a Thing without a Location, naming no FeatureOfInterest, is a 400 and stores nothing', async () => {
      const { Locations: _locations, ...payload } = thingPayload('FOI-3', 'methane', 113, 23);
      const thing = await created('Things', payload);
      const datastream = (await server.json<Collection>(`Things(${thing})/Datastreams`)).value[0]!['@iot.id'] as number;
      const before = await server.monitoring.store.count('observations');
      const response = await server.post('Observations', { Datastream: { '@iot.id': datastream }, result: 1 });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(/FeatureOfInterest/);
      expect(await server.monitoring.store.count('observations')).toBe(before);
    });

    test('creating a Thing with Locations writes a HistoricalLocation, navigable from the Thing, the Location and back', async () => {
      const { thing, location } = await thingWithDatastream('HL-1');
      const history = await server.json<Collection>(`Things(${thing})/HistoricalLocations`);
      expect(history.value).toHaveLength(1);
      const id = history.value[0]!['@iot.id'] as number;
      expect(typeof history.value[0]!.time).toBe('string');
      expect((await server.json(`HistoricalLocations(${id})/Thing`))['@iot.id']).toBe(thing);
      expect((await server.json<Collection>(`HistoricalLocations(${id})/Locations`)).value.map((l) => l['@iot.id'])).toEqual([location]);
      expect((await server.json<Collection>(`Locations(${location})/HistoricalLocations`)).value.map((h) => h['@iot.id'])).toEqual([id]);
      const root = await server.json<{ value: { name: string }[] }>('');
      expect(root.value.map((v) => v.name)).toEqual(expect.arrayContaining(['FeaturesOfInterest', 'HistoricalLocations']));
    });
  });

  describe('reads', () => {
    test('$resultFormat=dataArray answers Observations per Datastream with the components of $select (§14.3)', async () => {
      const a = await thingWithDatastream('DA-1');
      const b = await thingWithDatastream('DA-2');
      for (const [datastream, result, minute] of [[a.datastream, 1, 0], [b.datastream, 2, 1], [a.datastream, 3, 2]] as const) {
        await created('Observations', { Datastream: { '@iot.id': datastream }, result, phenomenonTime: `2026-11-20T00:0${minute}:00Z` });
      }
      const query = `${filter(`Datastream/id eq ${a.datastream} or Datastream/id eq ${b.datastream}`)}&$count=true&$top=2&$resultFormat=dataArray&$select=result,phenomenonTime&$orderby=phenomenonTime`;
      const page = await server.json<{ '@iot.count': number; '@iot.nextLink': string; value: { 'Datastream@iot.navigationLink': string; components: string[]; 'dataArray@iot.count': number; dataArray: unknown[][] }[] }>(`Observations?${query}`);
      expect(page['@iot.count']).toBe(3);
      expect(page['@iot.nextLink']).toContain('resultFormat=dataArray');
      expect(page.value).toEqual([
        { 'Datastream@iot.navigationLink': `${server.base}/Datastreams(${a.datastream})`, components: ['result', 'phenomenonTime'], 'dataArray@iot.count': 1, dataArray: [[1, '2026-11-20T00:00:00.000Z']] },
        { 'Datastream@iot.navigationLink': `${server.base}/Datastreams(${b.datastream})`, components: ['result', 'phenomenonTime'], 'dataArray@iot.count': 1, dataArray: [[2, '2026-11-20T00:01:00.000Z']] },
      ]);
      const all = await server.json<{ value: { components: string[]; dataArray: unknown[][] }[] }>(`Datastreams(${a.datastream})/Observations?$resultFormat=dataArray`);
      expect(all.value[0]!.components).toEqual(['id', 'phenomenonTime', 'resultTime', 'result', 'parameters', 'FeatureOfInterest/id']);
      expect(all.value[0]!.dataArray).toHaveLength(2);
      expect((await server.get('Things?$resultFormat=dataArray')).status).toBe(400);
    });

    test('a phenomenon-time interval is stored, returned and filtered on', async () => {
      const { datastream } = await thingWithDatastream('INT-1');
      const interval = '2026-10-01T00:00:00Z/2026-10-01T01:00:00Z';
      const id = await created('Observations', { Datastream: { '@iot.id': datastream }, result: 5, phenomenonTime: interval });
      expect((await server.json(`Observations(${id})`)).phenomenonTime).toBe('2026-10-01T00:00:00.000Z/2026-10-01T01:00:00.000Z');
      const ids = async (text: string) => (await server.json<Collection>(`Datastreams(${datastream})/Observations?${filter(text)}`)).value.map((o) => o['@iot.id']);
      expect(await ids('phenomenonTime lt 2026-10-01T02:00:00Z')).toEqual([id]);
      expect(await ids('phenomenonTime lt 2026-10-01T00:30:00Z')).toEqual([]);
      expect(await ids('phenomenonTime ge 2026-10-01T00:00:00Z')).toEqual([id]);
      const batch = await server.post('CreateObservations', [{ Datastream: { '@iot.id': datastream }, components: ['phenomenonTime', 'result'], dataArray: [['2026-10-02T00:00:00Z/2026-10-02T00:10:00Z', 1], ['2026-10-02T00:10:00Z/2026-10-02T00:00:00Z', 1]] }]);
      expect(((await batch.json()) as string[])[1]).toBe('error');
    });

    test('$filter arithmetic: add, sub, mul, div, mod with their precedence (Capability3Tests.checkArithmeticPrecendece)', async () => {
      const { datastream } = await thingWithDatastream('AR-1');
      const ids: Record<number, number> = {};
      for (const result of [1, 2, 3]) ids[result] = await created('Observations', { Datastream: { '@iot.id': datastream }, result });
      for (const text of ['1 add result mul 2 sub -1 eq 4', '6 div 2 sub result eq 2', '1 add 2.0 mod (result add 1) eq 1', '14 div (result add 1) mod 3 mul 3 eq 3']) {
        const found = await server.json<Collection>(`Datastreams(${datastream})/Observations?${filter(text)}`);
        expect(found.value.map((o) => o['@iot.id']), text).toEqual([ids[1]]);
      }
    });

    test('st_within over a FeatureOfInterest\'s and a Location\'s geometry (SQLite Geopoly)', async () => {
      const inside = await thingWithDatastream('GEO-1', 114.05, 22.55);
      const outside = await thingWithDatastream('GEO-2', 114.5, 22.55);
      const kept = await created('Observations', { Datastream: { '@iot.id': inside.datastream }, result: 1 });
      await created('Observations', { Datastream: { '@iot.id': outside.datastream }, result: 1 });
      const square = "geography'POLYGON((114 22.5, 114.1 22.5, 114.1 22.6, 114 22.6, 114 22.5))'";
      const observations = await server.json<Collection>(`Observations?${filter(`st_within(FeatureOfInterest/feature, ${square})`)}`);
      expect(observations.value.map((o) => o['@iot.id'])).toEqual([kept]);
      const locations = await server.json<Collection>(`Locations?${filter(`st_within(location, ${square})`)}`);
      expect(locations.value.map((l) => l['@iot.id'])).toEqual([inside.location]);
      expect((await server.get(`Locations?${filter("st_within(location, geography'POINT(1 2)')")}`)).status).toBe(400);
    });

    test('the service root lists the standard\'s entity sets only; the Incidents extension stays reachable', async () => {
      const root = await server.json<{ value: { name: string }[]; serverSettings: { extensions: Record<string, { url: string }> } }>('');
      expect(root.value.map((v) => v.name)).not.toContain('Incidents');
      expect(root.serverSettings.extensions.Incidents!.url).toBe(`${server.base}/Incidents`);
      expect(await status('Incidents')).toBe(200);
    });
  });

  describe('writes the conformance suite replays', () => {
    test('resultTime stays null when the client sends none (POST and CreateObservations)', async () => {
      const { datastream } = await thingWithDatastream('RT-1');
      const id = await created('Observations', { Datastream: { '@iot.id': datastream }, result: 1 });
      expect((await server.json(`Observations(${id})`)).resultTime).toBeNull();
      const batch = (await (await server.post('CreateObservations', [{ Datastream: { '@iot.id': datastream }, components: ['result'], dataArray: [[2]] }])).json()) as string[];
      expect((await (await fetch(batch[0]!)).json() as Entity).resultTime).toBeNull();
    });

    test('a Datastream deep insert may carry Observations, in a Thing too', async () => {
      const { thing } = await thingWithDatastream('DI-1');
      const datastream = await created('Datastreams', {
        name: 'level', description: '', observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement', unitOfMeasurement: { name: 'metre', symbol: 'm', definition: null },
        Thing: { '@iot.id': thing }, Sensor: { name: 's', encodingType: 'text/plain', metadata: '' }, ObservedProperty: { name: 'level', definition: 'level' },
        Observations: [{ phenomenonTime: '2026-11-25T00:00:00Z', result: 1.5 }, { phenomenonTime: '2026-11-25T00:01:00Z', result: 1.6 }],
      });
      expect((await server.json<Collection>(`Datastreams(${datastream})/Observations?$count=true`))['@iot.count']).toBe(2);
      const payload = thingPayload('DI-2', 'methane', 113, 23);
      const withObservations = { ...payload, Datastreams: payload.Datastreams.map((d) => ({ ...d, Observations: [{ result: 3 }] })) };
      const second = await created('Things', withObservations);
      const expanded = await server.json(`Things(${second})?$expand=Datastreams/Observations`);
      expect(((expanded.Datastreams as Entity[])[0]!.Observations as Entity[]).map((o) => o.result)).toEqual([3]);
    });

    test('a deep insert refused for one bad Observation stores nothing, and the same insert without it then works', async () => {
      const payload = thingPayload('DI-3', 'methane', 113.9, 23.9);
      const bad = { ...payload, Datastreams: payload.Datastreams.map((d) => ({ ...d, Observations: [{ result: 1 }, { result: 2, FeatureOfInterest: { '@iot.id': 999999 } }] })) };
      const before = { things: await server.monitoring.store.count('things'), observations: await server.monitoring.store.count('observations') };
      const refused = await server.post('Things', bad);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { message: string }).message).toMatch(/FeatureOfInterest 999999 does not exist/);
      expect({ things: await server.monitoring.store.count('things'), observations: await server.monitoring.store.count('observations') }).toEqual(before);
      const good = { ...payload, Datastreams: payload.Datastreams.map((d) => ({ ...d, Observations: [{ result: 1 }] })) };
      const thing = await created('Things', good);
      const observation = (await server.json<Collection>(`Things(${thing})?$expand=Datastreams/Observations/FeatureOfInterest`)) as unknown as Entity;
      const feature = (((observation.Datastreams as Entity[])[0]!.Observations as Entity[])[0]!.FeatureOfInterest as Entity);
      expect(feature.feature).toEqual({ type: 'Point', coordinates: [113.9, 23.9] });
    });

    test('CreateObservations takes the FeatureOfInterest/id component', async () => {
      const { datastream } = await thingWithDatastream('CO-1');
      const feature = await created('FeaturesOfInterest', { name: 'well', encodingType: 'application/geo+json', feature: { type: 'Point', coordinates: [113.1, 23.1] } });
      const response = await server.post('CreateObservations', [{ Datastream: { '@iot.id': datastream }, components: ['phenomenonTime', 'result', 'FeatureOfInterest/id'], dataArray: [['2026-11-25T00:00:00Z', 1, feature], ['2026-11-25T00:01:00Z', 2, 999999]] }]);
      expect(response.status).toBe(201);
      const links = (await response.json()) as string[];
      expect(links[1]).toBe('error');
      const observation = (await (await fetch(`${links[0]!}/FeatureOfInterest`)).json()) as Entity;
      expect(observation['@iot.id']).toBe(feature);
    });

    test('ids past 2^53 keep every digit', async () => {
      const big = '9007199254740993';
      // PostgreSQL's id sequence does not follow an explicit id by itself (SQLite's rowid does): move it past.
      await server.sql(`INSERT INTO things (id, name, description) VALUES (${big}, 'big', '')${server.backend === 'postgres' ? `; SELECT setval(pg_get_serial_sequence('things', 'id'), ${big})` : ''}`);
      const text = await (await server.get(`Things(${big})`)).text();
      expect(text).toContain(`"@iot.id":${big}`);
      expect(text).toContain(`/Things(${big})`);
      const response = await server.post('Things', { name: 'after big' });
      const body = await response.text();
      expect(body).toContain(`"@iot.id":9007199254740994`);
      expect((await send('PATCH', `Things(${big})`, { name: 'still big' })).status).toBe(200);
      expect(await (await server.get(`Things(${big})`)).text()).toContain('still big');
      expect((await send('DELETE', `Things(${big})`)).status).toBe(200);
      expect(await status(`Things(${big})`)).toBe(404);
    });
  });

  describe('schema migration 3', () => {
    test.runIf(backend === 'sqlite')('SQLite: a database of schema 2 upgrades: its observations get the FeatureOfInterest of their Thing\'s Location', async () => {
      const file = temporaryDatabase();
      const old = new Database(file.path);
      for (const migration of MIGRATIONS.slice(0, 2)) old.exec(migration);
      old.pragma('user_version = 2');
      old.exec(`
        INSERT INTO things (id, name) VALUES (1, 'old thing');
        INSERT INTO locations (id, name, encoding_type, location, lon, lat) VALUES (1, 'old place', 'application/geo+json', '{"type":"Point","coordinates":[113.1,23.1]}', 113.1, 23.1);
        INSERT INTO thing_locations VALUES (1, 1);
        INSERT INTO sensors (id, name, encoding_type, metadata) VALUES (1, 's', 'text/plain', '');
        INSERT INTO observed_properties (id, name, definition) VALUES (1, 'methane', 'methane');
        INSERT INTO datastreams (id, name, observation_type, unit, thing_id, sensor_id, observed_property_id) VALUES (1, 'd', 'o', '{}', 1, 1, 1);
        INSERT INTO observations (id, datastream_id, phenomenon_time, result_time, result) VALUES (1, 1, 0, NULL, 1.5);`);
      old.close();
      const upgraded = await startTestServer({ databasePath: file.path });
      try {
        const feature = await upgraded.json('Observations(1)/FeatureOfInterest');
        expect(feature.feature).toEqual({ type: 'Point', coordinates: [113.1, 23.1] });
        expect((await upgraded.json('Observations(1)')).result).toBe(1.5);
        expect(upgraded.monitoring.database.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      } finally {
        await upgraded.close();
        file.remove();
      }
    });
  });
});
