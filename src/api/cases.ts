/**
 * The viewer's client of the case API (案卷, src/server/cases/routes.ts): a page of cases under a
 * filter (never all of them), one case with its log, the day's statistics, and the writes (a new
 * case, an action). Writes carry the operator's key (X-API-Key) as the monitoring client's do,
 * and only to the origin the key was entered for: a key is never sent to another server.
 */
import type { CaseAction, CaseDailyStatistics, CaseDocument, CaseSource, CaseStatus } from '../domain/cases/cases.ts';
import type { OperatorKey } from '../monitoring/rest-client.ts';
import { ApiError, apiUrl, getJson } from './http.ts';

export type { CaseDailyStatistics, CaseDocument } from '../domain/cases/cases.ts';

/** Cases per page of the list (the API takes up to 1,000; the viewer shows a readable page). */
export const CASE_PAGE_SIZE = 20;

export interface CaseListFilter {
  /** One community or unit grid code. */
  grid?: string;
  department?: string;
  /** kind:code of case-classes.json. */
  classId?: string;
  /** "open" (anything not closed), one status, or undefined for all. */
  status?: CaseStatus | 'open';
  /** Only overdue (超期) cases. */
  overdue?: boolean;
  /** Only cases placed in this box (W, S, E, N degrees). */
  bbox?: [number, number, number, number];
  /** The case made from this monitoring incident. */
  incidentId?: string;
}

export interface CaseListPage {
  cases: CaseDocument[];
  /** A link to the next page, when more cases matched. */
  next?: string;
}

/** The body of POST /api/cases. */
export interface NewCaseBody {
  source: CaseSource;
  classId?: string;
  /** Left out: the server places the case in the grid covering lon/lat. */
  gridCode?: string;
  description: string;
  lon: number;
  lat: number;
  reporter: string;
  address?: string;
  hotlineTicket?: string;
  incidentId?: string;
  incidentType?: string;
  assetIds?: string[];
  attachmentUrl?: string;
}

export interface CaseActionBody {
  action: CaseAction;
  note?: string;
  department?: string;
}

/** The query of a filter: empty fields left out. */
export function caseListQuery(filter: CaseListFilter, offset: number, limit = CASE_PAGE_SIZE): Record<string, string | number | undefined> {
  const text = (value: string | undefined) => (value && value.trim() ? value.trim() : undefined);
  return {
    grid: text(filter.grid),
    department: text(filter.department),
    class: text(filter.classId),
    status: filter.status,
    overdue: filter.overdue ? 'true' : undefined,
    bbox: filter.bbox?.map((n) => n.toFixed(6)).join(','),
    incidentId: text(filter.incidentId),
    limit,
    offset,
  };
}

/** The origin (scheme://host:port) of the case API: the only one a key entered for it is sent to. */
export function caseApiOrigin(base: string): string {
  return new URL(base, typeof location === 'undefined' ? undefined : location.href).origin;
}

export function listCases(base: string, filter: CaseListFilter, offset: number, options: { limit?: number; signal?: AbortSignal } = {}): Promise<CaseListPage> {
  return getJson<CaseListPage>(apiUrl(base, 'cases', caseListQuery(filter, offset, options.limit)), { signal: options.signal });
}

export function getCase(base: string, id: string, options: { signal?: AbortSignal } = {}): Promise<CaseDocument> {
  return getJson<CaseDocument>(apiUrl(base, `cases/${encodeURIComponent(id)}`), options);
}

/** The statistics of a Beijing day (default today), over the city. */
export function caseStatistics(base: string, options: { day?: string; signal?: AbortSignal } = {}): Promise<CaseDailyStatistics> {
  return getJson<CaseDailyStatistics>(apiUrl(base, 'cases/statistics', { day: options.day }), { signal: options.signal });
}

async function postJson<T>(base: string, path: string, body: unknown, operator: OperatorKey, fetcher: typeof fetch): Promise<T> {
  const url = apiUrl(base, path);
  const origin = caseApiOrigin(base);
  // A key goes only to the server it was entered for, whatever a link or the config says.
  if (operator.origin !== origin) throw new ApiError(url, 403, `the key was entered for ${operator.origin}, not for ${origin}: sign in for this server`);
  const response = await fetcher(url, { method: 'POST', cache: 'no-store', headers: { 'Content-Type': 'application/json', 'X-API-Key': operator.apiKey }, body: JSON.stringify(body) });
  if (!response.ok) {
    const payload = (await response.json().catch(() => ({}))) as { message?: unknown };
    throw new ApiError(url, response.status, typeof payload.message === 'string' && payload.message ? payload.message : `HTTP ${response.status}`);
  }
  return (await response.json()) as T;
}

/** A new case (网格员上报, 12345, or from a monitoring incident); answers the case with its log. */
export function createCase(base: string, body: NewCaseBody, operator: OperatorKey, fetcher: typeof fetch = (...args) => fetch(...args)): Promise<CaseDocument> {
  return postJson<CaseDocument>(base, 'cases', body, operator, fetcher);
}

/** An action on a case by the operator (立案, 派遣 …); a 409 carries the server's message naming the allowed actions. */
export function actOnCase(base: string, id: string, body: CaseActionBody, operator: OperatorKey, fetcher: typeof fetch = (...args) => fetch(...args)): Promise<CaseDocument> {
  const payload = { action: body.action, by: operator.name, ...(body.note ? { note: body.note } : {}), ...(body.department ? { department: body.department } : {}) };
  return postJson<CaseDocument>(base, `cases/${encodeURIComponent(id)}/actions`, payload, operator, fetcher);
}
