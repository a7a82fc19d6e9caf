/**
 * A case (案卷) as stored and as the API sends it, and the rules for a new one. Pure.
 */
import { caseClass, classForIncidentType, type CaseClass } from './classes.ts';
import { isOverdue } from './deadlines.ts';
import { checkCaseGridCode } from './grid-codes.ts';
import { allowedCaseActions, type CaseAction, type CaseSource, type CaseStatus } from './workflow.ts';

export * from './workflow.ts';
export * from './deadlines.ts';
export * from './classes.ts';
export * from './grid-codes.ts';

/** What a new case needs (checked for shape by the API's schema, for meaning by checkNewCase). */
export interface NewCaseInput {
  source: CaseSource;
  /** kind:code of case-classes.json; for a monitoring incident it may follow from incidentType. */
  classId?: string;
  gridCode: string;
  description: string;
  address?: string;
  lon: number;
  lat: number;
  /** Who collected it: the grid worker, the hotline operator, or the monitoring analyst. */
  reporter: string;
  /** The 12345 ticket number (工单号), for a hotline complaint. */
  hotlineTicket?: string;
  /** The monitoring incident's ID (src/server/sensorthings Incidents), for a monitoring case. */
  incidentId?: string;
  /** Its type (gas-leak …), to pick the class when none is given. */
  incidentType?: string;
  /** Assets concerned (one ID per asset, ARCHITECTURE.md). */
  assetIds?: string[];
  /** A photo or attachment, as a link (http or https). */
  attachmentUrl?: string;
}

/** A new case after its checks: the class resolved. */
export interface NewCase extends Omit<NewCaseInput, 'classId' | 'incidentType'> {
  classId: string;
  assetIds: string[];
}

/** Why a new case is refused: the field at fault and the reason. */
export interface CaseFieldError {
  field: string;
  message: string;
}

/** Check what the schema cannot: the class exists, the grid code follows the rules, the source names its reference. */
export function checkNewCase(input: NewCaseInput): NewCase | CaseFieldError {
  let resolved: CaseClass | undefined;
  if (input.classId !== undefined) {
    resolved = caseClass(input.classId);
    if (!resolved) return { field: 'classId', message: `unknown class ${JSON.stringify(input.classId.slice(0, 40))} (kind:code of case-classes.json, e.g. event:0401)` };
  } else if (input.source === 'monitoring' && input.incidentType !== undefined) {
    resolved = classForIncidentType(input.incidentType);
    if (!resolved) return { field: 'incidentType', message: `no class for incident type ${JSON.stringify(input.incidentType.slice(0, 40))}; give classId` };
  } else {
    return { field: 'classId', message: 'required (kind:code of case-classes.json, e.g. event:0401)' };
  }
  const grid = checkCaseGridCode(input.gridCode);
  if ('error' in grid) return { field: 'gridCode', message: grid.error };
  if (input.source === 'hotline-12345' && !input.hotlineTicket) return { field: 'hotlineTicket', message: 'required for a 12345 hotline complaint' };
  if (input.source === 'monitoring' && !input.incidentId) return { field: 'incidentId', message: 'required for a case from a monitoring incident' };
  if (input.source !== 'hotline-12345' && input.hotlineTicket !== undefined) return { field: 'hotlineTicket', message: 'only for source hotline-12345' };
  if (input.source !== 'monitoring' && (input.incidentId !== undefined || input.incidentType !== undefined)) return { field: input.incidentId !== undefined ? 'incidentId' : 'incidentType', message: 'only for source monitoring' };
  const { incidentType: _type, classId: _class, ...rest } = input;
  return { ...rest, classId: resolved.id, assetIds: input.assetIds ?? [] };
}

export interface CaseLogEntry {
  /** "collect" is the report itself, "import" a case carried over from another system; the rest are workflow actions. */
  action: CaseAction | 'collect' | 'import';
  from?: CaseStatus;
  to: CaseStatus;
  by: string;
  /** ISO 8601. */
  at: string;
  note?: string;
  /** The department a dispatch sent it to. */
  department?: string;
}

/** A case as the store keeps it (times in epoch ms). */
export interface CaseRecord extends NewCase {
  /** "AJ" + its number. */
  id: string;
  status: CaseStatus;
  /** The department handling it (set by dispatch). */
  department?: string;
  createdAtMs: number;
  filedAtMs?: number;
  dispatchedAtMs?: number;
  dueAtMs?: number;
  handledAtMs?: number;
  checkedAtMs?: number;
  closedAtMs?: number;
  updatedAtMs: number;
}

/** A case as the API sends it: ISO times, its overdue flag and the actions its status allows. */
export interface CaseDocument extends NewCase {
  id: string;
  status: CaseStatus;
  department?: string;
  createdAt: string;
  filedAt?: string;
  dispatchedAt?: string;
  dueAt?: string;
  handledAt?: string;
  checkedAt?: string;
  closedAt?: string;
  updatedAt: string;
  overdue: boolean;
  allowedActions: CaseAction[];
  log?: CaseLogEntry[];
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function caseDocument(record: CaseRecord, nowMs: number, log?: CaseLogEntry[]): CaseDocument {
  const { createdAtMs, filedAtMs, dispatchedAtMs, dueAtMs, handledAtMs, checkedAtMs, closedAtMs, updatedAtMs, ...rest } = record;
  const times = { createdAt: iso(createdAtMs)!, filedAt: iso(filedAtMs), dispatchedAt: iso(dispatchedAtMs), dueAt: iso(dueAtMs), handledAt: iso(handledAtMs), checkedAt: iso(checkedAtMs), closedAt: iso(closedAtMs), updatedAt: iso(updatedAtMs)! };
  const document: CaseDocument = { ...rest, ...times, overdue: isOverdue(record, nowMs), allowedActions: allowedCaseActions(record.status), ...(log ? { log } : {}) };
  for (const key of Object.keys(document) as (keyof CaseDocument)[]) if (document[key] === undefined) delete document[key];
  return document;
}

/** Case IDs: "AJ" (案卷) and the store's number. */
export function caseIdOf(row: number): string {
  return `AJ${row}`;
}

/** The store's number of a case ID, or undefined when it is not one. */
export function caseRowOf(id: string): number | undefined {
  const match = /^AJ([1-9]\d{0,14})$/.exec(id);
  return match ? Number(match[1]) : undefined;
}

/** The day's case statistics for the daily mode (日常) and the KPI strip. */
export interface CaseDailyStatistics {
  /** Beijing calendar date. */
  day: string;
  /** 立案数: cases filed that day. */
  filed: number;
  /** 结案数: cases closed that day. */
  closed: number;
  /** Of the cases filed that day, how many are closed now. */
  filedAndClosed: number;
  /** 结案率 = filedAndClosed / filed; null when nothing was filed. */
  closureRate: number | null;
  /** Handling reports that day (处置数), and those by their deadline (按期处置数). */
  handled: number;
  handledOnTime: number;
  /** Cases whose deadline passed that day (before now) and that are still being handled. */
  dueUnhandled: number;
  /** 按期处置率 = handledOnTime / (handled + dueUnhandled); null when there was nothing to handle. */
  onTimeRate: number | null;
  /** Open cases now, and those of them overdue now (超期). */
  open: number;
  openOverdue: number;
}

export function rate(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}
