/**
 * Reads: a collection or one entity with its query options, as SensorThings JSON. Filters
 * become parameterised SQL over each entity set's whitelisted columns; `$expand` runs one
 * indexed query per parent (fast in SQLite, and it keeps `$top` per parent exact).
 */
import type { Database } from 'better-sqlite3';
import { ENTITY_SETS, type Column, type EntitySet, type EntitySetName } from './entities.ts';
import { QueryError, type FilterNode, type Literal, type QueryOptions } from './odata.ts';
import { prepared } from './statements.ts';

export const DEFAULT_TOP = 100;

interface Sql {
  text: string;
  parameters: unknown[];
}

function resolveColumn(set: EntitySet, path: string): Column {
  const column = set.columns[path];
  if (column) return column;
  const slash = path.indexOf('/');
  if (slash > 0) {
    const jsonColumn = set.jsonColumns[path.slice(0, slash)];
    const member = path.slice(slash + 1);
    if (jsonColumn && /^[A-Za-z_][\w]*(\/[A-Za-z_][\w]*)*$/.test(member)) {
      // The JSON path is a parameter too; only the column name (from our whitelist) is spliced in.
      return { sql: `json_extract(${jsonColumn}, ?)`, type: 'json', jsonPath: `$.${member.split('/').map((m) => `"${m}"`).join('.')}` } as Column & { jsonPath: string };
    }
  }
  throw new QueryError(`${set.name} has no property ${JSON.stringify(path)} to filter or sort on`);
}

