/**
 * The case store (案卷): cases of the 数字城管 workflow and their logs. One interface, two backends
 * (SQLite embedded, PostgreSQL), one test suite (case-store.test.ts). Open one by its location:
 *
 *   openCaseStore('data/cases.sqlite')                 SQLite file (created if missing)
 *   openCaseStore('postgres://user@host:5432/cim')      PostgreSQL
 *
 * The rules (workflow, classes, grid codes, deadlines) are in src/domain/cases/. Each action is
 * recorded in the case's log (who, when, note) in the same transaction as its status change; an
 * action the status does not allow changes nothing. Times are epoch milliseconds, passed in by
 * the caller, so that tests can cross a Beijing-day boundary.
 */
import type { CaseAction, CaseDailyStatistics, CaseLogEntry, CaseRecord, CaseStatus, NewCase } from '../../domain/cases/cases.ts';
import { isPostgresLocation, type Bbox } from '../assets/asset-store.ts';

export interface CaseActionInput {
  action: CaseAction;
  /** Who acts (a person's name or ID). */
  by: string;
  note?: string;
  /** Where a dispatch sends the case (required for dispatch, refused for the other actions). */
  department?: string;
}

export interface CaseFilter {
  /** One grid (community or unit grid code). */
  grid?: string;
  /** Every grid within an area: a code of any level (district, street, community), as a prefix. */
  area?: string;
  department?: string;
  classId?: string;
  /** Any of these statuses. */
  status?: CaseStatus[];
  /** Only overdue cases (true) or only the others (false), as of `nowMs`. */
  overdue?: boolean;
  /** Cases whose place is in this box (W, S, E, N degrees, edges included). */
  bbox?: Bbox;
  /** The case made from this monitoring incident (转为案卷 looks for it before making another). */
  incidentId?: string;
}

export interface CasePageOptions {
  /** Cases per page, 1–1,000. Default 50. */
  limit?: number;
  /** Cases to skip, 0–10,000. Default 0. */
  offset?: number;
}

export const MAXIMUM_CASE_PAGE = 1_000;
export const MAXIMUM_CASE_OFFSET = 10_000;

export interface CasePage {
  /** Newest first. */
  cases: CaseRecord[];
  /** More cases matched than were returned. */
  truncated: boolean;
}

export interface CaseWithLog {
  record: CaseRecord;
  /** Oldest first. */
  log: CaseLogEntry[];
}

/** The case after an action; why the action is not allowed; or undefined for an unknown case. */
export type ActionResult = CaseWithLog | { error: string; allowed: CaseAction[] } | undefined;

/** A case carried over from another system (history), with its status and times as they were. */
export type LoadedCase = Omit<CaseRecord, 'id' | 'updatedAtMs'>;

/** Bad input to the store, naming the field: the API turns it into a 400. */
export class CaseInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'CaseInputError';
  }
}

export interface CaseStore {
  readonly backend: 'sqlite' | 'postgres';
  /** Store a new case (checked by checkNewCase), collected by its reporter at `atMs`. */
  create(input: NewCase, atMs: number): Promise<CaseWithLog>;
  /** One case and its log, or undefined. */
  get(id: string): Promise<CaseWithLog | undefined>;
  /**
   * Take an action: the case and its log after it; `{error, allowed}` when the status does not
   * allow it (nothing changed); undefined for an unknown case. Throws CaseInputError for a
   * dispatch without a department or a department on another action.
   */
  act(id: string, input: CaseActionInput, atMs: number): Promise<ActionResult>;
  /** Cases matching the filter, newest first, a page at a time. */
  list(filter: CaseFilter, page: CasePageOptions, nowMs: number): Promise<CasePage>;
  /** The statistics of one Beijing calendar day (YYYY-MM-DD), over all grids or within one grid or area. */
  dailyStatistics(day: string, scope: { grid?: string; area?: string }, nowMs: number): Promise<CaseDailyStatistics>;
  /** Add cases from history in one transaction (each with one "import" log entry); returns how many. */
  load(cases: Iterable<LoadedCase>): Promise<number>;
  count(): Promise<number>;
  close(): Promise<void>;
}

/** Open the case store at a location: a postgres:// URL, or a SQLite file path (":memory:" for a throwaway one). */
export async function openCaseStore(location: string): Promise<CaseStore> {
  if (isPostgresLocation(location)) {
    const { PostgresCaseStore } = await import('./postgres-case-store.ts');
    return PostgresCaseStore.open(location);
  }
  const { SqliteCaseStore } = await import('./sqlite-case-store.ts');
  return SqliteCaseStore.open(location);
}
