/**
 * What both case stores share: the columns, rows ↔ records, the plan of an action (the columns it
 * sets and its log entry), and the SQL of the list and the daily statistics (the same text on
 * both, with ? or $n placeholders).
 */
import {
  applyCaseAction, beijingDayRange, caseClass, caseIdOf, checkAreaCode, checkCaseGridCode, handlingDeadline, isCaseStatus, rate,
  type CaseAction, type CaseDailyStatistics, type CaseLogEntry, type CaseRecord, type CaseStatus,
} from '../../domain/cases/cases.ts';
import { AssetQueryError, checkBbox } from '../../domain/assets.ts';
import { CaseInputError, MAXIMUM_CASE_OFFSET, MAXIMUM_CASE_PAGE, type CaseActionInput, type CaseFilter, type CasePageOptions, type LoadedCase } from './case-store.ts';

export type Dialect = 'sqlite' | 'postgres';

export class Parameters {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: Dialect) {}
  p = (value: unknown): string => {
    this.values.push(value);
    return this.dialect === 'sqlite' ? '?' : `$${this.values.length}`;
  };
}

/** A row of `cases` as both drivers return it (PostgreSQL's bigint columns come as strings). */
export interface CaseRow {
  id: number | string;
  source: string;
  class_id: string;
  grid_code: string;
  department: string | null;
  status: string;
  description: string;
  address: string | null;
  lon: number;
  lat: number;
  reporter: string;
  hotline_ticket: string | null;
  incident_id: string | null;
  asset_ids: string;
  attachment_url: string | null;
  created_at: number | string;
  filed_at: number | string | null;
  dispatched_at: number | string | null;
  due_at: number | string | null;
  handled_at: number | string | null;
  handled_late: number | null;
  checked_at: number | string | null;
  closed_at: number | string | null;
  updated_at: number | string;
}

export const CASE_COLUMNS = 'id, source, class_id, grid_code, department, status, description, address, lon, lat, reporter, hotline_ticket, incident_id, asset_ids, attachment_url, created_at, filed_at, dispatched_at, due_at, handled_at, handled_late, checked_at, closed_at, updated_at';

const time = (value: number | string | null): number | undefined => (value === null ? undefined : Number(value));
const text = (value: string | null): string | undefined => (value === null ? undefined : value);

export function recordFromRow(row: CaseRow): CaseRecord {
  const record: CaseRecord = {
    id: caseIdOf(Number(row.id)),
    source: row.source as CaseRecord['source'],
    classId: row.class_id,
    gridCode: row.grid_code,
    department: text(row.department),
    status: row.status as CaseStatus,
    description: row.description,
    address: text(row.address),
    lon: row.lon,
    lat: row.lat,
    reporter: row.reporter,
    hotlineTicket: text(row.hotline_ticket),
    incidentId: text(row.incident_id),
    assetIds: JSON.parse(row.asset_ids) as string[],
    attachmentUrl: text(row.attachment_url),
    createdAtMs: Number(row.created_at),
    filedAtMs: time(row.filed_at),
    dispatchedAtMs: time(row.dispatched_at),
    dueAtMs: time(row.due_at),
    handledAtMs: time(row.handled_at),
    checkedAtMs: time(row.checked_at),
    closedAtMs: time(row.closed_at),
    updatedAtMs: Number(row.updated_at),
  };
  for (const key of Object.keys(record) as (keyof CaseRecord)[]) if (record[key] === undefined) delete record[key];
  return record;
}

export interface LogRow {
  action: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  at: number | string;
  note: string | null;
  department: string | null;
}

export const LOG_COLUMNS = 'action, from_status, to_status, actor, at, note, department';

export function logEntryFromRow(row: LogRow): CaseLogEntry {
  const entry: CaseLogEntry = { action: row.action as CaseLogEntry['action'], to: row.to_status as CaseStatus, by: row.actor, at: new Date(Number(row.at)).toISOString() };
  if (row.from_status !== null) entry.from = row.from_status as CaseStatus;
  if (row.note !== null) entry.note = row.note;
  if (row.department !== null) entry.department = row.department;
  return entry;
}

