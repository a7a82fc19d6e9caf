/**
 * Fuzzing (fast-check, fixed seeds, a bounded number of runs) of what a client controls:
 *  - the OData parser and the reads: any query string parses or is a QueryError, and a parsed
 *    one reads or is a 400/404: never another error;
 *  - GETs over HTTP against a server with a small read budget: never a 500, never an answer over
 *    the budget's bytes;
 *  - JSON bodies (arbitrary, deeply nested, and valid ones with one field spoilt) POSTed and PUT
 *    to every write route: never a 500, and a refused one changes no row.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MonitoringDatabase } from './database.ts';
import { parseOptions, queryParameters, QueryError } from './odata.ts';
import { executeRead, ReadBudget } from './read.ts';
import { defaultThresholdRules } from './index.ts';
import { startTestServer, TEST_KEY, thingPayload, type TestServer } from './testing/test-server.ts';

const SETS = ['Things', 'Locations', 'HistoricalLocations', 'Sensors', 'ObservedProperties', 'Datastreams', 'Observations', 'FeaturesOfInterest', 'Incidents'];
const NAVIGATIONS = ['Locations', 'Datastreams', 'Things', 'Thing', 'Sensor', 'ObservedProperty', 'Observations', 'Datastream', 'FeatureOfInterest', 'HistoricalLocations'];
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf'];
const PROPERTIES = ['id', '@iot.id', 'name', 'description', 'result', 'phenomenonTime', 'resultTime', 'properties/assetId', 'properties/a/b', 'Datastream/@iot.id', 'Datastream/id', 'FeatureOfInterest/id', 'location', 'FeatureOfInterest/feature', 'time', 'status', 'level', 'assetIds', 'raisedAt', 'unitOfMeasurement/symbol', 'ObservedProperty/name', ...PROTOTYPE_NAMES, 'properties/__proto__', 'secret'];

const name = fc.oneof(fc.constantFrom(...PROPERTIES), fc.stringMatching(/^[A-Za-z_@][\w@./]{0,12}$/));
const dateTime = fc.oneof(
  fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 39 }), fc.integer({ min: 0, max: 29 }), fc.integer({ min: 0, max: 69 })).map(([y, mo, d, h, mi]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:00${mi % 2 ? 'Z' : '+08:00'}`),
);
const literal = fc.oneof(
  fc.double({ noNaN: false }).map((n) => String(n)),
  fc.integer().map(String),
  fc.string({ maxLength: 12 }).map((s) => `'${s.replaceAll("'", "''")}'`),
  fc.string({ maxLength: 6 }).map((s) => `'${s}`),
  dateTime,
  dateTime.map((d) => `'${d}'`),
  fc.constantFrom('true', 'false', 'null', '1e400', '-0', '.5'),
);
const { filter } = fc.letrec<{ filter: string; comparison: string }>((tie) => ({
  comparison: fc.oneof(
    fc.tuple(name, fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le', 'has', 'eqq'), literal).map(([n, op, v]) => `${n} ${op} ${v}`),
    fc.tuple(fc.constantFrom('startswith', 'endswith', 'substringof', 'contains', 'length', 'exec'), name, literal).map(([f, n, v]) => (f === 'substringof' ? `${f}(${v},${n})` : `${f}(${n},${v})`)),
    fc.tuple(literal, fc.constantFrom('eq', 'lt'), name).map(([v, op, n]) => `${v} ${op} ${n}`),
    fc.tuple(name, fc.constantFrom('add', 'sub', 'mul', 'div', 'mod', 'pow'), literal, fc.constantFrom('eq', 'gt'), literal).map(([n, op, v, cmp, w]) => `${n} ${op} ${v} ${cmp} ${w}`),
    fc.tuple(name, fc.constantFrom("geography'POLYGON((113 23, 114 23, 114 24, 113 23))'", "geography'POLYGON((1 1))'", "geography'POINT(1 2)'", "'x'", 'geography')).map(([n, g]) => `st_within(${n}, ${g})`),
  ),
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('comparison'),
    fc.tuple(tie('filter'), fc.constantFrom(' and ', ' or ', ' AND ', ' '), tie('filter')).map(([a, op, b]) => `${a}${op}${b}`),
    tie('filter').map((f) => `not ${f}`),
    tie('filter').map((f) => `(${f})`),
    fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom('not ', '(')).map(([n, open]) => `${open.repeat(n)}result eq 1${open === '(' ? ')'.repeat(n) : ''}`),
    fc.integer({ min: 1, max: 400 }).map((n) => Array.from({ length: n }, (_, i) => `id eq ${i}`).join(' or ')),
    fc.string({ maxLength: 30 }),
  ),
}));
const orderBy = fc.array(fc.tuple(name, fc.constantFrom('', ' asc', ' desc', ' sideways')).map(([n, d]) => `${n}${d}`), { minLength: 1, maxLength: 12 }).map((terms) => terms.join(','));
const select = fc.array(name, { minLength: 1, maxLength: 6 }).map((names) => names.join(','));
const integerText = fc.oneof(fc.integer({ min: -5, max: 20_000 }).map(String), fc.constantFrom('1e3', '99999999999999999999', '0x10', ' 5', ''));
const { expand } = fc.letrec<{ expand: string; item: string }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small' },
    fc.array(fc.oneof(fc.constantFrom(...NAVIGATIONS), fc.constantFrom(...PROTOTYPE_NAMES)), { minLength: 1, maxLength: 7 }).map((path) => path.join('/')),
    fc.tuple(fc.constantFrom(...NAVIGATIONS), fc.array(fc.oneof(integerText.map((t) => `$top=${t}`), integerText.map((t) => `$skip=${t}`), select.map((s) => `$select=${s}`), orderBy.map((o) => `$orderby=${o}`), filter.map((f) => `$filter=${f}`), tie('expand').map((e) => `$expand=${e}`), fc.constant('$count=true'), fc.constant('$top=1;$top=2')), { maxLength: 3 })).map(([n, options]) => `${n}(${options.join(';')})`),
  ),
  expand: fc.array(tie('item'), { minLength: 1, maxLength: 4 }).map((items) => items.join(',')),
}));
const option = fc.oneof(
  integerText.map((v) => ['$top', v] as const),
  integerText.map((v) => ['$skip', v] as const),
  fc.constantFrom('true', 'false', 'yes').map((v) => ['$count', v] as const),
  filter.map((v) => ['$filter', v] as const),
  orderBy.map((v) => ['$orderby', v] as const),
  select.map((v) => ['$select', v] as const),
  expand.map((v) => ['$expand', v] as const),
  fc.tuple(fc.constantFrom('$bogus', '$resultFormat', 'bbox', '$Top', '%24top'), fc.string({ maxLength: 8 })),
  fc.constant(['$resultFormat', 'dataArray'] as const),
);
const queryString = fc.array(option, { maxLength: 4 }).map((options) => options.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
const resourcePath = fc.oneof(
  fc.constantFrom(...SETS),
  fc.tuple(fc.constantFrom(...SETS), fc.integer({ min: 0, max: 5 })).map(([s, id]) => `${s}(${id})`),
  fc.tuple(fc.constantFrom(...SETS), fc.integer({ min: 0, max: 3 }), fc.oneof(fc.constantFrom(...NAVIGATIONS), fc.constantFrom(...PROTOTYPE_NAMES))).map(([s, id, n]) => `${s}(${id})/${n}`),
  fc.constantFrom(...PROTOTYPE_NAMES, 'Things(1', 'Things()', 'Things(-1)', 'Things(99999999999999999999)', ''),
);

/** A database with a little of everything, for in-process reads. */
function sampleDatabase(): MonitoringDatabase {
  const database = new MonitoringDatabase({ path: ':memory:', rules: defaultThresholdRules() });
  database.createThing(thingPayload('F-1', 'methane', 113.12, 23.01) as never);
  database.createThing(thingPayload('F-2', 'water-pressure', 113.13, 23.01, 'segment') as never);
  const base = Date.parse('2026-11-25T00:00:00Z');
  database.insertObservations(Array.from({ length: 200 }, (_, i) => ({ datastreamId: 1 + (i % 2), phenomenonTimeMs: base + i * 60_000, resultTimeMs: null, result: i % 2 ? 0.1 : i % 60 })));
  return database;
}

