/**
 * Lifecycle records from a table (CSV as city archives (城建档案) export them): one row per
 * stage, party or inspection, grouped by building. Pure: the caller parses the CSV text into
 * rows (the server uses @loaders.gl/csv), this turns rows into records and names the row at
 * fault. The records are then checked like any other import (schema.ts).
 *
 *   buildingId,kind,type,date,number,authority,name,creditCode,result,note
 *   440604-B-000001,stage,竣工验收,2005-06-30,禅建竣备〔2005〕001号,佛山市禅城区住房城乡建设和水务局,,,,
 *   440604-B-000001,party,施工单位,,,,广东省第四建筑工程有限公司,91440000190321596N,,
 *   440604-B-000001,inspection,,2015-04-02,,,禅城区房屋安全鉴定所,,合格,房屋安全定期检查
 *
 * `type` is the stage (立项 … 拆除, or its identifier) or the party role (建设单位 …); inspection
 * results are 合格 / 限期整改 / 不合格 or pass / rectify / fail.
 */
import { isCalendarDate, LIFECYCLE_STAGE_NAMES, LIFECYCLE_STAGES, PARTY_ROLE_NAMES, PARTY_ROLES, type BuildingLifecycle, type InspectionResult, type LifecycleStage, type PartyRole } from './lifecycle.ts';

export const LIFECYCLE_CSV_COLUMNS = ['buildingId', 'kind', 'type', 'date', 'number', 'authority', 'name', 'creditCode', 'result', 'note'] as const;

const RESULTS: Record<string, InspectionResult> = { pass: 'pass', rectify: 'rectify', fail: 'fail', 合格: 'pass', 限期整改: 'rectify', 整改: 'rectify', 不合格: 'fail' };

function lookup<T extends string>(identifiers: readonly T[], names: Record<T, { zh: string; en: string }>, text: string): T | undefined {
  const wanted = text.trim();
  return identifiers.find((id) => id === wanted || names[id].zh === wanted || names[id].en.toLowerCase() === wanted.toLowerCase());
}

export class LifecycleCsvError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'LifecycleCsvError';
  }
}

/**
 * Group rows into one record per building, in the order buildings first appear. Row numbers in
 * messages count the header as row 1, as a spreadsheet shows them. Throws LifecycleCsvError
 * listing every row at fault (up to 20).
 */
export function lifecycleRecordsFromRows(rows: readonly Record<string, unknown>[], columns: readonly string[]): BuildingLifecycle[] {
  const problems: string[] = [];
  for (const required of ['buildingId', 'kind']) if (!columns.includes(required)) problems.push(`missing column "${required}" (expected ${LIFECYCLE_CSV_COLUMNS.join(',')})`);
  if (problems.length) throw new LifecycleCsvError(problems);
  const records = new Map<string, BuildingLifecycle>();
  rows.forEach((row, index) => {
    const where = `row ${index + 2}`;
    const cell = (name: string) => (row[name] === undefined || row[name] === null ? '' : String(row[name]).trim());
    const optional = (name: string) => cell(name) || undefined;
    const buildingId = cell('buildingId');
    if (!buildingId) return problems.push(`${where}: buildingId is empty`);
    let record = records.get(buildingId);
    if (!record) records.set(buildingId, (record = { buildingId, stages: [], parties: [], inspections: [] }));
    const kind = cell('kind');
    const date = cell('date');
    if ((kind === 'stage' || kind === 'inspection') && !isCalendarDate(date)) return problems.push(`${where}: date "${date}" is not a calendar date YYYY-MM-DD`);
    if (kind === 'stage') {
      const stage: LifecycleStage | undefined = lookup(LIFECYCLE_STAGES, LIFECYCLE_STAGE_NAMES, cell('type'));
      if (!stage) return problems.push(`${where}: unknown stage "${cell('type')}" (expected one of ${LIFECYCLE_STAGES.map((s) => LIFECYCLE_STAGE_NAMES[s].zh).join('、')})`);
      const entry = { stage, date, documentNumber: optional('number'), authority: optional('authority'), note: optional('note') };
      record.stages.push(Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as typeof entry);
    } else if (kind === 'party') {
      const role: PartyRole | undefined = lookup(PARTY_ROLES, PARTY_ROLE_NAMES, cell('type'));
      if (!role) return problems.push(`${where}: unknown party role "${cell('type')}" (expected one of ${PARTY_ROLES.map((r) => PARTY_ROLE_NAMES[r].zh).join('、')})`);
      record.parties.push({ role, name: cell('name'), creditCode: cell('creditCode') });
    } else if (kind === 'inspection') {
      const result = RESULTS[cell('result')];
      if (!result) return problems.push(`${where}: unknown inspection result "${cell('result')}" (expected 合格, 限期整改 or 不合格)`);
      const note = optional('note');
      record.inspections.push(note === undefined ? { date, result, inspector: cell('name') } : { date, result, inspector: cell('name'), note });
    } else {
      return problems.push(`${where}: kind must be stage, party or inspection, not "${kind}"`);
    }
    return undefined;
  });
  if (problems.length) throw new LifecycleCsvError(problems.slice(0, 20));
  // Stages in date order (a table may list them in any order); renovations keep theirs.
  for (const record of records.values()) record.stages.sort((a, b) => a.date.localeCompare(b.date) || LIFECYCLE_STAGES.indexOf(a.stage) - LIFECYCLE_STAGES.indexOf(b.stage));
  return [...records.values()];
}