/** The values of a new row of `cases`, in the order of INSERT_COLUMNS. */
export const INSERT_COLUMNS = 'source, class_id, grid_code, department, status, description, address, lon, lat, reporter, hotline_ticket, incident_id, asset_ids, attachment_url, created_at, filed_at, dispatched_at, due_at, handled_at, handled_late, checked_at, closed_at, updated_at';

export function insertValues(c: LoadedCase): unknown[] {
  const late = c.handledAtMs !== undefined && c.dueAtMs !== undefined ? (c.handledAtMs > c.dueAtMs ? 1 : 0) : null;
  return [c.source, c.classId, c.gridCode, c.department ?? null, c.status, c.description, c.address ?? null, c.lon, c.lat, c.reporter, c.hotlineTicket ?? null, c.incidentId ?? null,
    JSON.stringify(c.assetIds), c.attachmentUrl ?? null, c.createdAtMs, c.filedAtMs ?? null, c.dispatchedAtMs ?? null, c.dueAtMs ?? null, c.handledAtMs ?? null, late,
    c.checkedAtMs ?? null, c.closedAtMs ?? null, Math.max(c.createdAtMs, c.filedAtMs ?? 0, c.dispatchedAtMs ?? 0, c.handledAtMs ?? 0, c.checkedAtMs ?? 0, c.closedAtMs ?? 0)];
}

/** Times each status needs (a loaded case in that status must have them), in workflow order. */
const STATUS_TIMES: Record<CaseStatus, (keyof LoadedCase)[]> = {
  collected: [],
  filed: ['filedAtMs'],
  dispatched: ['filedAtMs', 'dispatchedAtMs', 'dueAtMs'],
  handled: ['filedAtMs', 'dispatchedAtMs', 'dueAtMs', 'handledAtMs'],
  checked: ['filedAtMs', 'dispatchedAtMs', 'dueAtMs', 'handledAtMs', 'checkedAtMs'],
  closed: ['filedAtMs', 'dispatchedAtMs', 'dueAtMs', 'handledAtMs', 'checkedAtMs', 'closedAtMs'],
};

/** Check a case from history; the error names the case's position. */
export function checkLoadedCase(c: LoadedCase, index: number, knownGrids: Set<string>): void {
  const at = `case ${index}`;
  if (!isCaseStatus(c.status)) throw new CaseInputError(`${at}.status`, `unknown status ${JSON.stringify(c.status)}`);
  if (!caseClass(c.classId)) throw new CaseInputError(`${at}.classId`, `unknown class ${JSON.stringify(c.classId)}`);
  if (!knownGrids.has(c.gridCode)) {
    const grid = checkCaseGridCode(c.gridCode);
    if ('error' in grid) throw new CaseInputError(`${at}.gridCode`, grid.error);
    knownGrids.add(c.gridCode);
  }
  for (const key of STATUS_TIMES[c.status]) if (typeof c[key] !== 'number') throw new CaseInputError(`${at}.${key}`, `required for a case that is ${c.status}`);
  if (c.status !== 'collected' && c.status !== 'filed' && !c.department) throw new CaseInputError(`${at}.department`, `required for a case that is ${c.status}`);
}

/** Indexes added after schema version 1 (created when missing, on both backends): the incident and place filters. */
export const LATER_INDEXES = `
  CREATE INDEX IF NOT EXISTS cases_incident ON cases (incident_id, id) WHERE incident_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS cases_place ON cases (lon, lat);`;

/** What an allowed action writes: the columns to set and its log entry. */
export interface ActionPlan {
  from: CaseStatus;
  to: CaseStatus;
  set: Record<string, number | string | null>;
  log: { action: CaseAction; actor: string; at: number; note: string | null; department: string | null };
}

