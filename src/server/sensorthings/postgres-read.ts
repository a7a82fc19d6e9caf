/**
 * Reads on PostgreSQL: the same requests, budget and JSON as read.ts (whose SQL builders it uses
 * with the PostgreSQL dialect), run asynchronously on a pooled connection, each in one
 * read-only REPEATABLE READ transaction (one snapshot) under a statement timeout.
 *
 * `$count` on PostgreSQL (see `countOf`): exact up to a threshold, counted with a LIMIT so it
 * never reads more than that many rows; past it, the planner's estimate, marked in the answer
 * with `"@cim-twin.countEstimated": true` beside `@iot.count`.
 */
import type pg from 'pg';
import { ENTITY_SETS, type Column, type EntitySet, type EntitySetName, type Navigation } from './entities.ts';
import { QueryError, type QueryOptions } from './odata.ts';
import { idJson, idOf, stringify, type Id } from './ids.ts';
import {
  DATA_ARRAY_COMPONENTS,
  DEFAULT_TOP,
  errorResponse,
  filterToSql,
  nextLink,
  orderToSql,
  own,
  parseResourcePath,
  ReadBudget,
  ResourceError,
  rowBytes,
  type CollectionResult,
  type DataArrayComponent,
  type ParentScope,
  type ReadRequest,
  type ReadResponse,
  type Sql,
  type SqlDialect,
} from './read.ts';
import type { IncidentTransition } from '../../domain/monitoring/incidents.ts';

/** Observations' result: a number in `result`, anything else as JSON text in `result_json` (read back with SQLite's "json:" mark). */
const SELECT_OVERRIDES: Partial<Record<EntitySetName, string>> = {
  Observations: "id, phenomenon_time, phenomenon_time_end, result_time, result, 'json:' || result_json AS result_text, parameters, datastream_id, feature_of_interest_id",
};

function closedRing(ring: [number, number][]): [number, number][] {
  const first = ring[0]!;
  const last = ring.at(-1)!;
  return first[0] === last[0] && first[1] === last[1] ? ring : [...ring, first];
}

export const POSTGRES_DIALECT: SqlDialect = {
  jsonMember: (column, as) => (as === 'text' ? `(${column}::jsonb #>> ?::text[])` : `(${column}::jsonb #> ?::text[])`),
  jsonPath: (members) => members,
  placeholder: (value, json) => {
    if (json) return typeof value === 'number' ? 'to_jsonb(?::float8)' : typeof value === 'string' ? 'to_jsonb(?::text)' : 'to_jsonb(?)';
    if (typeof value === 'number') return Number.isSafeInteger(value) ? '?::bigint' : '?::float8';
    if (typeof value === 'string') return '?::text';
    return '?';
  },
  div: (left, right) => `((${left})::float8 / ${right})`,
  mod: (left, right) => `mod((${left})::numeric, (${right})::numeric)::float8`,
  // PostGIS: the point (a geometry column beside lon/lat) inside the polygon.
  within: (column, ring) => ({
    text: `ST_Within(${column.sql.replace(/\blon\b/, 'geom')}, ST_SetSRID(ST_GeomFromGeoJSON(?::text), 4326))`,
    parameters: [JSON.stringify({ type: 'Polygon', coordinates: [closedRing(ring)] })],
  }),
  // SQLite's LIKE ignores the case of ASCII letters: the same answers.
  like: 'ILIKE',
  // SQLite sorts nulls first going up: the same order.
  orderTerm: (sql, descending) => `${sql} ${descending ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`,
};

/** `?` placeholders numbered for PostgreSQL ($1, $2 …). The SQL text never holds request text, so every `?` is a placeholder. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export interface CountPolicy {
  /** Counted exactly up to this many; past it, the planner's estimate. Default 100,000. */
  exactCountLimit: number;
}

export interface PgReadContext {
  client: pg.PoolClient;
  baseUrl: string;
  budget: ReadBudget;
  count: CountPolicy;
}