describe('the OData parser and the reads, in-process', () => {
  let database: MonitoringDatabase;
  beforeAll(() => {
    database = sampleDatabase();
  });
  afterAll(() => database.close());

  test('any query string parses or is a QueryError; a parsed one reads or is a 400/404, never another error', () => {
    fc.assert(
      fc.property(resourcePath, fc.oneof(queryString, fc.string({ maxLength: 60 })), (path, raw) => {
        let options;
        try {
          options = parseOptions(queryParameters(raw));
        } catch (error) {
          if (!(error instanceof QueryError)) throw error;
          return;
        }
        const response = executeRead(database.db, { path, options, rawQuery: raw, baseUrl: 'http://fuzz/v1.1' }, new ReadBudget({ maximumEntities: 5_000, maximumResponseBytes: 1024 * 1024, maximumReadMilliseconds: 5_000 }));
        expect([200, 400, 404]).toContain(response.status);
        expect(response.json.length).toBeLessThanOrEqual(1024 * 1024);
        JSON.parse(response.json);
      }),
      { seed: 20_2026, numRuns: 1_500 },
    );
  });
});

describe('over HTTP', () => {
  const BYTES = 128 * 1024;
  let server: TestServer;
  const counts = () => {
    const { database } = server.monitoring;
    const one = (sql: string) => database.db.prepare(sql).get() as Record<string, unknown> | undefined;
    return {
      ...Object.fromEntries((['observations', 'things', 'datastreams', 'incidents', 'incident_events', 'locations'] as const).map((t) => [t, database.count(t)])),
      lifecycles: one('SELECT count(*) AS n FROM building_lifecycles')!.n,
      record: one("SELECT record FROM building_lifecycles WHERE building_id = 'FZ-1'")?.record ?? null,
    };
  };
  beforeAll(async () => {
    server = await startTestServer({ buildingIds: new Set(['FZ-1']), reads: { budget: { maximumResponseBytes: BYTES, maximumEntities: 2_000 } } });
    await server.post('Things', thingPayload('F-1', 'methane', 113.12, 23.01));
    await server.post('Things', thingPayload('F-2', 'methane', 113.1201, 23.01));
    const now = Date.now();
    await server.post('CreateObservations', [{ Datastream: { '@iot.id': 1 }, components: ['phenomenonTime', 'result'], dataArray: Array.from({ length: 1500 }, (_, i) => [new Date(now - 3_600_000 + i * 1000).toISOString(), i % 40]) }]);
  });
  afterAll(() => server.close());

  test('GETs: never a 500, never an answer over the bound, nothing changed', async () => {
    const before = counts();
    await fc.assert(
      fc.asyncProperty(resourcePath, queryString, async (path, raw) => {
        const response = await fetch(`${server.base}/${path}${raw ? `?${raw}` : ''}`);
        const body = await response.arrayBuffer();
        expect(response.status, `${path}?${raw}`).toBeLessThan(500);
        expect(body.byteLength).toBeLessThanOrEqual(BYTES);
      }),
      { seed: 20_2026, numRuns: 120, interruptAfterTimeLimit: 15_000, markInterruptAsFailure: false },
    );
    expect(counts()).toEqual(before);
  }, 60_000);

  const deepArray = fc.integer({ min: 1, max: 40 }).map((n) => JSON.parse(`${'['.repeat(n)}1${']'.repeat(n)}`) as unknown);
  const deepText = fc.tuple(fc.integer({ min: 20, max: 20_000 }), fc.constantFrom('[', '{"a":')).map(([n, open]) => `${open.repeat(n)}1${(open === '[' ? ']' : '}').repeat(n)}`);
  const instant = fc.oneof(dateTime, fc.string({ maxLength: 25 }), fc.constant(new Date().toISOString()), fc.integer());
  const jsonish = fc.oneof({ maxDepth: 3 }, fc.jsonValue({ maxDepth: 4 }), deepArray, instant, fc.constantFrom(null, {}, [], '__proto__', { __proto__: 1 }, { constructor: { prototype: 1 } }));
  const validBodies: [string, string, Record<string, unknown> | unknown[]][] = [
    ['POST', 'v1.1/Observations', { Datastream: { '@iot.id': 1 }, result: 1, phenomenonTime: '2026-11-25T08:00:00Z', parameters: { a: 1 } }],
    ['POST', 'v1.1/Datastreams(1)/Observations', { result: 1, resultTime: '2026-11-25T08:00:00Z' }],
    ['POST', 'v1.1/CreateObservations', [{ Datastream: { '@iot.id': 1 }, components: ['phenomenonTime', 'result', 'parameters'], dataArray: [['2026-11-25T08:00:00Z', 1, { a: 1 }]] }]],
    ['POST', 'v1.1/Things', thingPayload('F-9', 'methane', 113.12, 23.01)],
    ['POST', 'v1.1/Incidents(1)/Actions', { action: 'note', by: 'fuzz', note: 'x' }],
    ['POST', 'v1.1/FeaturesOfInterest', { name: 'f', encodingType: 'application/geo+json', feature: { type: 'Point', coordinates: [113.1, 23.1] }, properties: { a: 1 } }],
    ['PATCH', 'v1.1/Things(1)', { name: 'x', properties: { assetId: 'F-1' }, Locations: [{ '@iot.id': 1 }] }],
    ['PATCH', 'v1.1/Observations(1)', { result: 2, phenomenonTime: '2026-11-25T08:00:00Z/2026-11-25T09:00:00Z', resultTime: null, FeatureOfInterest: { '@iot.id': 1 } }],
    ['PATCH', 'v1.1/Datastreams(1)', { name: 'd', unitOfMeasurement: { name: 'x', symbol: 'x', definition: null }, Sensor: { '@iot.id': 1 } }],
    ['POST', 'api/lifecycle/import', [{ buildingId: 'FZ-1', stages: [{ stage: 'project-approval', date: '2009-03-02' }], parties: [], inspections: [] }]],
    ['PUT', 'api/buildings/FZ-1/lifecycle', { buildingId: 'FZ-1', stages: [{ stage: 'project-approval', date: '2009-03-02' }], parties: [], inspections: [{ date: '2010-01-01', result: 'pass', inspector: 'x' }] }],
  ];
  /** Replace one value somewhere in a body (by a path of indices into its keys). */
  function spoil(value: unknown, path: number[], replacement: unknown): unknown {
    if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
    const keys = Object.keys(value);
    if (keys.length === 0) return replacement;
    const key = keys[path[0]! % keys.length]!;
    const copy: Record<string, unknown> = Array.isArray(value) ? [...value] as unknown as Record<string, unknown> : { ...(value as Record<string, unknown>) };
    copy[key] = spoil((value as Record<string, unknown>)[key], path.slice(1), replacement);
    return copy;
  }
  // A deep value is spliced in as text: JSON.stringify itself would overflow on it.
  const DEEP = '\u0000deep\u0000';
  const replacement = fc.oneof(jsonish.map((value) => ({ value, text: undefined as string | undefined })), deepText.map((text) => ({ value: DEEP, text })));
  const body = fc.oneof(
    fc.tuple(fc.nat({ max: validBodies.length - 1 }), fc.array(fc.nat({ max: 8 }), { maxLength: 5 }), replacement).map(([i, path, { value, text }]) => {
      const [method, route, valid] = validBodies[i]!;
      const json = JSON.stringify(spoil(valid, path, value));
      return [method, route, text === undefined ? json : json.replace(JSON.stringify(DEEP), text)] as const;
    }),
    fc.tuple(fc.nat({ max: validBodies.length - 1 }), fc.oneof(deepText, fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 40 }))).map(([i, text]) => [validBodies[i]![0], validBodies[i]![1], text ?? 'null'] as const),
  );

  test('JSON bodies on every write route: never a 500, and a refused one changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(body, async ([method, route, text]) => {
        const before = counts();
        const response = await fetch(`${server.url}/${route}`, { method, headers: { 'Content-Type': 'application/json', 'X-API-Key': TEST_KEY }, body: text });
        const answer = (await response.json()) as { message?: string };
        expect(response.status, `${method} ${route} ${text.slice(0, 200)}`).toBeLessThan(500);
        if (response.status >= 400) {
          expect(answer.message).toMatch(/./);
          expect(counts()).toEqual(before);
        }
      }),
      { seed: 20_2026, numRuns: 150, interruptAfterTimeLimit: 15_000, markInterruptAsFailure: false },
    );
  }, 60_000);
});