function literalParameter(value: Literal, type: Column['type'] | undefined): unknown {
  if (value !== null && typeof value === 'object') {
    const ms = Date.parse(value.dateTime);
    if (!Number.isFinite(ms)) throw new QueryError(`not a date-time: ${value.dateTime}`);
    return ms;
  }
  if (type === 'time' && typeof value === 'string') {
    const ms = Date.parse(value);
    if (!Number.isFinite(ms)) throw new QueryError(`not a date-time: ${JSON.stringify(value)}`);
    return ms;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

const SQL_OPERATORS = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A filter tree as SQL over one entity set. */
export function filterToSql(set: EntitySet, node: FilterNode): Sql {
  const operand = (n: FilterNode, otherType?: Column['type']): Sql & { type?: Column['type'] } => {
    if (n.kind === 'property') {
      const column = resolveColumn(set, n.path) as Column & { jsonPath?: string };
      return { text: column.sql, parameters: column.jsonPath ? [column.jsonPath] : [], type: column.type };
    }
    if (n.kind === 'literal') {
      if (n.value === null) return { text: 'NULL', parameters: [] };
      return { text: '?', parameters: [literalParameter(n.value, otherType)] };
    }
    return filterToSql(set, n);
  };
  switch (node.kind) {
    case 'compare': {
      const leftType = node.left.kind === 'property' ? (resolveColumn(set, node.left.path).type) : undefined;
      const rightType = node.right.kind === 'property' ? (resolveColumn(set, node.right.path).type) : undefined;
      const left = operand(node.left, rightType);
      const right = operand(node.right, leftType);
      const isNull = (n: FilterNode) => n.kind === 'literal' && n.value === null;
      if (isNull(node.left) || isNull(node.right)) {
        if (node.operator !== 'eq' && node.operator !== 'ne') throw new QueryError('null can only be compared with eq or ne');
        const other = isNull(node.left) ? right : left;
        return { text: `(${other.text} IS ${node.operator === 'eq' ? '' : 'NOT '}NULL)`, parameters: other.parameters };
      }
      return { text: `(${left.text} ${SQL_OPERATORS[node.operator]} ${right.text})`, parameters: [...left.parameters, ...right.parameters] };
    }
    case 'logical': {
      const left = filterToSql(set, node.left);
      const right = filterToSql(set, node.right);
      return { text: `(${left.text} ${node.operator.toUpperCase()} ${right.text})`, parameters: [...left.parameters, ...right.parameters] };
    }
    case 'not': {
      const inner = filterToSql(set, node.operand);
      return { text: `(NOT ${inner.text})`, parameters: inner.parameters };
    }
    case 'call': {
      // substringof(needle, haystack); the others are f(haystack, needle).
      const [haystackNode, needleNode] = node.name === 'substringof' ? [node.args[1]!, node.args[0]!] : [node.args[0]!, node.args[1]!];
      if (needleNode.kind !== 'literal' || typeof needleNode.value !== 'string') throw new QueryError(`${node.name}: the text to look for must be a string literal`);
      const haystack = operand(haystackNode);
      const needle = likeEscape(needleNode.value);
      const pattern = node.name === 'startswith' ? `${needle}%` : node.name === 'endswith' ? `%${needle}` : `%${needle}%`;
      return { text: `(${haystack.text} LIKE ? ESCAPE '\\')`, parameters: [...haystack.parameters, pattern] };
    }
    default:
      throw new QueryError('$filter: a condition must compare something (e.g. result gt 5)');
  }
}

function orderToSql(set: EntitySet, options: QueryOptions): Sql {
  const terms = options.orderBy ?? [];
  const parts: string[] = [];
  const parameters: unknown[] = [];
  for (const term of terms) {
    const column = resolveColumn(set, term.path) as Column & { jsonPath?: string };
    parts.push(`${column.sql} ${term.descending ? 'DESC' : 'ASC'}`);
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
}

export interface CollectionResult {
  '@iot.count'?: number;
  '@iot.nextLink'?: string;
  value: Record<string, unknown>[];
}

function selfLink(context: ReadContext, set: EntitySet, id: number): string {
  return `${context.baseUrl}/${set.name}(${id})`;
}

function entityJson(context: ReadContext, set: EntitySet, row: Record<string, unknown>, options: QueryOptions): Record<string, unknown> {
  const id = Number(row.id);
  const link = selfLink(context, set, id);
  const full: Record<string, unknown> = { '@iot.id': id, '@iot.selfLink': link, ...set.toJson(row) };
  for (const [name] of Object.entries(set.navigation)) full[`${name}@iot.navigationLink`] = `${link}/${name}`;
  let result = full;
  if (options.select) {
    result = {};
    for (const name of options.select) {
      if (name === 'id' || name === '@iot.id') result['@iot.id'] = id;
      else if (name in full) result[name] = full[name];
      else if (`${name}@iot.navigationLink` in full) result[`${name}@iot.navigationLink`] = full[`${name}@iot.navigationLink`];
      else throw new QueryError(`$select: ${set.name} has no property ${JSON.stringify(name)}`);
    }
  }
  for (const item of options.expand ?? []) {
    const navigation = set.navigation[item.navigation];
    if (!navigation) throw new QueryError(`$expand: ${set.name} has no navigation property ${JSON.stringify(item.navigation)}`);
    const target = ENTITY_SETS[navigation.target];
    if (navigation.many) {
      const collection = readCollection(context, target, item.options, { where: navigation.where, parameter: id }, `${link}/${item.navigation}`);
      result[item.navigation] = collection.value;
      if (collection['@iot.nextLink']) result[`${item.navigation}@iot.nextLink`] = collection['@iot.nextLink'];
      if (collection['@iot.count'] !== undefined) result[`${item.navigation}@iot.count`] = collection['@iot.count'];
    } else {
      const row = prepared(context.db, `SELECT ${target.select} FROM ${target.table} WHERE ${navigation.where}`).get(id) as Record<string, unknown> | undefined;
      result[item.navigation] = row ? entityJson(context, target, row, item.options) : null;
    }
  }
  return result;
}

/** Restrict a collection to the children of one parent (a navigation property). */
export interface ParentScope {
  where: string;
  parameter: number;
}

function nextLink(collectionUrl: string, rawQuery: string | undefined, top: number, skip: number): string {
  const params = new URLSearchParams(rawQuery ?? '');
  params.set('$top', String(top));
  params.set('$skip', String(skip + top));
  return `${collectionUrl}?${params.toString()}`;
}

/** A collection with its options. `rawQuery` is the request's query string, kept in @iot.nextLink. */
export function readCollection(context: ReadContext, set: EntitySet, options: QueryOptions, scope?: ParentScope, collectionUrl = `${context.baseUrl}/${set.name}`, rawQuery?: string): CollectionResult {
  const where: Sql[] = [];
  if (scope) where.push({ text: scope.where, parameters: [scope.parameter] });
  if (options.filter) where.push(filterToSql(set, options.filter));
  const whereText = where.length ? `WHERE ${where.map((w) => w.text).join(' AND ')}` : '';
  const whereParameters = where.flatMap((w) => w.parameters);
  const order = orderToSql(set, options);
  const top = options.top ?? DEFAULT_TOP;
  const skip = options.skip ?? 0;
  // One more than asked tells whether there is a next page without counting.
  const rows = prepared(context.db, `SELECT ${set.select} FROM ${set.table} ${whereText} ORDER BY ${order.text} LIMIT ? OFFSET ?`)
    .all(...whereParameters, ...order.parameters, top + 1, skip) as Record<string, unknown>[];
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
export function readEntity(context: ReadContext, setName: EntitySetName, id: number, options: QueryOptions): Record<string, unknown> | undefined {
  const set = ENTITY_SETS[setName];
  const row = prepared(context.db, `SELECT ${set.select} FROM ${set.table} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  return row ? entityJson(context, set, row, options) : undefined;
}