async function query<R extends Record<string, unknown>>(context: PgReadContext, sql: string, parameters: unknown[]): Promise<R[]> {
  context.budget.checkTime();
  return (await context.client.query<R>(numbered(sql), parameters)).rows;
}

function selectOf(set: EntitySet): string {
  return SELECT_OVERRIDES[set.name] ?? set.select;
}

/** A row as read.ts's `toJson` expects it (SQLite's forms). */
function normalised(set: EntitySet, row: Record<string, unknown>): Record<string, unknown> {
  if (set.name === 'Observations' && row.result_text !== null && row.result_text !== undefined) row.result = row.result_text;
  return row;
}

function selfLink(context: PgReadContext, set: EntitySet, id: Id): string {
  return `${context.baseUrl}/${set.name}(${id})`;
}

async function entityJson(context: PgReadContext, set: EntitySet, row: Record<string, unknown>, options: QueryOptions): Promise<Record<string, unknown>> {
  const id = idOf(row.id_text);
  const link = selfLink(context, set, id);
  const full: Record<string, unknown> = { '@iot.id': idJson(id), '@iot.selfLink': link, ...set.toJson(normalised(set, row)) };
  for (const name of Object.keys(set.navigation)) full[`${name}@iot.navigationLink`] = `${link}/${name}`;
  context.budget.spendBytes((link.length + 24) * (1 + Object.keys(set.navigation).length));
  let result = full;
  if (options.select) {
    result = {};
    for (const name of options.select) {
      if (name === 'id' || name === '@iot.id') result['@iot.id'] = idJson(id);
      else if (Object.hasOwn(full, name)) result[name] = full[name];
      else if (Object.hasOwn(full, `${name}@iot.navigationLink`)) result[`${name}@iot.navigationLink`] = full[`${name}@iot.navigationLink`];
      else throw new QueryError(`$select: ${set.name} has no property ${JSON.stringify(name.slice(0, 100))}`);
    }
  }
  for (const item of options.expand ?? []) {
    const navigation = own(set.navigation, item.navigation);
    if (!navigation) throw new QueryError(`$expand: ${set.name} has no navigation property ${JSON.stringify(item.navigation.slice(0, 100))}`);
    const target = ENTITY_SETS[navigation.target];
    if (navigation.many) {
      const collection = await readCollection(context, target, item.options, { where: navigation.where, parameter: id }, `${link}/${item.navigation}`);
      result[item.navigation] = collection.value;
      if (collection['@iot.nextLink']) result[`${item.navigation}@iot.nextLink`] = collection['@iot.nextLink'];
      if (collection['@iot.count'] !== undefined) result[`${item.navigation}@iot.count`] = collection['@iot.count'];
    } else {
      const row = await readOne(context, target, navigation, id);
      result[item.navigation] = row ? await entityJson(context, target, row, item.options) : null;
    }
  }
  return result;
}

async function readOne(context: PgReadContext, target: EntitySet, navigation: Navigation, parentId: Id): Promise<Record<string, unknown> | undefined> {
  const [row] = await query(context, `SELECT ${selectOf(target)}, CAST(id AS TEXT) AS id_text FROM ${target.table} WHERE ${navigation.where}`, [String(parentId)]);
  if (row) context.budget.spendRow(rowBytes(row));
  return row;
}

/**
 * `$count`: exact while the matching rows are at most `exactCountLimit` (a count over a LIMIT:
 * it reads no more than that), otherwise the planner's estimate of the rows (EXPLAIN), never
 * less than the limit. An estimate is marked.
 */
async function countOf(context: PgReadContext, table: string, whereText: string, parameters: unknown[]): Promise<{ count: number; estimated: boolean }> {
  const limit = context.count.exactCountLimit;
  const [exact] = await query<{ n: number }>(context, `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${table} ${whereText} LIMIT ?) AS counted`, [...parameters, limit + 1]);
  if (exact!.n <= limit) return { count: exact!.n, estimated: false };
  const [plan] = await query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(context, `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${table} ${whereText}`, parameters);
  const estimate = Math.round(plan!['QUERY PLAN'][0].Plan['Plan Rows']);
  return { count: Math.max(limit + 1, estimate), estimated: true };
}

