/**
 * Handling deadlines (处置时限) and overdue flags (超期), in Beijing time (China Standard Time,
 * UTC+8, no daylight saving): a limit in days ends at 24:00 Beijing time, and "today" is a
 * Beijing calendar day, whatever the server's time zone.
 */
import type { CaseStatus } from './workflow.ts';

/** Hours from dispatch, or: by 24:00 Beijing time of the N-th calendar day after the day of dispatch (0: that day). */
export type HandlingLimit = { hours: number } | { days: number };

const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** Epoch ms of 00:00 Beijing time of the day that contains `ms`. */
export function startOfBeijingDay(ms: number): number {
  return Math.floor((ms + BEIJING_OFFSET_MS) / DAY_MS) * DAY_MS - BEIJING_OFFSET_MS;
}

/** The Beijing calendar date (YYYY-MM-DD) of an instant. */
export function beijingDate(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** Whether text is a real calendar date YYYY-MM-DD (no 31 February). */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** [start, end) in epoch ms of a Beijing calendar date YYYY-MM-DD. */
export function beijingDayRange(date: string): [number, number] {
  if (!isCalendarDate(date)) throw new RangeError(`"${date}" is not a calendar date YYYY-MM-DD`);
  const start = Date.parse(`${date}T00:00:00Z`) - BEIJING_OFFSET_MS;
  return [start, start + DAY_MS];
}

/** When handling is due for a case dispatched at `dispatchedAtMs`. */
export function handlingDeadline(dispatchedAtMs: number, limit: HandlingLimit): number {
  if ('hours' in limit) return dispatchedAtMs + limit.hours * 3_600_000;
  return startOfBeijingDay(dispatchedAtMs) + (limit.days + 1) * DAY_MS;
}

export interface DeadlineState {
  status: CaseStatus;
  /** Epoch ms when handling is due (set at dispatch). */
  dueAtMs?: number;
  /** Epoch ms of the latest handling report (cleared by a send-back). */
  handledAtMs?: number;
}

/**
 * Overdue (超期): being handled past its deadline, or reported handled after it (the flag stays
 * through check and closure, as the on-time rate counts it). A send-back keeps the deadline.
 */
export function isOverdue(state: DeadlineState, nowMs: number): boolean {
  if (state.dueAtMs === undefined) return false;
  if (state.handledAtMs !== undefined) return state.handledAtMs > state.dueAtMs;
  return state.status === 'dispatched' && nowMs > state.dueAtMs;
}
