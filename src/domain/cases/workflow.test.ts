import { describe, expect, it } from 'vitest';
import { allowedCaseActions, applyCaseAction, CASE_ACTIONS, CASE_STATUSES, type CaseAction, type CaseStatus } from './workflow.ts';

/** The workflow written out by hand, independently of CASE_TRANSITIONS: every allowed step. */
const ALLOWED: [CaseStatus, CaseAction, CaseStatus][] = [
  ['collected', 'file', 'filed'],
  ['filed', 'dispatch', 'dispatched'],
  ['dispatched', 'handle', 'handled'],
  ['handled', 'check', 'checked'],
  ['handled', 'send-back', 'dispatched'],
  ['checked', 'close', 'closed'],
];
const isAllowed = (status: CaseStatus, action: CaseAction) => ALLOWED.some(([s, a]) => s === status && a === action);
const FORBIDDEN = CASE_STATUSES.flatMap((status) => CASE_ACTIONS.filter((action) => !isAllowed(status, action)).map((action) => [status, action] as const));

describe('case workflow', () => {
  it.each(ALLOWED)('allows %s → %s → %s', (from, action, to) => {
    expect(applyCaseAction(from, action)).toEqual({ status: to });
  });

  it('forbids the other 30 status/action pairs', () => {
    expect(FORBIDDEN).toHaveLength(CASE_STATUSES.length * CASE_ACTIONS.length - ALLOWED.length);
    expect(FORBIDDEN).toHaveLength(30);
  });

  it.each(FORBIDDEN)('forbids %s + %s, naming the allowed actions', (status, action) => {
    const result = applyCaseAction(status, action);
    expect('error' in result).toBe(true);
    if (!('error' in result)) return;
    const allowed = ALLOWED.filter(([s]) => s === status).map(([, a]) => a);
    expect(result.allowed).toEqual(allowed);
    expect(result.error).toContain(`cannot ${action} a case that is ${status}`);
    expect(result.error).toContain(allowed.length ? `allowed actions: ${allowed.join(', ')}` : 'allowed actions: none');
  });

  it('lists the actions of each status', () => {
    expect(allowedCaseActions('collected')).toEqual(['file']);
    expect(allowedCaseActions('handled')).toEqual(['check', 'send-back']);
    expect(allowedCaseActions('closed')).toEqual([]);
  });

  it('goes backwards only by send-back, from the check to handling', () => {
    const order = (s: CaseStatus) => CASE_STATUSES.indexOf(s);
    for (const [from, action, to] of ALLOWED) {
      if (action === 'send-back') expect([from, to]).toEqual(['handled', 'dispatched']);
      else expect(order(to)).toBe(order(from) + 1);
    }
  });

  it('runs a whole case with one send-back', () => {
    let status: CaseStatus = 'collected';
    for (const action of ['file', 'dispatch', 'handle', 'send-back', 'handle', 'check', 'close'] as CaseAction[]) {
      const next = applyCaseAction(status, action);
      if ('error' in next) throw new Error(next.error);
      status = next.status;
    }
    expect(status).toBe('closed');
  });
});