type PgCollectionResult = CollectionResult & { '@cim-twin.countEstimated'?: boolean };

async function readCollection(context: PgReadContext, set: EntitySet, options: QueryOptions, scope?: ParentScope, collectionUrl = `${context.baseUrl}/${set.name}`, rawQuery?: string): Promise<PgCollectionResult> {
  const where: Sql[] = [];
  if (scope) where.push({ text: scope.where, parameters: [String(scope.parameter)] });
  if (options.filter) where.push(filterToSql(set, options.filter, POSTGRES_DIALECT));
  const whereText = where.length ? `WHERE ${where.map((w) => w.text).join(' AND ')}` : '';
  const whereParameters = where.flatMap((w) => w.parameters);
  const order = orderToSql(set, options, POSTGRES_DIALECT);
  const top = options.top ?? DEFAULT_TOP;
  const skip = options.skip ?? 0;
  const rows = await query(context, `SELECT ${selectOf(set)}, CAST(id AS TEXT) AS id_text FROM ${set.table} ${whereText} ORDER BY ${order.text} LIMIT ? OFFSET ?`, [...whereParameters, ...order.parameters, top + 1, skip]);
  rows.slice(0, top).forEach((row) => context.budget.spendRow(rowBytes(row)));
  const result: PgCollectionResult = { value: [] };
  let estimated = false;
  if (options.count) {
    const counted = await countOf(context, set.table, whereText, whereParameters);
    result['@iot.count'] = counted.count;
    estimated = counted.estimated;
  }
  if (rows.length > top) {
    rows.pop();
    result['@iot.nextLink'] = nextLink(collectionUrl, rawQuery, top, skip);
  }
  const value: Record<string, unknown>[] = [];
  for (const row of rows) value.push(await entityJson(context, set, row, options));
  if (result['@iot.count'] === undefined) return { ...result, value };
  return { '@iot.count': result['@iot.count'], ...(estimated ? { '@cim-twin.countEstimated': true } : {}), ...(result['@iot.nextLink'] ? { '@iot.nextLink': result['@iot.nextLink'] } : {}), value };
}

export async function readEntityPg(context: PgReadContext, setName: EntitySetName, id: Id, options: QueryOptions): Promise<Record<string, unknown> | undefined> {
  const set = ENTITY_SETS[setName];
  const [row] = await query(context, `SELECT ${selectOf(set)}, CAST(id AS TEXT) AS id_text FROM ${set.table} WHERE id = ?::bigint`, [String(id)]);
  if (!row) return undefined;
  context.budget.spendRow(rowBytes(row));
  return entityJson(context, set, row, options);
}

/** Several entities of one set in one statement, each exactly as `readEntityPg` returns it (undefined for an unknown id), in the order asked. */
export async function readEntitiesPg(context: Omit<PgReadContext, 'budget'>, setName: EntitySetName, ids: readonly Id[]): Promise<(Record<string, unknown> | undefined)[]> {
  if (!ids.length) return [];
  const set = ENTITY_SETS[setName];
  const budget = () => new ReadBudget();
  const rows = await query({ ...context, budget: budget() }, `SELECT ${selectOf(set)}, CAST(id AS TEXT) AS id_text FROM ${set.table} WHERE id = ANY(?::bigint[])`, [ids.map(String)]);
  const byId = new Map<string, Record<string, unknown>>();
  for (const row of rows) byId.set(String(row.id_text), row);
  const entities: (Record<string, unknown> | undefined)[] = [];
  for (const id of ids) {
    const row = byId.get(String(id));
    if (!row) {
      entities.push(undefined);
      continue;
    }
    // Each with its own budget, as a GET of it has.
    const single = { ...context, budget: budget() };
    single.budget.spendRow(rowBytes(row));
    entities.push(await entityJson(single, set, row, {}));
  }
  return entities;
}

