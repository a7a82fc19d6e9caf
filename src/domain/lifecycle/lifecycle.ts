/**
 * The construction lifecycle of a building (建设工程全生命周期, ../shared/DOMAIN.md): stages with
 * their dates, document numbers and issuing authorities, the responsible parties with their
 * unified social credit codes, and the safety inspections of its operation. Pure; no engine,
 * UI or Node imports. Dates are calendar dates (YYYY-MM-DD, China Standard Time).
 */

export const LIFECYCLE_STAGES = ['project-approval', 'planning-permit', 'construction-permit', 'completion-acceptance', 'operation', 'renovation', 'demolition'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export const LIFECYCLE_STAGE_NAMES: Record<LifecycleStage, { zh: string; en: string }> = {
  'project-approval': { zh: '立项', en: 'Project approval' },
  'planning-permit': { zh: '建设工程规划许可', en: 'Planning permit' },
  'construction-permit': { zh: '施工许可', en: 'Construction permit' },
  'completion-acceptance': { zh: '竣工验收', en: 'Completion acceptance' },
  operation: { zh: '运营', en: 'Operation' },
  renovation: { zh: '改造', en: 'Renovation' },
  demolition: { zh: '拆除', en: 'Demolition' },
};

export const PARTY_ROLES = ['construction-unit', 'design-unit', 'contractor', 'supervisor'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];

export const PARTY_ROLE_NAMES: Record<PartyRole, { zh: string; en: string }> = {
  'construction-unit': { zh: '建设单位', en: 'Construction unit (client)' },
  'design-unit': { zh: '设计单位', en: 'Design unit' },
  contractor: { zh: '施工单位', en: 'Contractor' },
  supervisor: { zh: '监理单位', en: 'Supervisor' },
};

export interface Attachment {
  name: string;
  url: string;
}

export interface StageRecord {
  stage: LifecycleStage;
  /** YYYY-MM-DD. */
  date: string;
  documentNumber?: string;
  authority?: string;
  attachments?: Attachment[];
  note?: string;
}

export interface Party {
  role: PartyRole;
  name: string;
  /** 统一社会信用代码 (GB 32100-2015), 18 characters with a check character. */
  creditCode: string;
}

export type InspectionResult = 'pass' | 'rectify' | 'fail';

export interface Inspection {
  date: string;
  result: InspectionResult;
  inspector: string;
  note?: string;
}

export interface BuildingLifecycle {
  buildingId: string;
  /** In the order they happened; renovation may occur several times. */
  stages: StageRecord[];
  parties: Party[];
  inspections: Inspection[];
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a text is a real calendar date (YYYY-MM-DD). */
export function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const CREDIT_CODE_CHARACTERS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character of a unified social credit code is right (GB 32100-2015 §4 and Annex). */
export function isValidCreditCode(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CREDIT_CODE_CHARACTERS.indexOf(code[i]!) * CREDIT_CODE_WEIGHTS[i]!;
  const check = (31 - (sum % 31)) % 31;
  return CREDIT_CODE_CHARACTERS[check] === code[17];
}

/** Complete a 17-character code body with its check character (for generated demo codes). */
export function withCreditCheck(body17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CREDIT_CODE_CHARACTERS.indexOf(body17[i]!) * CREDIT_CODE_WEIGHTS[i]!;
  return body17 + CREDIT_CODE_CHARACTERS[(31 - (sum % 31)) % 31]!;
}

const ORDER: Record<LifecycleStage, number> = Object.fromEntries(LIFECYCLE_STAGES.map((s, i) => [s, i])) as Record<LifecycleStage, number>;

/**
 * What is wrong with a record, in words (empty when it is consistent):
 *  - malformed or impossible dates, and bad credit codes;
 *  - stages out of their order (a completion acceptance before its construction permit);
 *  - anything after a demolition, a stage given twice (except renovations), inspections before completion.
 */
export function lifecycleProblems(record: BuildingLifecycle): string[] {
  const problems: string[] = [];
  const where = (i: number, s: StageRecord) => `stage ${i} (${s.stage})`;
  for (const [i, stage] of record.stages.entries()) {
    if (!(LIFECYCLE_STAGES as readonly string[]).includes(stage.stage)) problems.push(`stage ${i}: unknown stage ${JSON.stringify(stage.stage)}`);
    else if (!isCalendarDate(stage.date)) problems.push(`${where(i, stage)}: malformed date ${JSON.stringify(stage.date)} (YYYY-MM-DD)`);
  }
  const seen = new Set<LifecycleStage>();
  for (const stage of record.stages) {
    if (stage.stage !== 'renovation' && seen.has(stage.stage)) problems.push(`${stage.stage} is given twice`);
    seen.add(stage.stage);
  }
  const dated = record.stages.filter((s) => (LIFECYCLE_STAGES as readonly string[]).includes(s.stage) && isCalendarDate(s.date));
  for (let i = 0; i < dated.length; i++) {
    for (let j = 0; j < dated.length; j++) {
      const [a, b] = [dated[i]!, dated[j]!];
      if (ORDER[a.stage] < ORDER[b.stage] && a.date > b.date) {
        problems.push(`${LIFECYCLE_STAGE_NAMES[b.stage].en} (${b.date}) is before ${LIFECYCLE_STAGE_NAMES[a.stage].en} (${a.date})`);
      }
    }
  }
  for (const [i, party] of record.parties.entries()) {
    if (!(PARTY_ROLES as readonly string[]).includes(party.role)) problems.push(`party ${i}: unknown role ${JSON.stringify(party.role)}`);
    if (!isValidCreditCode(party.creditCode)) problems.push(`party ${i} (${party.name}): invalid unified social credit code ${JSON.stringify(party.creditCode)}`);
  }
  const completion = record.stages.find((s) => s.stage === 'completion-acceptance')?.date;
  for (const [i, inspection] of record.inspections.entries()) {
    if (!isCalendarDate(inspection.date)) problems.push(`inspection ${i}: malformed date ${JSON.stringify(inspection.date)}`);
    else if (completion && inspection.date < completion) problems.push(`inspection ${i} (${inspection.date}) is before the completion acceptance (${completion})`);
  }
  return problems;
}

/** How a building stands on a date, for the 4D view. */
export type StandingAsOf = 'not-yet' | 'planned' | 'under-construction' | 'built' | 'demolished';

/**
 * The "as of date" rule:
 *  - demolished on or after its demolition date;
 *  - built from its completion acceptance (inclusive);
 *  - under construction from its construction permit;
 *  - planned from its project approval or planning permit (ghosted in the 4D view);
 *  - before any of these, not yet there.
 * A building with no record at all is taken as built (the base shows what was surveyed).
 */
export function standingAsOf(record: Pick<BuildingLifecycle, 'stages'> | undefined, date: string): StandingAsOf {
  if (!record || record.stages.length === 0) return 'built';
  const on = (stage: LifecycleStage) => record.stages.find((s) => s.stage === stage)?.date;
  const demolition = on('demolition');
  if (demolition && date >= demolition) return 'demolished';
  const completion = on('completion-acceptance');
  if (completion && date >= completion) return 'built';
  const permit = on('construction-permit');
  if (permit && date >= permit) return 'under-construction';
  const planned = [on('project-approval'), on('planning-permit')].filter((d): d is string => d !== undefined).sort()[0];
  if (planned && date >= planned) return 'planned';
  return 'not-yet';
}

/** The latest stage reached by a date (undefined before the first). */
export function stageAsOf(record: Pick<BuildingLifecycle, 'stages'>, date: string): LifecycleStage | undefined {
  let latest: StageRecord | undefined;
  for (const stage of record.stages) if (stage.date <= date && (!latest || stage.date >= latest.date)) latest = stage;
  return latest?.stage;
}

/** The stage a record has reached: its latest stage (what the tiles carry for styling). */
export function currentStage(record: Pick<BuildingLifecycle, 'stages'>): LifecycleStage | undefined {
  return stageAsOf(record, '9999-12-31');
}
