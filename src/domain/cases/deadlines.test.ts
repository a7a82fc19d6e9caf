import { describe, expect, it } from 'vitest';
import { beijingDate, beijingDayRange, handlingDeadline, isCalendarDate, isOverdue, startOfBeijingDay } from './deadlines.ts';

const at = (iso: string) => Date.parse(iso);

describe('deadlines in Beijing time', () => {
  it('puts 23:59 and 00:01 Beijing time on different days though they share a UTC date', () => {
    const beforeMidnight = at('2026-12-05T23:59:00+08:00'); // 15:59 UTC on the 5th
    const afterMidnight = at('2026-12-06T00:01:00+08:00'); // 16:01 UTC on the 5th
    expect(new Date(beforeMidnight).toISOString().slice(0, 10)).toBe(new Date(afterMidnight).toISOString().slice(0, 10));
    expect(beijingDate(beforeMidnight)).toBe('2026-12-05');
    expect(beijingDate(afterMidnight)).toBe('2026-12-06');
    expect(startOfBeijingDay(afterMidnight)).toBe(at('2026-12-06T00:00:00+08:00'));
    expect(beijingDayRange('2026-12-06')).toEqual([at('2026-12-06T00:00:00+08:00'), at('2026-12-07T00:00:00+08:00')]);
  });

  it('ends a limit in days at 24:00 Beijing time, counted from the Beijing day of dispatch', () => {
    // Same day (days: 0): two minutes apart across midnight, a day apart in deadline.
    expect(handlingDeadline(at('2026-12-05T23:59:00+08:00'), { days: 0 })).toBe(at('2026-12-06T00:00:00+08:00'));
    expect(handlingDeadline(at('2026-12-06T00:01:00+08:00'), { days: 0 })).toBe(at('2026-12-07T00:00:00+08:00'));
    expect(handlingDeadline(at('2026-12-06T09:00:00+08:00'), { days: 3 })).toBe(at('2026-12-10T00:00:00+08:00'));
  });

  it('counts a limit in hours from the dispatch, across the day boundary', () => {
    expect(handlingDeadline(at('2026-12-05T23:00:00+08:00'), { hours: 2 })).toBe(at('2026-12-06T01:00:00+08:00'));
  });

  it('flags a case overdue once the Beijing day of its deadline has ended, not the UTC day', () => {
    const dispatched = at('2026-12-05T20:00:00+08:00');
    const due = handlingDeadline(dispatched, { days: 0 }); // 24:00 Beijing = 16:00 UTC
    const state = { status: 'dispatched' as const, dueAtMs: due };
    expect(isOverdue(state, at('2026-12-05T23:59:59+08:00'))).toBe(false);
    expect(isOverdue(state, at('2026-12-06T00:00:01+08:00'))).toBe(true); // still 5 December in UTC
  });

  it('keeps the flag on a case reported handled late, and not on one handled in time', () => {
    const due = at('2026-12-06T00:00:00+08:00');
    expect(isOverdue({ status: 'handled', dueAtMs: due, handledAtMs: due + 1 }, due - 10)).toBe(true);
    expect(isOverdue({ status: 'closed', dueAtMs: due, handledAtMs: due - 1 }, due + 86_400_000)).toBe(false);
    expect(isOverdue({ status: 'filed' }, due)).toBe(false);
  });

  it('knows calendar dates', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2026-02-31')).toBe(false);
    expect(isCalendarDate('2026-2-3')).toBe(false);
    expect(() => beijingDayRange('2026-13-01')).toThrow(/not a calendar date/);
  });
});