/** The plan of an action on a case, or why the status does not allow it. */
export function planAction(record: CaseRecord, input: CaseActionInput, atMs: number): ActionPlan | { error: string; allowed: CaseAction[] } {
  if (input.action === 'dispatch' && !input.department) throw new CaseInputError('department', 'required to dispatch a case (the department that will handle it)');
  if (input.action !== 'dispatch' && input.department !== undefined) throw new CaseInputError('department', `only with dispatch, not ${input.action}`);
  const next = applyCaseAction(record.status, input.action);
  if ('error' in next) return next;
  const set: ActionPlan['set'] = { status: next.status, updated_at: atMs };
  switch (input.action) {
    case 'file':
      set.filed_at = atMs;
      break;
    case 'dispatch': {
      const limit = caseClass(record.classId)?.handlingLimit ?? { days: 0 };
      set.department = input.department!;
      set.dispatched_at = atMs;
      set.due_at = handlingDeadline(atMs, limit);
      break;
    }
    case 'handle':
      set.handled_at = atMs;
      set.handled_late = record.dueAtMs !== undefined && atMs > record.dueAtMs ? 1 : 0;
      break;
    case 'send-back':
      set.handled_at = null;
      set.handled_late = null;
      break;
    case 'check':
      set.checked_at = atMs;
      break;
    case 'close':
      set.closed_at = atMs;
      break;
  }
  return { from: record.status, to: next.status, set, log: { action: input.action, actor: input.by, at: atMs, note: input.note ?? null, department: input.action === 'dispatch' ? input.department! : null } };
}

function checkPage(page: CasePageOptions): { limit: number; offset: number } {
  const limit = page.limit ?? 50;
  const offset = page.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAXIMUM_CASE_PAGE) throw new CaseInputError('limit', `must be an integer from 1 to ${MAXIMUM_CASE_PAGE}`);
  if (!Number.isInteger(offset) || offset < 0 || offset > MAXIMUM_CASE_OFFSET) throw new CaseInputError('offset', `must be an integer from 0 to ${MAXIMUM_CASE_OFFSET} (narrow the filter to go further)`);
  return { limit, offset };
}

/** The condition of an area prefix: grid codes from the prefix up to the prefix followed by ":" (after "9"). */
function areaCondition(area: string, p: (v: unknown) => string): string {
  const parsed = checkAreaCode(area);
  if ('error' in parsed) throw new CaseInputError('area', parsed.error);
  return `grid_code >= ${p(area)} AND grid_code < ${p(`${area}:`)}`;
}

function gridCondition(grid: string, p: (v: unknown) => string): string {
  const parsed = checkCaseGridCode(grid);
  if ('error' in parsed) throw new CaseInputError('grid', parsed.error);
  return `grid_code = ${p(grid)}`;
}

const statusList = (statuses: readonly CaseStatus[]) => statuses.map((s) => `'${s}'`).join(', ');

/** The overdue condition (src/domain/cases/deadlines.ts isOverdue) in SQL. */
export function overdueCondition(p: (v: unknown) => string, nowMs: number): string {
  return `((status = 'dispatched' AND due_at < ${p(nowMs)}) OR (handled_late = 1 AND status IN ('handled', 'checked', 'closed')))`;
}

export function listQuery(dialect: Dialect, filter: CaseFilter, page: CasePageOptions, nowMs: number): { sql: string; values: unknown[]; limit: number } {
  const { limit, offset } = checkPage(page);
  const params = new Parameters(dialect);
  const { p } = params;
  const where: string[] = [];
  if (filter.grid !== undefined) where.push(gridCondition(filter.grid, p));
  if (filter.area !== undefined) where.push(areaCondition(filter.area, p));
  if (filter.department !== undefined) where.push(`department = ${p(filter.department)}`);
  if (filter.classId !== undefined) {
    if (!caseClass(filter.classId)) throw new CaseInputError('class', `unknown class ${JSON.stringify(filter.classId.slice(0, 40))}`);
    where.push(`class_id = ${p(filter.classId)}`);
  }
  if (filter.status !== undefined) {
    const bad = filter.status.find((s) => !isCaseStatus(s));
    if (bad !== undefined) throw new CaseInputError('status', `unknown status ${JSON.stringify(String(bad).slice(0, 40))}`);
    if (filter.status.length) where.push(`status IN (${statusList(filter.status)})`);
  }
  if (filter.overdue !== undefined) where.push(filter.overdue ? overdueCondition(p, nowMs) : `NOT ${overdueCondition(p, nowMs)}`);
  if (filter.bbox !== undefined) {
    let bbox;
    try {
      bbox = checkBbox(filter.bbox);
    } catch (error) {
      if (error instanceof AssetQueryError) throw new CaseInputError('bbox', error.message);
      throw error;
    }
    const [west, south, east, north] = bbox;
    where.push(`lon >= ${p(west)} AND lon <= ${p(east)} AND lat >= ${p(south)} AND lat <= ${p(north)}`);
  }
  if (filter.incidentId !== undefined) where.push(`incident_id = ${p(filter.incidentId)}`);
  const sql = `SELECT ${CASE_COLUMNS} FROM cases${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${p(limit + 1)} OFFSET ${p(offset)}`;
  return { sql, values: params.values, limit };
}

