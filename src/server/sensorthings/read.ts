/**
 * Reads: a collection or one entity with its query options, as SensorThings JSON. Filters
 * become parameterised SQL over each entity set's whitelisted columns; `$expand` runs one
 * indexed query per parent (fast in SQLite, and it keeps `$top` per parent exact).
 *
 * Every read spends from a budget (`ReadBudget`): entities, bytes and time. The options are
 * bounded before the read starts (odata.ts); the budget is checked as rows are read, and a read
 * that would pass it stops there with a 400 naming the bound, before a byte is sent.
 *
 * Names from a request (properties, navigations, $select) are looked up as own properties of
 * our whitelists only: `constructor`, `__proto__` and the like name nothing.
 */
import type { Database } from 'better-sqlite3';
import { ENTITY_SETS, isEntitySetName, sqliteWhere, type Column, type EntitySet, type EntitySetName, type Navigation } from './entities.ts';
import { QueryError, type FilterNode, type Literal, type QueryOptions } from './odata.ts';
import { prepared } from './statements.ts';
import { instantMilliseconds } from '../instants.ts';
import { readTransitions } from './transitions.ts';
import { idFromText, idJson, idOf, stringify, type Id } from './ids.ts';

export const DEFAULT_TOP = 100;

/** What one read may cost. */
export interface ReadBudgetLimits {
  /** Entities in one response, expanded ones included. */
  maximumEntities: number;
  /** Bytes of one response's JSON. */
  maximumResponseBytes: number;
  /** Time one read may take. */
  maximumReadMilliseconds: number;
}

export const DEFAULT_READ_BUDGET: ReadBudgetLimits = {
  maximumEntities: 50_000,
  maximumResponseBytes: 32 * 1024 * 1024,
  maximumReadMilliseconds: 5_000,
};

/** A read that went past its budget: a 400 naming the bound. */
export class ReadLimitError extends QueryError {}

/** The budget of one read, spent as rows are read. */
export class ReadBudget {
  entities = 0;
  bytes = 0;
  private readonly deadline: number;

  constructor(
    readonly limits: ReadBudgetLimits = DEFAULT_READ_BUDGET,
    startedAt = Date.now(),
  ) {
    this.deadline = startedAt + limits.maximumReadMilliseconds;
  }

  /** Spend one row of `bytes` (an estimate of its JSON). */
  spendRow(bytes: number): void {
    this.entities++;
    this.bytes += bytes;
    if (this.entities > this.limits.maximumEntities) throw new ReadLimitError(`the response would hold more than ${this.limits.maximumEntities} entities, the limit of one read: ask for fewer with $top, $filter or fewer $expand, or page with @iot.nextLink`);
    this.spendBytes(0);
    if ((this.entities & 63) === 0) this.checkTime();
  }

  spendBytes(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.limits.maximumResponseBytes) throw this.bytesError();
  }

  bytesError(): ReadLimitError {
    return new ReadLimitError(`the response would be larger than ${this.limits.maximumResponseBytes} bytes, the limit of one read: ask for less with $top, $select or fewer $expand`);
  }

  checkTime(): void {
    if (Date.now() > this.deadline) throw new ReadLimitError(`the read took longer than ${this.limits.maximumReadMilliseconds} ms, the limit of one read: narrow it with a $filter (on phenomenonTime, for example) or a smaller $top`);
  }
}

/** A rough size of a row's JSON: its text and numbers. A lower bound is enough: the serialised response is checked exactly. */
export function rowBytes(row: Record<string, unknown>): number {
  let bytes = 16;
  for (const key in row) {
    const value = row[key];
    bytes += key.length + (typeof value === 'string' ? value.length : 8) + 4;
  }
  return bytes;
}

/** An own property of one of our records, never one inherited from Object.prototype. */
export function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export interface Sql {
  text: string;
  parameters: unknown[];
}

/**
 * What differs between the SQL of the two backends. Placeholders are `?` in both (the PostgreSQL
 * reader numbers them at the end); SQLite's is the text this module always wrote.
 */
