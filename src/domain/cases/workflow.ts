/**
 * The case (案卷) workflow of digital urban management (数字城管, GB/T 30428): a report is
 * collected (信息采集), filed (立案), dispatched to a department (派遣), handled by it (处置),
 * checked on site (核查) and closed (结案). The check may send the case back for handling again
 * (返工). Nothing else goes backwards, nothing skips a step. Pure rules, shared by server and viewer.
 */

export const CASE_STATUSES = ['collected', 'filed', 'dispatched', 'handled', 'checked', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const CASE_STATUS_NAMES: Record<CaseStatus, { zh: string; en: string }> = {
  collected: { zh: '信息采集（待立案）', en: 'Collected, awaiting filing' },
  filed: { zh: '已立案（待派遣）', en: 'Filed, awaiting dispatch' },
  dispatched: { zh: '已派遣（处置中）', en: 'Dispatched, being handled' },
  handled: { zh: '已处置（待核查）', en: 'Handled, awaiting check' },
  checked: { zh: '已核查（待结案）', en: 'Checked, awaiting closure' },
  closed: { zh: '已结案', en: 'Closed' },
};

export const CASE_ACTIONS = ['file', 'dispatch', 'handle', 'check', 'send-back', 'close'] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

export const CASE_ACTION_NAMES: Record<CaseAction, { zh: string; en: string }> = {
  file: { zh: '立案', en: 'File' },
  dispatch: { zh: '派遣', en: 'Dispatch' },
  handle: { zh: '处置反馈', en: 'Report handled' },
  check: { zh: '核查通过', en: 'Check passed' },
  'send-back': { zh: '返工', en: 'Send back' },
  close: { zh: '结案', en: 'Close' },
};

/** Which action moves a case from which status to which. The only step back is send-back. */
export const CASE_TRANSITIONS: Record<CaseAction, { from: CaseStatus; to: CaseStatus }> = {
  file: { from: 'collected', to: 'filed' },
  dispatch: { from: 'filed', to: 'dispatched' },
  handle: { from: 'dispatched', to: 'handled' },
  check: { from: 'handled', to: 'checked' },
  'send-back': { from: 'handled', to: 'dispatched' },
  close: { from: 'checked', to: 'closed' },
};

export function isCaseStatus(value: unknown): value is CaseStatus {
  return typeof value === 'string' && (CASE_STATUSES as readonly string[]).includes(value);
}

export function isCaseAction(value: unknown): value is CaseAction {
  return typeof value === 'string' && (CASE_ACTIONS as readonly string[]).includes(value);
}

/** The actions a case in this status allows, in workflow order. */
export function allowedCaseActions(status: CaseStatus): CaseAction[] {
  return CASE_ACTIONS.filter((action) => CASE_TRANSITIONS[action].from === status);
}

/** The status an action leads to, or why it cannot be taken (with the actions that can). */
export function applyCaseAction(status: CaseStatus, action: CaseAction): { status: CaseStatus } | { error: string; allowed: CaseAction[] } {
  const transition = CASE_TRANSITIONS[action];
  if (transition.from === status) return { status: transition.to };
  const allowed = allowedCaseActions(status);
  return {
    error: `cannot ${action} a case that is ${status} (${action} is allowed from ${transition.from}); allowed actions: ${allowed.length ? allowed.join(', ') : 'none (the case is closed)'}`,
    allowed,
  };
}

/** Open cases: anything not closed. */
export const OPEN_CASE_STATUSES: readonly CaseStatus[] = CASE_STATUSES.filter((s) => s !== 'closed');

/** Where a case came from. */
export const CASE_SOURCES = ['grid-worker', 'hotline-12345', 'monitoring'] as const;
export type CaseSource = (typeof CASE_SOURCES)[number];

export const CASE_SOURCE_NAMES: Record<CaseSource, { zh: string; en: string }> = {
  'grid-worker': { zh: '网格员上报', en: "Grid worker's report" },
  'hotline-12345': { zh: '12345热线', en: 'Citizen hotline 12345' },
  monitoring: { zh: '监测预警', en: 'Lifeline monitoring incident' },
};
