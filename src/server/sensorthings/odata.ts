/**
 * The SensorThings 1.1 query options ($filter, $orderby, $expand, $select, $top, $skip, $count)
 * parsed into plain trees. Nothing here touches SQL: `sql.ts` turns a tree into a parameterised
 * WHERE clause over a whitelist of columns, so query text never reaches the database.
 */

export class QueryError extends Error {}

export type Literal = string | number | boolean | null | { dateTime: string };

export type FilterNode =
  | { kind: 'literal'; value: Literal }
  | { kind: 'property'; path: string }
  | { kind: 'compare'; operator: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; left: FilterNode; right: FilterNode }
  | { kind: 'logical'; operator: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'call'; name: 'startswith' | 'endswith' | 'substringof' | 'contains'; args: FilterNode[] };

type Token = { type: 'string' | 'number' | 'word' | 'dateTime' | '(' | ')' | ','; text: string; at: number };

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})/;

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
      const dateTime = DATE_TIME.exec(text.slice(i));
      if (dateTime) {
        tokens.push({ type: 'dateTime', text: dateTime[0], at: i });
        i += dateTime[0].length;
        continue;
      }
      const number = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i));
      if (number) {
        tokens.push({ type: 'number', text: number[0], at: i });
        i += number[0].length;
        continue;
      }
      const word = /^[@A-Za-z_][\w@.]*(\/[@A-Za-z_][\w@.]*)*/.exec(text.slice(i));
      if (!word) throw new QueryError(`$filter: unexpected character ${JSON.stringify(c)} at ${i}`);
      tokens.push({ type: 'word', text: word[0], at: i });
      i += word[0].length;
    }
  }
  return tokens;
}

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set(['startswith', 'endswith', 'substringof', 'contains']);

/** Parse a $filter expression: comparisons, and/or/not, parentheses, string functions. */
export function parseFilter(text: string): FilterNode {
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position];
  const expect = (type: Token['type']) => {
    const token = tokens[position];
    if (!token || token.type !== type) throw new QueryError(`$filter: expected ${type} at ${token?.at ?? text.length}`);
    position++;
    return token;
  };
  const isWord = (word: string) => peek()?.type === 'word' && peek()!.text === word;

  function primary(): FilterNode {
    const token = peek();
    if (!token) throw new QueryError('$filter: unexpected end');
    position++;
    switch (token.type) {
      case '(': {
        const inner = or();
        expect(')');
        return inner;
      }
      case 'string':
        return { kind: 'literal', value: token.text };
      case 'number':
        return { kind: 'literal', value: Number(token.text) };
      case 'dateTime':
        return { kind: 'literal', value: { dateTime: token.text } };
      case 'word': {
        if (token.text === 'true' || token.text === 'false') return { kind: 'literal', value: token.text === 'true' };
        if (token.text === 'null') return { kind: 'literal', value: null };
        if (peek()?.type === '(') {
          if (!FUNCTIONS.has(token.text)) throw new QueryError(`$filter: unsupported function ${token.text}`);
          position++;
          const args = [or()];
          while (peek()?.type === ',') {
            position++;
            args.push(or());
          }
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
      return { kind: 'not', operand: comparison() };
    }
    const left = primary();
    const token = peek();
    if (token?.type === 'word' && COMPARISONS.has(token.text)) {
      position++;
      return { kind: 'compare', operator: token.text as 'eq', left, right: primary() };
    }
    return left;
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
  return splitTopLevel(text, ',').map((term) => {
    const [path, direction, ...rest] = term.trim().split(/\s+/);
    if (!path || rest.length || (direction && direction !== 'asc' && direction !== 'desc')) throw new QueryError(`$orderby: cannot read ${JSON.stringify(term)}`);
    return { path, descending: direction === 'desc' };
  });
}

export function parseSelect(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
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
    if (depth < 0) throw new QueryError(`unbalanced parentheses in ${JSON.stringify(text)}`);
  }
  if (depth !== 0 || quoted) throw new QueryError(`unbalanced parentheses or quotes in ${JSON.stringify(text)}`);
  parts.push(text.slice(start));
  return parts.filter((p) => p.trim() !== '');
}

const MAXIMUM_EXPAND_DEPTH = 4;

/** `Datastreams/Observations($top=1;$orderby=phenomenonTime desc),Locations` and the like. */
export function parseExpand(text: string, depth = 0): ExpandItem[] {
  if (depth > MAXIMUM_EXPAND_DEPTH) throw new QueryError('$expand: nested too deeply');
  return splitTopLevel(text, ',').map((item) => {
    const trimmed = item.trim();
    const open = trimmed.indexOf('(');
    const path = open < 0 ? trimmed : trimmed.slice(0, open);
    if (open >= 0 && !trimmed.endsWith(')')) throw new QueryError(`$expand: cannot read ${JSON.stringify(trimmed)}`);
    const inner = open < 0 ? {} : parseOptions(Object.fromEntries(splitTopLevel(trimmed.slice(open + 1, -1), ';').map((o) => splitOption(o))), depth + 1);
    const segments = path.split('/');
    if (segments.some((s) => !/^[A-Za-z]+$/.test(s))) throw new QueryError(`$expand: cannot read ${JSON.stringify(path)}`);
    // A/B(opts) is A($expand=B(opts)).
    let current: ExpandItem = { navigation: segments[segments.length - 1]!, options: inner };
    for (let i = segments.length - 2; i >= 0; i--) current = { navigation: segments[i]!, options: { expand: [current] } };
    return current;
  });
}

function splitOption(option: string): [string, string] {
  const equals = option.indexOf('=');
  if (equals < 0) throw new QueryError(`cannot read option ${JSON.stringify(option)}`);
  return [option.slice(0, equals).trim(), option.slice(equals + 1)];
}

function integer(name: string, text: string, maximum: number): number {
  if (!/^\d+$/.test(text.trim())) throw new QueryError(`${name} must be a non-negative integer, not ${JSON.stringify(text)}`);
  const value = Number(text);
  if (value > maximum) throw new QueryError(`${name} must be at most ${maximum}`);
  return value;
}

export const MAXIMUM_TOP = 10_000;

/** Read the query options of a request (unknown `$` options are an error; other parameters are left alone). */
export function parseOptions(query: Record<string, string | undefined>, depth = 0): QueryOptions {
  const options: QueryOptions = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || !key.startsWith('$')) continue;
    switch (key) {
      case '$top':
        options.top = integer('$top', value, MAXIMUM_TOP);
        break;
      case '$skip':
        options.skip = integer('$skip', value, Number.MAX_SAFE_INTEGER);
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
        options.expand = parseExpand(value, depth);
        break;
      case '$resultFormat':
        throw new QueryError('$resultFormat is not supported');
      default:
        throw new QueryError(`unknown query option ${key}`);
    }
  }
  return options;
}
