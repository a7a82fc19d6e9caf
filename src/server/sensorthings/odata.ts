/**
 * The SensorThings 1.1 query options ($filter, $orderby, $expand, $select, $top, $skip, $count)
 * parsed into plain trees. Nothing here touches SQL: `read.ts` turns a tree into a parameterised
 * WHERE clause over a whitelist of columns, so query text never reaches the database.
 *
 * Every option is bounded here, before anything is read: the length and nesting of a $filter,
 * the $top of each level, the $skip, the depth of $expand (each navigation counts, whether it is
 * written `A/B` or `A($expand=B)`). What a read then costs in rows, bytes and time is bounded by
 * the read's budget (`read.ts`). A query past a bound is a QueryError (400) naming it.
 */
import { instantMilliseconds } from '../instants.ts';

export class QueryError extends Error {}

/** The bounds of the query options, fixed before a read starts. */
export const QUERY_LIMITS = {
  /** $top of the request's own collection. */
  maximumTop: 10_000,
  /** $top of an expanded collection (per parent). */
  maximumNestedTop: 1_000,
  /** $skip; page deeper with a $filter on id or time (a sort keeps $skip + $top rows). */
  maximumSkip: 100_000,
  /** Navigations from the requested entity: Things → Datastreams → Observations is 2. */
  maximumExpandDepth: 3,
  /** Navigation properties expanded side by side at one level. */
  maximumExpandItems: 10,
  /** Characters of one $filter. */
  maximumFilterLength: 4_000,
  /** Comparisons and function calls in one $filter. */
  maximumFilterTerms: 100,
  /** Nesting of one $filter: parentheses, `not`, function arguments. */
  maximumFilterDepth: 20,
  /** Terms of $orderby; names in $select. */
  maximumOrderTerms: 10,
  maximumSelect: 50,
} as const;

export type Literal = string | number | boolean | null | { dateTime: string; ms: number };

export type FilterNode =
  | { kind: 'literal'; value: Literal }
  | { kind: 'property'; path: string }
  | { kind: 'compare'; operator: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; left: FilterNode; right: FilterNode }
  | { kind: 'logical'; operator: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'arithmetic'; operator: ArithmeticOperator; left: FilterNode; right: FilterNode }
  | { kind: 'geography'; ring: [number, number][] }
  | { kind: 'call'; name: 'startswith' | 'endswith' | 'substringof' | 'contains' | 'st_within'; args: FilterNode[] };

export type ArithmeticOperator = 'add' | 'sub' | 'mul' | 'div' | 'mod';

type Token = { type: 'string' | 'number' | 'word' | 'dateTime' | '(' | ')' | ','; text: string; at: number };

// Sticky: each matches at lastIndex only, so tokenising is linear in the text's length.
const DATE_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})/y;
const NUMBER = /-?\d+(\.\d+)?([eE][-+]?\d+)?/y;
const WORD = /[@A-Za-z_][\w@.]*(\/[@A-Za-z_][\w@.]*)*/y;

function stickyMatch(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: c, text: c, at: i });
      i++;
    } else if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new QueryError(`$filter: unterminated string starting at ${i}`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      tokens.push({ type: 'string', text: value, at: i });
      i = j + 1;
    } else {
      const dateTime = stickyMatch(DATE_TIME, text, i);
      if (dateTime) {
        tokens.push({ type: 'dateTime', text: dateTime, at: i });
        i += dateTime.length;
        continue;
      }
      const number = stickyMatch(NUMBER, text, i);
      if (number) {
        tokens.push({ type: 'number', text: number, at: i });
        i += number.length;
        continue;
      }
      const word = stickyMatch(WORD, text, i);
      if (!word) throw new QueryError(`$filter: unexpected character ${JSON.stringify(c)} at ${i}`);
      tokens.push({ type: 'word', text: word, at: i });
      i += word.length;
    }
  }
  return tokens;
}

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set(['startswith', 'endswith', 'substringof', 'contains', 'st_within']);
const ADDITIVE = new Set(['add', 'sub']);
const MULTIPLICATIVE = new Set(['mul', 'div', 'mod']);

/** Vertices of a closed polygon ring: 4 (a triangle) to this many. */
const MAXIMUM_POLYGON_VERTICES = 1_000;

/**
 * The outer ring of a WKT `POLYGON((x y, x y, …))` in longitude/latitude (the OData
 * `geography'…'` literal, SRID 4326). Holes and other geometry types are a QueryError.
 */