export interface SqlDialect {
  /** A JSON member of a text column: `as` 'value' for comparing with a literal, 'text' for LIKE. */
  jsonMember(column: string, as: 'value' | 'text'): string;
  jsonPath(members: string[]): unknown;
  /** A literal's placeholder (with its type where the backend needs one); `json`: compared with a JSON member. */
  placeholder(value: unknown, json: boolean): string;
  div(left: string, right: string): string;
  mod(left: string, right: string): string;
  /** st_within of a point column (its `sql` and `latSql`) and a polygon ring. */
  within(column: Column, ring: [number, number][]): Sql;
  like: string;
  orderTerm(sql: string, descending: boolean): string;
}

export const SQLITE_DIALECT: SqlDialect = {
  jsonMember: (column) => `json_extract(${column}, ?)`,
  jsonPath: (members) => `$.${members.map((m) => `"${m}"`).join('.')}`,
  placeholder: () => '?',
  div: (left, right) => `(CAST(${left} AS REAL) / ${right})`,
  mod: (left, right) => `mod(${left}, ${right})`,
  // SQLite's own Geopoly: the point of a Location or FeatureOfInterest inside the polygon.
  within: (column, ring) => ({ text: `(geopoly_contains_point(geopoly_ccw(?), ${column.sql}, ${column.latSql}) = 2)`, parameters: [JSON.stringify(ring)] }),
  like: 'LIKE',
  orderTerm: (sql, descending) => `${sql} ${descending ? 'DESC' : 'ASC'}`,
};

export function resolveColumn(set: EntitySet, path: string, dialect: SqlDialect = SQLITE_DIALECT, as: 'value' | 'text' = 'value'): Column & { jsonPath?: unknown } {
  // `Datastream/id` is `Datastream/@iot.id` (both spellings are in use).
  const column = own(set.columns, path) ?? (path.endsWith('/id') ? own(set.columns, `${path.slice(0, -3)}/@iot.id`) : undefined);
  if (column) return column;
  const slash = path.indexOf('/');
  if (slash > 0) {
    const jsonColumn = own(set.jsonColumns, path.slice(0, slash));
    const member = path.slice(slash + 1);
    if (jsonColumn && /^[A-Za-z_][\w]*(\/[A-Za-z_][\w]*)*$/.test(member)) {
      // The JSON path is a parameter too; only the column name (from our whitelist) is spliced in.
      return { sql: dialect.jsonMember(jsonColumn, as), type: 'json', jsonPath: dialect.jsonPath(member.split('/')) };
    }
  }
  throw new QueryError(`${set.name} has no property ${JSON.stringify(path.slice(0, 100))} to filter or sort on`);
}