export async function readTransitionsPg(client: pg.ClientBase, id: number): Promise<IncidentTransition[]> {
  const { rows } = await client.query<{ kind: IncidentTransition['kind']; status: IncidentTransition['status']; level: IncidentTransition['level']; actor: string; at: number; note: string | null; unit: string | null }>(
    'SELECT kind, status, level, actor, at, note, unit FROM incident_events WHERE incident_id = $1 ORDER BY id',
    [id],
  );
  return rows.map((e) => ({ kind: e.kind, status: e.status, level: e.level, by: e.actor, at: new Date(Number(e.at)).toISOString(), ...(e.note ? { note: e.note } : {}), ...(e.unit ? { unit: e.unit } : {}) }));
}

async function withTransitions(context: PgReadContext, set: EntitySetName, value: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (set === 'Incidents' && typeof value['@iot.id'] === 'number') {
    const transitions = await readTransitionsPg(context.client, value['@iot.id']);
    for (const t of transitions) context.budget.spendBytes(80 + (t.note?.length ?? 0) + t.by.length);
    value.transitions = transitions;
  }
  return value;
}

async function readDataArray(context: PgReadContext, options: QueryOptions, scope: ParentScope | undefined, collectionUrl: string | undefined, rawQuery: string): Promise<unknown> {
  if (options.expand) throw new QueryError('$resultFormat=dataArray: $expand cannot be combined with it');
  const components = (options.select ?? [...DATA_ARRAY_COMPONENTS]).map((name): DataArrayComponent => {
    const canonical = name === '@iot.id' ? 'id' : name === 'FeatureOfInterest/@iot.id' ? 'FeatureOfInterest/id' : name;
    if (!(DATA_ARRAY_COMPONENTS as readonly string[]).includes(canonical)) throw new QueryError(`$select with $resultFormat=dataArray: one of ${DATA_ARRAY_COMPONENTS.join(', ')}, not ${JSON.stringify(name.slice(0, 100))}`);
    return canonical as DataArrayComponent;
  });
  const collection = await readCollection(context, ENTITY_SETS.Observations, { ...options, select: undefined, resultFormat: undefined }, scope, collectionUrl, rawQuery);
  const ids = collection.value.map((o) => String(idOf(String(o['@iot.selfLink']).slice(String(o['@iot.selfLink']).lastIndexOf('(') + 1, -1))));
  const links = new Map<string, { datastreamId: string; featureOfInterestId: string | null }>();
  for (const row of await query<{ id: string; datastream_id: string; feature_of_interest_id: string | null }>(context, 'SELECT CAST(id AS TEXT) AS id, CAST(datastream_id AS TEXT) AS datastream_id, CAST(feature_of_interest_id AS TEXT) AS feature_of_interest_id FROM observations WHERE id = ANY(?::bigint[])', [ids])) {
    links.set(row.id, { datastreamId: row.datastream_id, featureOfInterestId: row.feature_of_interest_id });
  }
  const groups = new Map<string, unknown[][]>();
  collection.value.forEach((observation, i) => {
    const link = links.get(ids[i]!)!;
    let rows = groups.get(link.datastreamId);
    if (!rows) groups.set(link.datastreamId, (rows = []));
    const featureOfInterestId = link.featureOfInterestId === null ? null : idJson(idOf(link.featureOfInterestId));
    rows.push(components.map((c) => (c === 'id' ? observation['@iot.id'] : c === 'FeatureOfInterest/id' ? featureOfInterestId : (observation[c] ?? null))));
  });
  const value = [...groups].map(([datastreamId, dataArray]) => ({ 'Datastream@iot.navigationLink': `${context.baseUrl}/Datastreams(${datastreamId})`, components, 'dataArray@iot.count': dataArray.length, dataArray }));
  return {
    ...(collection['@iot.count'] !== undefined ? { '@iot.count': collection['@iot.count'] } : {}),
    ...(collection['@cim-twin.countEstimated'] ? { '@cim-twin.countEstimated': true } : {}),
    ...(collection['@iot.nextLink'] ? { '@iot.nextLink': collection['@iot.nextLink'] } : {}),
    value,
  };
}

