/**
 * Attribute filters over the buildings ("residential built before 2000 over 12 floors"): a list
 * of clauses that must all hold. One text form for the URL and the filter box,
 *
 *   use=residential;yearBuilt<2000;floors>12
 *
 * parsed with clear errors, and one predicate, used both for the count of matches and for the
 * style that shows only the matching buildings. Pure.
 */
import { BUILDING_USES } from '../buildings.ts';
import { LIFECYCLE_STAGES } from '../lifecycle/lifecycle.ts';
import type { BuildingAttributes } from './themes.ts';

export const FILTER_ATTRIBUTES = ['use', 'stage', 'yearBuilt', 'floors', 'height'] as const;
export type FilterAttribute = (typeof FILTER_ATTRIBUTES)[number];

export const FILTER_OPERATORS = ['=', '!=', '<', '<=', '>', '>='] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export interface FilterClause {
  attribute: FilterAttribute;
  operator: FilterOperator;
  /** A number for yearBuilt, floors and height; an identifier for use and stage. */
  value: number | string;
}

const NUMERIC: ReadonlySet<FilterAttribute> = new Set(['yearBuilt', 'floors', 'height']);
const ALLOWED: Partial<Record<FilterAttribute, readonly string[]>> = { use: BUILDING_USES, stage: LIFECYCLE_STAGES };

export function isNumericAttribute(attribute: FilterAttribute): boolean {
  return NUMERIC.has(attribute);
}

/** The identifiers a text attribute may take (empty for numeric ones). */
export function allowedValues(attribute: FilterAttribute): readonly string[] {
  return ALLOWED[attribute] ?? [];
}

export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based index of the clause at fault. */
    readonly clauseIndex: number,
  ) {
    super(message);
    this.name = 'FilterSyntaxError';
  }
}

// Two-character operators first, so "<=" is not read as "<" followed by "=5".
const CLAUSE = /^\s*([A-Za-z]+)\s*(!=|<=|>=|=|<|>)\s*(.+?)\s*$/;

/** Check one clause; throws FilterSyntaxError naming the clause and what is wrong. */
export function checkClause(clause: { attribute: string; operator: string; value: unknown }, index = 0): FilterClause {
  const where = `clause ${index + 1}`;
  if (!(FILTER_ATTRIBUTES as readonly string[]).includes(clause.attribute)) {
    throw new FilterSyntaxError(`${where}: unknown attribute "${clause.attribute}" (expected one of ${FILTER_ATTRIBUTES.join(', ')})`, index);
  }
  const attribute = clause.attribute as FilterAttribute;
  if (!(FILTER_OPERATORS as readonly string[]).includes(clause.operator)) {
    throw new FilterSyntaxError(`${where}: unknown operator "${clause.operator}"`, index);
  }
  const operator = clause.operator as FilterOperator;
  if (NUMERIC.has(attribute)) {
    const value = typeof clause.value === 'number' ? clause.value : typeof clause.value === 'string' && clause.value.trim() !== '' ? Number(clause.value) : Number.NaN;
    if (!Number.isFinite(value)) throw new FilterSyntaxError(`${where}: ${attribute} needs a number, got "${String(clause.value)}"`, index);
    return { attribute, operator, value };
  }
  if (operator !== '=' && operator !== '!=') throw new FilterSyntaxError(`${where}: ${attribute} can only be compared with = or !=`, index);
  const value = String(clause.value);
  const allowed = ALLOWED[attribute] ?? [];
  if (!allowed.includes(value)) throw new FilterSyntaxError(`${where}: "${value}" is not a ${attribute} (expected one of ${allowed.join(', ')})`, index);
  return { attribute, operator, value };
}

/** Parse "use=residential;yearBuilt<2000;floors>12". An empty text is no filter (an empty list). */
export function parseFilter(text: string): FilterClause[] {
  const parts = text.split(';').map((p) => p.trim());
  if (parts.every((p) => p === '')) return [];
  return parts.map((part, index) => {
    const match = CLAUSE.exec(part);
    if (!match) throw new FilterSyntaxError(`clause ${index + 1}: "${part}" is not of the form attribute<operator>value, e.g. floors>12`, index);
    return checkClause({ attribute: match[1]!, operator: match[2]!, value: match[3]! }, index);
  });
}

export function formatFilter(clauses: readonly FilterClause[]): string {
  return clauses.map((c) => `${c.attribute}${c.operator}${c.value}`).join(';');
}

function compare(actual: number | string, operator: FilterOperator, expected: number | string): boolean {
  switch (operator) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
  }
}

/** Whether a building meets every clause. A missing attribute fails its clause (even "!="). */
export function matchesFilter(clauses: readonly FilterClause[], attributes: BuildingAttributes): boolean {
  for (const clause of clauses) {
    const actual = attributes[clause.attribute];
    if (actual === undefined || (typeof actual === 'number' && !Number.isFinite(actual))) return false;
    if (!compare(actual, clause.operator, clause.value)) return false;
  }
  return true;
}
