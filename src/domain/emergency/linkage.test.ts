import { describe, expect, test } from 'vitest';
import type { IncidentTransition } from '../monitoring/incidents.ts';
import { checklistProgress, linkageChecklist, logEntryProblem, unitsCalled, type LinkageRules } from './linkage.ts';

const RULES: LinkageRules = {
  units: [
    { id: 'gas', zh: '燃气', en: 'Gas' },
    { id: 'fire', zh: '消防', en: 'Fire' },
    { id: 'ems', zh: '应急', en: 'EMS' },
  ],
  byType: {
    'gas-leak': [{ unit: 'gas' }, { unit: 'fire', maxLevel: 2 }, { unit: 'ems', maxLevel: 1 }],
    'methane-over-limit': [],
    'water-main-burst': [],
    waterlogging: [],
    'road-subsidence': [],
    'building-tilt': [],
  },
};

const entry = (kind: IncidentTransition['kind'], unit: string | undefined, at: string, by = '张工'): IncidentTransition => ({ kind, status: 'acknowledged', level: 2, by, at, ...(unit ? { unit } : {}) });

describe('linked units', () => {
  test('the plan calls more units as the level rises (I is the most serious)', () => {
    expect(unitsCalled('gas-leak', 4, RULES).map((u) => u.id)).toEqual(['gas']);
    expect(unitsCalled('gas-leak', 2, RULES).map((u) => u.id)).toEqual(['gas', 'fire']);
    expect(unitsCalled('gas-leak', 1, RULES).map((u) => u.id)).toEqual(['gas', 'fire', 'ems']);
  });

  test('the checklist reads who was notified and who is on site from the log; a unit notified before a de-escalation stays listed, as not required', () => {
    const transitions = [entry('notify', 'gas', '2026-11-25T01:00:00Z'), entry('notify', 'fire', '2026-11-25T01:01:00Z'), entry('arrive', 'gas', '2026-11-25T01:20:00Z', '王工'), entry('note', undefined, '2026-11-25T01:21:00Z')];
    const items = linkageChecklist({ type: 'gas-leak', level: 3, transitions }, RULES);
    expect(items.map((i) => [i.unit.id, i.required, i.notified?.at, i.arrived?.by])).toEqual([
      ['gas', true, '2026-11-25T01:00:00Z', '王工'],
      ['fire', false, '2026-11-25T01:01:00Z', undefined],
    ]);
    expect(checklistProgress(items)).toEqual({ required: 1, notified: 1, arrived: 1 });
    const atOne = linkageChecklist({ type: 'gas-leak', level: 1, transitions }, RULES);
    expect(checklistProgress(atOne)).toEqual({ required: 3, notified: 2, arrived: 1 });
  });

  test('log entries that cannot be written, each with its reason', () => {
    const open = { status: 'acknowledged' as const, transitions: [entry('notify', 'gas', '2026-11-25T01:00:00Z')] };
    expect(logEntryProblem(open, 'notify', { unit: 'fire' }, RULES)).toBeUndefined();
    expect(logEntryProblem(open, 'notify', { unit: 'gas' }, RULES)).toMatch(/already notified/);
    expect(logEntryProblem(open, 'notify', { unit: 'police' }, RULES)).toMatch(/unknown unit "police"/);
    expect(logEntryProblem(open, 'notify', {}, RULES)).toMatch(/needs a unit/);
    expect(logEntryProblem(open, 'arrive', { unit: 'fire' }, RULES)).toMatch(/has not been notified/);
    expect(logEntryProblem(open, 'arrive', { unit: 'gas' }, RULES)).toBeUndefined();
    expect(logEntryProblem({ ...open, transitions: [...open.transitions, entry('arrive', 'gas', '2026-11-25T01:10:00Z')] }, 'arrive', { unit: 'gas' }, RULES)).toMatch(/already on site/);
    expect(logEntryProblem({ ...open, status: 'resolved' }, 'notify', { unit: 'fire' }, RULES)).toMatch(/resolved/);
    expect(logEntryProblem(open, 'note', { note: '  ' }, RULES)).toMatch(/needs text/);
    expect(logEntryProblem({ ...open, status: 'resolved' }, 'note', { note: '现场恢复' }, RULES)).toBeUndefined();
    expect(logEntryProblem({ ...open, status: 'archived' }, 'note', { note: '补记' }, RULES)).toMatch(/archived/);
  });

  test('the bundled rules name only known units, for every incident type', async () => {
    const { LINKAGE_RULES } = await import('./linkage.ts');
    const known = new Set(LINKAGE_RULES.units.map((u) => u.id));
    for (const [type, rows] of Object.entries(LINKAGE_RULES.byType)) {
      expect(rows.length, type).toBeGreaterThan(0);
      for (const row of rows) expect(known.has(row.unit), `${type}: ${row.unit}`).toBe(true);
    }
  });
});
