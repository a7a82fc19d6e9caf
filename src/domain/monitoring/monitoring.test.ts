import { describe, expect, test } from 'vitest';
import rulesFile from './threshold-rules.json';
import { applyIncidentAction, compareIncidents } from './incidents.ts';
import { evaluateThreshold, incidentTypeFor, thresholdRulesSchema } from './thresholds.ts';
import { moreSerious } from './warning.ts';

const rules = thresholdRulesSchema.parse(rulesFile).rules;
const rule = (name: string) => rules.find((r) => r.observedProperty === name)!;

describe('threshold rules', () => {
  test.each([
    ['methane', 4.99, 'normal'],
    ['methane', 5, 4],
    ['methane', 19.9, 3],
    ['methane', 20, 2],
    ['methane', 50, 1],
    ['water-pressure', 0.21, 'normal'],
    ['water-pressure', 0.2, 4],
    ['water-pressure', 0.08, 1],
    ['drainage-level', 100, 1],
    ['settlement', 29.9, 3],
    ['building-tilt', 6.5, 1],
  ] as const)('%s %d → %s (edges belong to the level they start)', (name, value, state) => {
    expect(evaluateThreshold(rule(name), value)).toBe(state);
  });

  test('a reading that is not a number is normal, never an alarm', () => {
    expect(evaluateThreshold(rule('methane'), Number.NaN)).toBe('normal');
  });

  test('rules whose levels do not get stricter are refused', () => {
    const bad = { rules: [{ ...rule('methane'), levels: { '4': 10, '3': 5, '2': 20, '1': 50 } }] };
    expect(() => thresholdRulesSchema.parse(bad)).toThrow(/stricter/);
    expect(() => thresholdRulesSchema.parse({ rules: [{ ...rule('methane'), incidentType: 'alien-invasion' }] })).toThrow(/unknown incident type/);
  });

  test('methane at a gas valve well is a gas leak; in a manhole it is methane over the limit', () => {
    expect(incidentTypeFor(rule('methane'), 'valve')).toBe('gas-leak');
    expect(incidentTypeFor(rule('methane'), 'manhole')).toBe('methane-over-limit');
    expect(incidentTypeFor(rule('methane'), undefined)).toBe('methane-over-limit');
  });
});

describe('incident lifecycle', () => {
  test.each([
    ['raised', 'acknowledge', 'acknowledged'],
    ['acknowledged', 'dispatch', 'dispatched'],
    ['acknowledged', 'resolve', 'resolved'],
    ['dispatched', 'resolve', 'resolved'],
    ['resolved', 'archive', 'archived'],
  ] as const)('%s + %s → %s', (from, action, to) => {
    expect(applyIncidentAction(from, action)).toEqual({ status: to });
  });

  test.each([
    ['raised', 'dispatch'],
    ['raised', 'resolve'],
    ['archived', 'acknowledge'],
    ['dispatched', 'acknowledge'],
  ] as const)('%s + %s is refused with a reason', (from, action) => {
    expect(applyIncidentAction(from, action)).toMatchObject({ error: expect.stringContaining(`cannot ${action}`) });
  });

  test('lists put level I first, then the newest', () => {
    const list = [
      { level: 3 as const, raisedAt: '2026-11-25T10:00:00Z' },
      { level: 1 as const, raisedAt: '2026-11-25T08:00:00Z' },
      { level: 3 as const, raisedAt: '2026-11-25T11:00:00Z' },
    ].sort(compareIncidents);
    expect(list.map((i) => `${i.level}@${i.raisedAt.slice(11, 13)}`)).toEqual(['1@08', '3@11', '3@10']);
    expect(moreSerious('normal', 4)).toBe(4);
    expect(moreSerious(2, 3)).toBe(2);
  });
});