async function exists(context: PgReadContext, set: EntitySetName, id: Id): Promise<boolean> {
  return (await query(context, `SELECT 1 FROM ${ENTITY_SETS[set].table} WHERE id = ?::bigint`, [String(id)])).length > 0;
}

async function answer(context: PgReadContext, request: ReadRequest): Promise<unknown> {
  const resource = parseResourcePath(request.path);
  if (!resource) throw new ResourceError(`no such resource: ${request.path.slice(0, 200)}`);
  const { set, id, navigation } = resource;
  const { options } = request;
  if (options.resultFormat) {
    const nav = navigation === undefined ? undefined : own(ENTITY_SETS[set].navigation, navigation);
    const observations = set === 'Observations' ? id === undefined : nav !== undefined && nav.target === 'Observations' && nav.many;
    if (!observations) throw new QueryError('$resultFormat=dataArray: only on a collection of Observations');
    if (id === undefined) return readDataArray(context, options, undefined, undefined, request.rawQuery);
    if (!(await exists(context, set, id))) throw new ResourceError(`${set}(${id}) does not exist`);
    return readDataArray(context, options, { where: nav!.where, parameter: id }, `${context.baseUrl}/${set}(${id})/${navigation}`, request.rawQuery);
  }
  if (id === undefined) {
    const result = await readCollection(context, ENTITY_SETS[set], options, undefined, undefined, request.rawQuery);
    for (const v of result.value) await withTransitions(context, set, v);
    return result;
  }
  if (!navigation) {
    const entity = await readEntityPg(context, set, id, options);
    if (!entity) throw new ResourceError(`${set}(${id}) does not exist`);
    return withTransitions(context, set, entity);
  }
  const nav = own(ENTITY_SETS[set].navigation, navigation);
  if (!nav) throw new ResourceError(`${set} has no navigation property ${navigation}`);
  if (!(await exists(context, set, id))) throw new ResourceError(`${set}(${id}) does not exist`);
  const target = ENTITY_SETS[nav.target];
  if (nav.many) return readCollection(context, target, options, { where: nav.where, parameter: id }, `${context.baseUrl}/${set}(${id})/${navigation}`, request.rawQuery);
  const [row] = await query<{ id: string }>(context, `SELECT CAST(id AS TEXT) AS id FROM ${target.table} WHERE ${nav.where}`, [String(id)]);
  if (!row) throw new ResourceError(`${set}(${id})/${navigation} does not exist`);
  return readEntityPg(context, nav.target, idOf(row.id), options);
}

/** PostgreSQL errors that are the request's doing (a type mismatch in a filter, a number out of range): a 400. */
const REQUEST_ERROR_CODES = new Set(['22P02', '22003', '42883', '42804', '22012', '22023', '2201B', '22007', '22008', 'XX000']);

/** Answer one GET on a connection from the pool. A statement timeout or a lost connection is thrown (the executor makes it a 503). */
export async function executeReadPg(client: pg.PoolClient, request: ReadRequest, budget: ReadBudget, count: CountPolicy): Promise<ReadResponse> {
  const context: PgReadContext = { client, baseUrl: request.baseUrl, budget, count };
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    let body: unknown;
    try {
      body = await answer(context, request);
    } finally {
      await client.query('ROLLBACK').catch(() => {});
    }
    const json = stringify(body);
    if (json.length > budget.limits.maximumResponseBytes || Buffer.byteLength(json) > budget.limits.maximumResponseBytes) throw budget.bytesError();
    budget.checkTime();
    return { status: 200, json };
  } catch (error) {
    if (error instanceof QueryError) return errorResponse(400, error.message);
    if (error instanceof ResourceError) return errorResponse(404, error.message);
    const code = (error as { code?: string }).code;
    if (code && REQUEST_ERROR_CODES.has(code)) return errorResponse(400, `$filter: ${(error as Error).message}`);
    throw error;
  }
}

export type { Column };
