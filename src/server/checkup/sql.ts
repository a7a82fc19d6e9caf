/** What both check-up stores share: the columns, the level columns of a code, a row ↔ facts. */
import { emptyFacts, FACT_KEYS, type CheckupFacts } from '../../domain/checkup/indicators.ts';
import { CheckupInputError, LEVEL_DIGITS, levelOfCode, type CheckupLevel } from './checkup-store.ts';

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Fact columns, in FACT_KEYS order. */
export const FACT_COLUMNS = FACT_KEYS.map(snake);

/** Counts are integers; lengths (…_metres) are reals. Sensors may be null. */
export function factColumnType(column: string, dialect: 'sqlite' | 'postgres'): string {
  const real = column.endsWith('_metres');
  const nullable = column === 'sensors' || column === 'sensors_online';
  const type = real ? (dialect === 'sqlite' ? 'REAL' : 'double precision') : dialect === 'sqlite' ? 'INTEGER' : 'bigint';
  return `${type}${nullable ? '' : ' NOT NULL'}`;
}

/** The level columns of a row placed in this code: every level's prefix down to the code's own. */
export function levelCodes(code: string): Record<CheckupLevel, string | null> {
  const level = levelOfCode(code);
  if (!level || !/^\d+$/.test(code)) throw new CheckupInputError(`grid code ${JSON.stringify(code.slice(0, 20))}: 6, 9, 12 or 14 digits`);
  const out = {} as Record<CheckupLevel, string | null>;
  for (const [l, digits] of Object.entries(LEVEL_DIGITS) as [CheckupLevel, number][]) out[l] = digits <= code.length ? code.slice(0, digits) : null;
  return out;
}

/** The column an area code is matched on. */
export function areaColumn(code: string): CheckupLevel {
  const level = levelOfCode(code);
  if (!level || !/^\d+$/.test(code)) throw new CheckupInputError(`grid code ${JSON.stringify(code.slice(0, 20))}: 6, 9, 12 or 14 digits`);
  return level;
}

export const SUMS = FACT_COLUMNS.map((c) => `sum(${c}) AS ${c}`).join(', ');

export function factsFromRow(row: Record<string, unknown>): CheckupFacts {
  const facts = emptyFacts();
  for (const [i, key] of FACT_KEYS.entries()) {
    const value = row[FACT_COLUMNS[i]!];
    (facts as unknown as Record<string, number | null>)[key] = value === null || value === undefined ? (key === 'sensors' || key === 'sensorsOnline' ? null : 0) : Number(value);
  }
  return facts;
}

export function factValues(facts: CheckupFacts): (number | null)[] {
  return FACT_KEYS.map((key) => facts[key]);
}
