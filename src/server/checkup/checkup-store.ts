/**
 * The check-up store (城市体检): per month and per grid, the additive facts the indicators are
 * computed from (src/domain/checkup), written by the check-up job (job.ts) and summed in SQL per
 * district (区, 6 digits), street (街道, 9), community (社区, 12) or unit grid (单元网格, 14): each
 * row carries the codes of every level above it, so an area's figures are one indexed SUM, and
 * nothing city-wide leaves the server. One interface, two backends, one test suite:
 *
 *   openCheckupStore('data/checkup.sqlite')              SQLite
 *   openCheckupStore('postgres://user@host:5432/cim')     PostgreSQL
 *
 * A month is written whole (all or nothing) with when it was computed and whether it holds a
 * sensor snapshot (a month reconstructed afterwards has none: "online" is a state at an instant).
 */
import type { CheckupFacts } from '../../domain/checkup/indicators.ts';
import { isPostgresLocation } from '../assets/asset-store.ts';

export const DEFAULT_CHECKUP_DATABASE = 'data/checkup.sqlite';

export type CheckupLevel = 'district' | 'street' | 'community' | 'unit';
export const CHECKUP_LEVELS: readonly CheckupLevel[] = ['district', 'street', 'community', 'unit'];
export const LEVEL_DIGITS: Record<CheckupLevel, number> = { district: 6, street: 9, community: 12, unit: 14 };

export function levelOfCode(code: string): CheckupLevel | undefined {
  return CHECKUP_LEVELS.find((level) => LEVEL_DIGITS[level] === code.length);
}

export interface CheckupRow {
  /** The grid the facts were placed in (the lowest level covering them: a unit grid, else its community or street). */
  code: string;
  facts: CheckupFacts;
}

export interface CheckupMonth {
  month: string;
  computedAtMs: number;
  /** Whether the month holds a sensor snapshot (taken during the month). */
  sensorsObserved: boolean;
  /** 'snapshot' when taken during the month; 'reconstructed' when computed afterwards from stored timestamps. */
  kind: 'snapshot' | 'reconstructed';
}

export interface AreaFacts {
  facts: CheckupFacts;
  /** Grid rows summed (0: nothing of this area in the month). */
  rows: number;
}

export interface CheckupStore {
  readonly backend: 'sqlite' | 'postgres';
  /** Replace a month's rows, all or nothing. Codes must be 6, 9, 12 or 14 digits. */
  putMonth(info: CheckupMonth, rows: Iterable<CheckupRow>): Promise<number>;
  month(month: string): Promise<CheckupMonth | undefined>;
  /** The computed months, oldest first. */
  months(): Promise<CheckupMonth[]>;
  /** An area's summed facts in a month (code of any level); undefined when the month was never computed. */
  area(code: string, month: string): Promise<AreaFacts | undefined>;
  /** An area's summed facts per computed month in [from, to], oldest first. */
  trend(code: string, from: string, to: string): Promise<({ month: string } & AreaFacts)[]>;
  /** The codes of a level holding facts (under a parent code when given), by code; at most `limit` (1–1,000). */
  units(level: CheckupLevel, parent: string | undefined, limit: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Bad input to the store (a code of no level): the API's 400. */
export class CheckupInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckupInputError';
  }
}

export async function openCheckupStore(location: string): Promise<CheckupStore> {
  if (isPostgresLocation(location)) {
    const { PostgresCheckupStore } = await import('./postgres-checkup-store.ts');
    return PostgresCheckupStore.open(location);
  }
  const { SqliteCheckupStore } = await import('./sqlite-checkup-store.ts');
  return SqliteCheckupStore.open(location);
}