export function parsePolygon(wkt: string): [number, number][] {
  const match = /^\s*(?:SRID=4326;)?\s*POLYGON\s*\(\s*\(([^()]*)\)\s*\)\s*$/i.exec(wkt);
  if (!match) throw new QueryError(`$filter: geography'…' must be a POLYGON((lon lat, …)) without holes, not ${JSON.stringify(wkt.slice(0, 60))}`);
  const ring = match[1]!.split(',').map((pair) => {
    const numbers = pair.trim().split(/\s+/).map(Number);
    if (numbers.length < 2 || numbers.length > 3 || numbers.some((n) => !Number.isFinite(n))) throw new QueryError(`$filter: cannot read the polygon vertex ${JSON.stringify(pair.trim().slice(0, 40))}`);
    const [lon, lat] = numbers as [number, number];
    if (lon < -180 || lon > 180 || lat < -90 || lat > 90) throw new QueryError(`$filter: polygon vertex ${lon} ${lat} is not a longitude and latitude`);
    return [lon, lat] as [number, number];
  });
  const [first, last] = [ring[0]!, ring[ring.length - 1]!];
  if (ring.length < 4 || first[0] !== last[0] || first[1] !== last[1]) throw new QueryError('$filter: a polygon ring needs at least 4 vertices, the last the same as the first');
  if (ring.length > MAXIMUM_POLYGON_VERTICES) throw new QueryError(`$filter: a polygon of more than ${MAXIMUM_POLYGON_VERTICES} vertices, the limit`);
  return ring;
}

/** Parse a $filter expression: comparisons, and/or/not, parentheses, string functions. */
export function parseFilter(text: string): FilterNode {
  const limits = QUERY_LIMITS;
  if (text.length > limits.maximumFilterLength) throw new QueryError(`$filter: longer than ${limits.maximumFilterLength} characters, the limit`);
  const tokens = tokenize(text);
  let position = 0;
  let depth = 0;
  let terms = 0;
  const peek = () => tokens[position];
  const expect = (type: Token['type']) => {
    const token = tokens[position];
    if (!token || token.type !== type) throw new QueryError(`$filter: expected ${type} at ${token?.at ?? text.length}`);
    position++;
    return token;
  };
  const isWord = (word: string) => peek()?.type === 'word' && peek()!.text === word;
  // Recursion only goes through here, so the parser's stack (and SQLite's expression depth) stays bounded.
  const nested = <T>(read: () => T): T => {
    if (++depth > limits.maximumFilterDepth) throw new QueryError(`$filter: nested more than ${limits.maximumFilterDepth} deep (parentheses, not, functions), the limit`);
    const value = read();
    depth--;
    return value;
  };
  const term = () => {
    if (++terms > limits.maximumFilterTerms) throw new QueryError(`$filter: more than ${limits.maximumFilterTerms} comparisons and functions, the limit`);
  };

  function primary(): FilterNode {
    const token = peek();
    if (!token) throw new QueryError('$filter: unexpected end');
    position++;
    switch (token.type) {
      case '(': {
        const inner = nested(or);
        expect(')');
        return inner;
      }
      case 'string':
        return { kind: 'literal', value: token.text };
      case 'number': {
        const value = Number(token.text);
        if (!Number.isFinite(value)) throw new QueryError(`$filter: ${token.text} is not a finite number`);
        return { kind: 'literal', value };
      }
      case 'dateTime': {
        const ms = instantMilliseconds(token.text);
        if (ms === undefined) throw new QueryError(`$filter: ${token.text} is not a real date-time (month 1–12, a day the month has, hours 0–23)`);
        return { kind: 'literal', value: { dateTime: token.text, ms } };
      }
      case 'word': {
        if (token.text === 'true' || token.text === 'false') return { kind: 'literal', value: token.text === 'true' };
        if (token.text === 'null') return { kind: 'literal', value: null };
        if (token.text === 'geography' && peek()?.type === 'string' && peek()!.at === token.at + token.text.length) return { kind: 'geography', ring: parsePolygon(tokens[position++]!.text) };
        if (peek()?.type === '(') {
          if (!FUNCTIONS.has(token.text)) throw new QueryError(`$filter: unsupported function ${token.text}`);
          term();
          position++;
          const args = nested(() => {
            const list = [or()];
            while (peek()?.type === ',' && list.length < 3) {
              position++;
              list.push(or());
            }
            return list;
          });
          expect(')');
          if (args.length !== 2) throw new QueryError(`$filter: ${token.text} takes two arguments`);
          return { kind: 'call', name: token.text as 'startswith', args };
        }
        return { kind: 'property', path: token.text };
      }
      default:
        throw new QueryError(`$filter: unexpected ${JSON.stringify(token.text)} at ${token.at}`);
    }
  }
  function comparison(): FilterNode {
    if (isWord('not')) {
      position++;
      return nested(() => ({ kind: 'not', operand: comparison() }));
    }
    const left = additive();
    const token = peek();
    if (token?.type === 'word' && COMPARISONS.has(token.text)) {
      position++;
      term();
      return { kind: 'compare', operator: token.text as 'eq', left, right: additive() };
    }
    return left;
  }
  // Arithmetic (OData 4.0 §5.1.1.2): mul, div and mod bind tighter than add and sub; each left to right.
  function binary(operators: Set<string>, operand: () => FilterNode): FilterNode {
    let left = operand();
    for (let token = peek(); token?.type === 'word' && operators.has(token.text); token = peek()) {
      position++;
      term();
      left = { kind: 'arithmetic', operator: token.text as ArithmeticOperator, left, right: operand() };
    }
    return left;
  }
  function additive(): FilterNode {
    return binary(ADDITIVE, () => binary(MULTIPLICATIVE, primary));
  }
  function and(): FilterNode {
    let left = comparison();
    while (isWord('and')) {
      position++;
      left = { kind: 'logical', operator: 'and', left, right: comparison() };
    }
    return left;
  }
  function or(): FilterNode {
    let left = and();
    while (isWord('or')) {
      position++;
      left = { kind: 'logical', operator: 'or', left, right: and() };
    }
    return left;
  }
  const tree = or();
  if (position < tokens.length) throw new QueryError(`$filter: unexpected ${JSON.stringify(tokens[position]!.text)} at ${tokens[position]!.at}`);
  return tree;
}