function literalParameter(value: Literal, type: Column['type'] | undefined): unknown {
  if (value !== null && typeof value === 'object') return value.ms;
  if ((type === 'time' || type === 'interval') && typeof value === 'string') {
    const ms = instantMilliseconds(value);
    if (ms === undefined) throw new QueryError(`not a real date-time: ${JSON.stringify(value.slice(0, 40))}`);
    return ms;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

const SQL_OPERATORS = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;
const ARITHMETIC_SQL = { add: '+', sub: '-', mul: '*', div: '/', mod: '%' } as const;
/** `a op b` read from the other side: `5 lt x` is `x gt 5`. */
const FLIPPED = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' } as const;

/**
 * A comparison of a phenomenon time that may be an interval [start, end] with an instant:
 * `gt`/`ge` look at its start, `lt`/`le` at its end (an interval is before a time when all of it
 * is); `eq` holds for an instant at that time only. The start's test comes first, so the index on
 * (datastream_id, phenomenon_time) still serves.
 */
function intervalComparison(column: Column, operator: keyof typeof SQL_OPERATORS, value: Sql): Sql {
  const end = `coalesce(${column.endSql}, ${column.sql})`;
  const p = value.parameters;
  switch (operator) {
    case 'gt':
    case 'ge':
      return { text: `(${column.sql} ${SQL_OPERATORS[operator]} ${value.text})`, parameters: p };
    case 'lt':
    case 'le':
      return { text: `(${column.sql} ${SQL_OPERATORS[operator]} ${value.text} AND ${end} ${SQL_OPERATORS[operator]} ${value.text})`, parameters: [...p, ...p] };
    case 'eq':
      return { text: `(${column.sql} = ${value.text} AND ${column.endSql} IS NULL)`, parameters: p };
    case 'ne':
      return { text: `(${column.sql} <> ${value.text} OR ${column.endSql} IS NOT NULL)`, parameters: p };
  }
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A filter tree as SQL over one entity set. */
export function filterToSql(set: EntitySet, node: FilterNode, dialect: SqlDialect = SQLITE_DIALECT): Sql {
  const operand = (n: FilterNode, otherType?: Column['type'], as: 'value' | 'text' = 'value'): Sql & { type?: Column['type'] } => {
    if (n.kind === 'property') {
      const column = resolveColumn(set, n.path, dialect, as);
      if (column.type === 'point') throw new QueryError(`$filter: ${n.path} is a geometry: use it in st_within(${n.path}, geography'POLYGON((…))')`);
      return { text: column.sql, parameters: column.jsonPath ? [column.jsonPath] : [], type: column.type };
    }
    if (n.kind === 'geography') throw new QueryError("$filter: a geography'…' literal goes in st_within");
    if (n.kind === 'literal') {
      if (n.value === null) return { text: 'NULL', parameters: [] };
      const value = literalParameter(n.value, otherType);
      return { text: dialect.placeholder(value, otherType === 'json'), parameters: [value] };
    }
    return filterToSql(set, n, dialect);
  };
  switch (node.kind) {
    case 'compare': {
      const leftType = node.left.kind === 'property' ? resolveColumn(set, node.left.path).type : undefined;
      const rightType = node.right.kind === 'property' ? resolveColumn(set, node.right.path).type : undefined;
      const left = operand(node.left, rightType);
      const right = operand(node.right, leftType);
      const isNull = (n: FilterNode) => n.kind === 'literal' && n.value === null;
      // A phenomenon time against a value (not null): see intervalComparison.
      if (!isNull(node.left) && !isNull(node.right)) {
        if (leftType === 'interval' && node.left.kind === 'property' && rightType !== 'interval') return intervalComparison(resolveColumn(set, node.left.path), node.operator, right);
        if (rightType === 'interval' && node.right.kind === 'property' && leftType !== 'interval') return intervalComparison(resolveColumn(set, node.right.path), FLIPPED[node.operator], left);
      }
      if (isNull(node.left) || isNull(node.right)) {
        if (node.operator !== 'eq' && node.operator !== 'ne') throw new QueryError('null can only be compared with eq or ne');
        const other = isNull(node.left) ? right : left;
        return { text: `(${other.text} IS ${node.operator === 'eq' ? '' : 'NOT '}NULL)`, parameters: other.parameters };
      }
      return { text: `(${left.text} ${SQL_OPERATORS[node.operator]} ${right.text})`, parameters: [...left.parameters, ...right.parameters] };
    }
    case 'logical': {
      const left = filterToSql(set, node.left, dialect);
      const right = filterToSql(set, node.right, dialect);
      return { text: `(${left.text} ${node.operator.toUpperCase()} ${right.text})`, parameters: [...left.parameters, ...right.parameters] };
    }
    case 'not': {
      const inner = filterToSql(set, node.operand, dialect);
      return { text: `(NOT ${inner.text})`, parameters: inner.parameters };
    }
    case 'arithmetic': {
      // Numbers: div is a real division (14 div 4 is 3.5), mod the real remainder (SQLite's math functions).
      const left = operand(node.left, 'number');
      const right = operand(node.right, 'number');
      const parameters = [...left.parameters, ...right.parameters];
      if (node.operator === 'div') return { text: dialect.div(left.text, right.text), parameters };
      if (node.operator === 'mod') return { text: dialect.mod(left.text, right.text), parameters };
      return { text: `(${left.text} ${ARITHMETIC_SQL[node.operator]} ${right.text})`, parameters };
    }
    case 'call': {
      if (node.name === 'st_within') {
        const [geometry, polygon] = node.args as [FilterNode, FilterNode];
        const column = geometry.kind === 'property' ? resolveColumn(set, geometry.path, dialect) : undefined;
        if (!column || column.type !== 'point' || polygon.kind !== 'geography') throw new QueryError(`$filter: st_within takes a geometry property of ${set.name} and a geography'POLYGON((…))' literal`);
        return dialect.within(column, polygon.ring);
      }
      // substringof(needle, haystack); the others are f(haystack, needle).
      const [haystackNode, needleNode] = node.name === 'substringof' ? [node.args[1]!, node.args[0]!] : [node.args[0]!, node.args[1]!];
      if (needleNode.kind !== 'literal' || typeof needleNode.value !== 'string') throw new QueryError(`${node.name}: the text to look for must be a string literal`);
      const haystack = operand(haystackNode, undefined, 'text');
      const needle = likeEscape(needleNode.value);
      const pattern = node.name === 'startswith' ? `${needle}%` : node.name === 'endswith' ? `%${needle}` : `%${needle}%`;
      return { text: `(${haystack.text} ${dialect.like} ${dialect.placeholder(pattern, false)} ESCAPE '\\')`, parameters: [...haystack.parameters, pattern] };
    }
    default:
      throw new QueryError('$filter: a condition must compare something (e.g. result gt 5)');
  }
}

export function orderToSql(set: EntitySet, options: QueryOptions, dialect: SqlDialect = SQLITE_DIALECT): Sql {
  const terms = options.orderBy ?? [];
  const parts: string[] = [];
  const parameters: unknown[] = [];
  for (const term of terms) {
    const column = resolveColumn(set, term.path, dialect);
    if (column.type === 'point') throw new QueryError(`$orderby: ${set.name} cannot be sorted by the geometry ${term.path}`);
    parts.push(dialect.orderTerm(column.sql, term.descending));
    if (column.jsonPath) parameters.push(column.jsonPath);
  }
  // A stable order makes $skip paging exact.
  parts.push('id ASC');
  return { text: parts.join(', '), parameters };
}

export interface ReadContext {
  db: Database;
  /** e.g. http://host:port/v1.1 */
  baseUrl: string;
  /** Default: an unbounded-looking default budget (used by internal reads of one entity). */
  budget?: ReadBudget;
}

export interface CollectionResult {
  '@iot.count'?: number;
  '@iot.nextLink'?: string;
  value: Record<string, unknown>[];
}

function selfLink(context: ReadContext, set: EntitySet, id: Id): string {
  return `${context.baseUrl}/${set.name}(${id})`;
}

function budgetOf(context: ReadContext): ReadBudget {
  context.budget ??= new ReadBudget();
  return context.budget;
}

function entityJson(context: ReadContext, set: EntitySet, row: Record<string, unknown>, options: QueryOptions): Record<string, unknown> {
  const id = idOf(row.id_text);
  const link = selfLink(context, set, id);
  const full: Record<string, unknown> = { '@iot.id': idJson(id), '@iot.selfLink': link, ...set.toJson(row) };
  for (const name of Object.keys(set.navigation)) full[`${name}@iot.navigationLink`] = `${link}/${name}`;
  budgetOf(context).spendBytes((link.length + 24) * (1 + Object.keys(set.navigation).length));
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
      const collection = readCollection(context, target, item.options, { where: sqliteWhere(navigation), parameter: id }, `${link}/${item.navigation}`);
      result[item.navigation] = collection.value;
      if (collection['@iot.nextLink']) result[`${item.navigation}@iot.nextLink`] = collection['@iot.nextLink'];
      if (collection['@iot.count'] !== undefined) result[`${item.navigation}@iot.count`] = collection['@iot.count'];
    } else {
      const row = readOne(context, target, navigation, id);
      result[item.navigation] = row ? entityJson(context, target, row, item.options) : null;
    }
  }
  return result;
}

function readOne(context: ReadContext, target: EntitySet, navigation: Navigation, parentId: Id): Record<string, unknown> | undefined {
  const row = prepared(context.db, `SELECT ${target.select}, CAST(id AS TEXT) AS id_text FROM ${target.table} WHERE ${sqliteWhere(navigation)}`).get(parentId) as Record<string, unknown> | undefined;
  if (row) budgetOf(context).spendRow(rowBytes(row));
  return row;
}

/** Restrict a collection to the children of one parent (a navigation property). */
export interface ParentScope {
  where: string;
  parameter: Id;
}

export function nextLink(collectionUrl: string, rawQuery: string | undefined, top: number, skip: number): string {
  const params = new URLSearchParams(rawQuery ?? '');
  params.set('$top', String(top));
  params.set('$skip', String(skip + top));
  return `${collectionUrl}?${params.toString()}`;
}

/** A collection with its options. `rawQuery` is the request's query string, kept in @iot.nextLink. */
export function readCollection(context: ReadContext, set: EntitySet, options: QueryOptions, scope?: ParentScope, collectionUrl = `${context.baseUrl}/${set.name}`, rawQuery?: string): CollectionResult {
  const budget = budgetOf(context);
  budget.checkTime();
  const where: Sql[] = [];
  if (scope) where.push({ text: scope.where, parameters: [scope.parameter] });
  if (options.filter) where.push(filterToSql(set, options.filter));
  const whereText = where.length ? `WHERE ${where.map((w) => w.text).join(' AND ')}` : '';
  const whereParameters = where.flatMap((w) => w.parameters);
  const order = orderToSql(set, options);
  const top = options.top ?? DEFAULT_TOP;
  const skip = options.skip ?? 0;
  // One more than asked tells whether there is a next page without counting. Rows are read to
  // the end before any nested query runs (a nested one may use the same statement), spending the
  // budget row by row: a read that would pass it stops in the middle.
  const rows: Record<string, unknown>[] = [];
  for (const row of prepared(context.db, `SELECT ${set.select}, CAST(id AS TEXT) AS id_text FROM ${set.table} ${whereText} ORDER BY ${order.text} LIMIT ? OFFSET ?`).iterate(...whereParameters, ...order.parameters, top + 1, skip) as IterableIterator<Record<string, unknown>>) {
    rows.push(row);
    if (rows.length <= top) budget.spendRow(rowBytes(row));
  }
  const result: CollectionResult = { value: [] };
  if (options.count) {
    const counted = prepared(context.db, `SELECT count(*) AS n FROM ${set.table} ${whereText}`).get(...whereParameters) as { n: number };
    result['@iot.count'] = counted.n;
  }
  if (rows.length > top) {
    rows.pop();
    result['@iot.nextLink'] = nextLink(collectionUrl, rawQuery, top, skip);
  }
  result.value = rows.map((row) => entityJson(context, set, row, options));
  // Keep @iot.count first and value last, as the spec's examples do.
  return result['@iot.count'] !== undefined ? { '@iot.count': result['@iot.count'], ...(result['@iot.nextLink'] ? { '@iot.nextLink': result['@iot.nextLink'] } : {}), value: result.value } : result;
}

/** One entity, or undefined when the id is unknown. */
export function readEntity(context: ReadContext, setName: EntitySetName, id: Id, options: QueryOptions): Record<string, unknown> | undefined {
  const set = ENTITY_SETS[setName];
  const row = prepared(context.db, `SELECT ${set.select}, CAST(id AS TEXT) AS id_text FROM ${set.table} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  if (!row) return undefined;
  budgetOf(context).spendRow(rowBytes(row));
  return entityJson(context, set, row, options);
}

/** Several entities of one set, each exactly as `readEntity` returns it (undefined for an unknown id), in the order asked. */
export function readEntities(context: Omit<ReadContext, 'budget'>, setName: EntitySetName, ids: readonly Id[]): (Record<string, unknown> | undefined)[] {
  // Each with its own budget, as a GET of it has.
  return ids.map((id) => readEntity({ db: context.db, baseUrl: context.baseUrl }, setName, id, {}));
}

/** One GET of the SensorThings API, as the read workers (or the main thread, for ":memory:") run it. */
export interface ReadRequest {
  /** The path below the base, as the router decoded it: `Things(1)/Datastreams`. */
  path: string;
  options: QueryOptions;
  /** The request's query string, for @iot.nextLink. */
  rawQuery: string;
  baseUrl: string;
}

/** What a read gives: the status and the JSON text of the answer. */
export interface ReadResponse {
  status: number;
  json: string;
}

export function errorResponse(status: number, message: string): ReadResponse {
  return { status, json: JSON.stringify({ code: status, type: 'error', message }) };
}

/** No such resource (404). */
export class ResourceError extends Error {}

/** `Things(12)/Datastreams` → { set, id, navigation }, or undefined for no such resource. */
export function parseResourcePath(path: string): { set: EntitySetName; id?: Id; navigation?: string } | undefined {
  const match = /^([A-Za-z]+)(?:\((\d{1,19})\))?(?:\/([A-Za-z]+))?$/.exec(path);
  if (!match || !isEntitySetName(match[1]!)) return undefined;
  if (match[3] && !match[2]) return undefined;
  const id = match[2] ? idFromText(match[2]) : undefined;
  if (match[2] && id === undefined) return undefined;
  return { set: match[1], id, navigation: match[3] };
}

function withTransitions(context: ReadContext, set: EntitySetName, value: Record<string, unknown>): Record<string, unknown> {
  if (set === 'Incidents' && typeof value['@iot.id'] === 'number') {
    const transitions = readTransitions(context.db, value['@iot.id']);
    for (const t of transitions) budgetOf(context).spendBytes(80 + (t.note?.length ?? 0) + t.by.length);
    value.transitions = transitions;
  }
  return value;
}

/**
 * Answer one GET: a collection, an entity or a navigation, in one read transaction (one
 * snapshot), within the budget. Query errors are a 400, unknown resources a 404.
 */
export function executeRead(db: Database, request: ReadRequest, budget: ReadBudget): ReadResponse {
  const context: ReadContext = { db, baseUrl: request.baseUrl, budget };
  try {
    const body = db.transaction(() => answer(context, request))();
    const json = stringify(body);
    // Exact: the estimate above counts characters, the limit is bytes.
    if (json.length > budget.limits.maximumResponseBytes || Buffer.byteLength(json) > budget.limits.maximumResponseBytes) throw budget.bytesError();
    budget.checkTime();
    return { status: 200, json };
  } catch (error) {
    if (error instanceof QueryError) return errorResponse(400, error.message);
    if (error instanceof ResourceError) return errorResponse(404, error.message);
    throw error;
  }
}

export const DATA_ARRAY_COMPONENTS = ['id', 'phenomenonTime', 'resultTime', 'result', 'parameters', 'FeatureOfInterest/id'] as const;
export type DataArrayComponent = (typeof DATA_ARRAY_COMPONENTS)[number];

/**
 * A collection of Observations in the data-array form of §14.3: one item per Datastream with its
 * `components` (from $select, or all) and one array of values per observation, in the order read.
 */
function readDataArray(context: ReadContext, options: QueryOptions, scope: ParentScope | undefined, collectionUrl: string | undefined, rawQuery: string): unknown {
  if (options.expand) throw new QueryError('$resultFormat=dataArray: $expand cannot be combined with it');
  const components = (options.select ?? [...DATA_ARRAY_COMPONENTS]).map((name): DataArrayComponent => {
    const canonical = name === '@iot.id' ? 'id' : name === 'FeatureOfInterest/@iot.id' ? 'FeatureOfInterest/id' : name;
    if (!(DATA_ARRAY_COMPONENTS as readonly string[]).includes(canonical)) throw new QueryError(`$select with $resultFormat=dataArray: one of ${DATA_ARRAY_COMPONENTS.join(', ')}, not ${JSON.stringify(name.slice(0, 100))}`);
    return canonical as DataArrayComponent;
  });
  const collection = readCollection(context, ENTITY_SETS.Observations, { ...options, select: undefined, resultFormat: undefined }, scope, collectionUrl, rawQuery);
  // Ids as text: exact past 2^53.
  const ids = collection.value.map((o) => String(idOf(String(o['@iot.selfLink']).slice(String(o['@iot.selfLink']).lastIndexOf('(') + 1, -1))));
  const links = new Map<string, { datastreamId: string; featureOfInterestId: string | null }>();
  for (const row of prepared(context.db, 'SELECT CAST(id AS TEXT) AS id, CAST(datastream_id AS TEXT) AS datastream_id, CAST(feature_of_interest_id AS TEXT) AS feature_of_interest_id FROM observations WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))').iterate(JSON.stringify(ids)) as IterableIterator<{ id: string; datastream_id: string; feature_of_interest_id: string | null }>) {
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
  const value = [...groups].map(([datastreamId, dataArray]) => ({
    'Datastream@iot.navigationLink': `${context.baseUrl}/Datastreams(${datastreamId})`,
    components,
    'dataArray@iot.count': dataArray.length,
    dataArray,
  }));
  return {
    ...(collection['@iot.count'] !== undefined ? { '@iot.count': collection['@iot.count'] } : {}),
    ...(collection['@iot.nextLink'] ? { '@iot.nextLink': collection['@iot.nextLink'] } : {}),
    value,
  };
}

function answer(context: ReadContext, request: ReadRequest): unknown {
  const resource = parseResourcePath(request.path);
  if (!resource) throw new ResourceError(`no such resource: ${request.path.slice(0, 200)}`);
  const { set, id, navigation } = resource;
  const { options } = request;
  if (options.resultFormat) {
    const observations = set === 'Observations' ? id === undefined : navigation !== undefined && own(ENTITY_SETS[set].navigation, navigation)?.target === 'Observations' && own(ENTITY_SETS[set].navigation, navigation)!.many;
    if (!observations) throw new QueryError('$resultFormat=dataArray: only on a collection of Observations');
    if (id === undefined) return readDataArray(context, options, undefined, undefined, request.rawQuery);
    if (!prepared(context.db, `SELECT 1 FROM ${ENTITY_SETS[set].table} WHERE id = ?`).get(id)) throw new ResourceError(`${set}(${id}) does not exist`);
    return readDataArray(context, options, { where: sqliteWhere(ENTITY_SETS[set].navigation[navigation!]!), parameter: id }, `${context.baseUrl}/${set}(${id})/${navigation}`, request.rawQuery);
  }
  if (id === undefined) {
    const result = readCollection(context, ENTITY_SETS[set], options, undefined, undefined, request.rawQuery);
    result.value.forEach((v) => withTransitions(context, set, v));
    return result;
  }
  if (!navigation) {
    const entity = readEntity(context, set, id, options);
    if (!entity) throw new ResourceError(`${set}(${id}) does not exist`);
    return withTransitions(context, set, entity);
  }
  const nav = own(ENTITY_SETS[set].navigation, navigation);
  if (!nav) throw new ResourceError(`${set} has no navigation property ${navigation}`);
  if (!prepared(context.db, `SELECT 1 FROM ${ENTITY_SETS[set].table} WHERE id = ?`).get(id)) throw new ResourceError(`${set}(${id}) does not exist`);
  const target = ENTITY_SETS[nav.target];
  if (nav.many) return readCollection(context, target, options, { where: sqliteWhere(nav), parameter: id }, `${context.baseUrl}/${set}(${id})/${navigation}`, request.rawQuery);
  const row = prepared(context.db, `SELECT CAST(id AS TEXT) AS id FROM ${target.table} WHERE ${sqliteWhere(nav)}`).get(id) as { id: string } | undefined;
  if (!row) throw new ResourceError(`${set}(${id})/${navigation} does not exist`);
  return readEntity(context, nav.target, idOf(row.id), options);
}