/**
 * The daily statistics as one statement of indexed counts: each sub-select is a range on one
 * index (filed_at, closed_at, handled_at, status + due_at), so it costs the day's cases, not the
 * table. `handled` counts a case's latest handling report (a send-back clears it).
 */
export function statisticsQuery(dialect: Dialect, day: string, scope: { grid?: string; area?: string }, nowMs: number): { sql: string; values: unknown[] } {
  let range: [number, number];
  try {
    range = beijingDayRange(day);
  } catch (error) {
    throw new CaseInputError('day', (error as Error).message);
  }
  const [start, end] = range;
  const params = new Parameters(dialect);
  const { p } = params;
  const scoped = () => {
    const parts: string[] = [];
    if (scope.grid !== undefined) parts.push(gridCondition(scope.grid, p));
    if (scope.area !== undefined) parts.push(areaCondition(scope.area, p));
    return parts.map((part) => ` AND ${part}`).join('');
  };
  const count = (condition: string) => `(SELECT count(*) FROM cases WHERE ${condition}${scoped()})`;
  // Open = not closed: `closed_at IS NULL` is the condition of the partial index on open cases.
  const sql = `SELECT
    ${count(`filed_at >= ${p(start)} AND filed_at < ${p(end)}`)} AS filed,
    ${count(`filed_at >= ${p(start)} AND filed_at < ${p(end)} AND status = 'closed'`)} AS filed_and_closed,
    ${count(`closed_at >= ${p(start)} AND closed_at < ${p(end)}`)} AS closed,
    ${count(`handled_at >= ${p(start)} AND handled_at < ${p(end)}`)} AS handled,
    ${count(`handled_at >= ${p(start)} AND handled_at < ${p(end)} AND handled_at <= due_at`)} AS handled_on_time,
    ${count(`status = 'dispatched' AND due_at >= ${p(start)} AND due_at < ${p(Math.min(end, nowMs))}`)} AS due_unhandled,
    ${count('closed_at IS NULL')} AS open,
    ${count(`status = 'dispatched' AND due_at < ${p(nowMs)}`)} AS open_dispatched_overdue,
    ${count(`status IN ('handled', 'checked') AND handled_late = 1`)} AS open_handled_late`;
  return { sql, values: params.values };
}

export function statisticsFromRow(day: string, row: Record<string, number | string>): CaseDailyStatistics {
  const n = (key: string) => Number(row[key]);
  const handled = n('handled');
  const handledOnTime = n('handled_on_time');
  const dueUnhandled = n('due_unhandled');
  return {
    day,
    filed: n('filed'),
    closed: n('closed'),
    filedAndClosed: n('filed_and_closed'),
    closureRate: rate(n('filed_and_closed'), n('filed')),
    handled,
    handledOnTime,
    dueUnhandled,
    onTimeRate: rate(handledOnTime, handled + dueUnhandled),
    open: n('open'),
    openOverdue: n('open_dispatched_overdue') + n('open_handled_late'),
  };
}

/** UPDATE … SET for a plan, with the case's number and expected status last. */
export function updateStatement(dialect: Dialect, plan: ActionPlan, row: number): { sql: string; values: unknown[] } {
  const params = new Parameters(dialect);
  const sets = Object.entries(plan.set).map(([column, value]) => `${column} = ${params.p(value)}`);
  return { sql: `UPDATE cases SET ${sets.join(', ')} WHERE id = ${params.p(row)} AND status = ${params.p(plan.from)}`, values: params.values };
}