export interface OrderTerm {
  path: string;
  descending: boolean;
}

export function parseOrderBy(text: string): OrderTerm[] {
  const terms = splitTopLevel(text, ',');
  if (terms.length > QUERY_LIMITS.maximumOrderTerms) throw new QueryError(`$orderby: more than ${QUERY_LIMITS.maximumOrderTerms} terms, the limit`);
  return terms.map((term) => {
    const [path, direction, ...rest] = term.trim().split(/\s+/);
    if (!path || rest.length || (direction && direction !== 'asc' && direction !== 'desc')) throw new QueryError(`$orderby: cannot read ${JSON.stringify(term)}`);
    return { path, descending: direction === 'desc' };
  });
}

export function parseSelect(text: string): string[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length > QUERY_LIMITS.maximumSelect) throw new QueryError(`$select: more than ${QUERY_LIMITS.maximumSelect} names, the limit`);
  return names;
}

/** Options of a collection request or of one expanded navigation property. */
export interface QueryOptions {
  top?: number;
  skip?: number;
  count?: boolean;
  filter?: FilterNode;
  orderBy?: OrderTerm[];
  select?: string[];
  expand?: ExpandItem[];
  /** `$resultFormat=dataArray` (§14.3), on a request's own collection of Observations. */
  resultFormat?: 'dataArray';
}

export interface ExpandItem {
  navigation: string;
  options: QueryOptions;
}

/** Split on a separator that is not inside parentheses or quotes. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw new QueryError(`unbalanced parentheses in ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (depth !== 0 || quoted) throw new QueryError(`unbalanced parentheses or quotes in ${JSON.stringify(text.slice(0, 200))}`);
  parts.push(text.slice(start));
  return parts.filter((p) => p.trim() !== '');
}

const EXPAND_DEPTH_MESSAGE = `$expand: more than ${QUERY_LIMITS.maximumExpandDepth} navigations deep, the limit (A/B and A($expand=B) both count 2)`;

/** Merge expand items naming the same navigation (`A/B,A/C` is A($expand=B,C)). */
function mergeExpandItems(items: ExpandItem[]): ExpandItem[] {
  const merged = new Map<string, ExpandItem>();
  for (const item of items) {
    const existing = merged.get(item.navigation);
    if (!existing) {
      merged.set(item.navigation, item);
      continue;
    }
    const { expand: a, ...restA } = existing.options;
    const { expand: b, ...restB } = item.options;
    if (Object.keys(restA).length && Object.keys(restB).length) throw new QueryError(`$expand: ${item.navigation} is given twice with options`);
    existing.options = { ...restA, ...restB, ...(a || b ? { expand: mergeExpandItems([...(a ?? []), ...(b ?? [])]) } : {}) };
  }
  return [...merged.values()];
}

/**
 * `Datastreams/Observations($top=1;$orderby=phenomenonTime desc),Locations` and the like.
 * `level` is how many navigations lie above this $expand (0 for the request's own).
 */
export function parseExpand(text: string, level = 0): ExpandItem[] {
  const items = splitTopLevel(text, ',');
  if (items.length > QUERY_LIMITS.maximumExpandItems) throw new QueryError(`$expand: more than ${QUERY_LIMITS.maximumExpandItems} navigation properties at one level, the limit`);
  return mergeExpandItems(
    items.map((item) => {
      const trimmed = item.trim();
      const open = trimmed.indexOf('(');
      const path = open < 0 ? trimmed : trimmed.slice(0, open);
      if (open >= 0 && !trimmed.endsWith(')')) throw new QueryError(`$expand: cannot read ${JSON.stringify(trimmed.slice(0, 200))}`);
      const segments = path.split('/');
      if (segments.some((s) => !/^[A-Za-z]+$/.test(s))) throw new QueryError(`$expand: cannot read ${JSON.stringify(path.slice(0, 200))}`);
      const innerLevel = level + segments.length;
      if (innerLevel > QUERY_LIMITS.maximumExpandDepth) throw new QueryError(EXPAND_DEPTH_MESSAGE);
      const inner = open < 0 ? {} : parseOptions(splitTopLevel(trimmed.slice(open + 1, -1), ';').map((o) => splitOption(o)), innerLevel);
      // A/B(opts) is A($expand=B(opts)).
      let current: ExpandItem = { navigation: segments[segments.length - 1]!, options: inner };
      for (let i = segments.length - 2; i >= 0; i--) current = { navigation: segments[i]!, options: { expand: [current] } };
      return current;
    }),
  );
}

function splitOption(option: string): [string, string] {
  const equals = option.indexOf('=');
  if (equals < 0) throw new QueryError(`cannot read option ${JSON.stringify(option.slice(0, 200))}`);
  return [option.slice(0, equals).trim(), option.slice(equals + 1)];
}

function integer(name: string, text: string, maximum: number): number {
  if (!/^\d{1,16}$/.test(text.trim())) throw new QueryError(`${name} must be a non-negative integer, not ${JSON.stringify(text.slice(0, 40))}`);
  const value = Number(text);
  if (value > maximum) throw new QueryError(`${name} must be at most ${maximum}, the limit`);
  return value;
}

/**
 * A raw query string as its parameters, in order, decoded as a browser's URLSearchParams does.
 * A `$` option given twice is a QueryError; other parameters are left to the caller.
 */
export function queryParameters(raw: string): [string, string][] {
  const entries = [...new URLSearchParams(raw)];
  const seen = new Set<string>();
  for (const [key] of entries) {
    if (seen.has(key)) throw new QueryError(`${key.startsWith('$') ? 'option' : 'parameter'} ${key.slice(0, 40)} is given twice`);
    seen.add(key);
  }
  return entries;
}

/**
 * Read the query options of a request, or of one expanded navigation (`level` navigations below
 * the request's resource). Unknown `$` options are an error; other parameters are left alone.
 */
export function parseOptions(query: Iterable<[string, string | undefined]> | Record<string, string | undefined>, level = 0): QueryOptions {
  const entries = Symbol.iterator in query ? [...(query as Iterable<[string, string | undefined]>)] : Object.entries(query);
  const options: QueryOptions = {};
  const seen = new Set<string>();
  for (const [key, value] of entries) {
    if (value === undefined || !key.startsWith('$')) continue;
    if (seen.has(key)) throw new QueryError(`option ${key.slice(0, 40)} is given twice`);
    seen.add(key);
    switch (key) {
      case '$top':
        options.top = integer('$top', value, level === 0 ? QUERY_LIMITS.maximumTop : QUERY_LIMITS.maximumNestedTop);
        break;
      case '$skip':
        options.skip = integer('$skip', value, QUERY_LIMITS.maximumSkip);
        break;
      case '$count':
        if (value !== 'true' && value !== 'false') throw new QueryError('$count must be true or false');
        options.count = value === 'true';
        break;
      case '$filter':
        options.filter = parseFilter(value);
        break;
      case '$orderby':
        options.orderBy = parseOrderBy(value);
        break;
      case '$select':
        options.select = parseSelect(value);
        break;
      case '$expand':
        options.expand = parseExpand(value, level);
        break;
      case '$resultFormat':
        if (value !== 'dataArray') throw new QueryError('$resultFormat: only dataArray is supported');
        if (level > 0) throw new QueryError('$resultFormat: only on the requested collection, not inside $expand');
        options.resultFormat = 'dataArray';
        break;
      default:
        throw new QueryError(`unknown query option ${key.slice(0, 40)}`);
    }
  }
  return options;
}
