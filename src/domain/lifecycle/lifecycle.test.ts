import { describe, expect, test } from 'vitest';
import { isCalendarDate, isValidCreditCode, lifecycleProblems, stageAsOf, standingAsOf, withCreditCheck, type BuildingLifecycle } from './lifecycle.ts';

const PARTIES = [
  { role: 'construction-unit' as const, name: '佛山市某置业有限公司', creditCode: '9144030071526726XG' },
  { role: 'contractor' as const, name: '广东某建筑工程有限公司', creditCode: '91350100M000100Y43' },
];

function record(stages: [string, string][], extra: Partial<BuildingLifecycle> = {}): BuildingLifecycle {
  return { buildingId: '440604-B-000001', stages: stages.map(([stage, date]) => ({ stage: stage as BuildingLifecycle['stages'][number]['stage'], date })), parties: PARTIES, inspections: [], ...extra };
}

const BUILT = record([
  ['project-approval', '2009-03-02'],
  ['planning-permit', '2009-09-15'],
  ['construction-permit', '2010-01-20'],
  ['completion-acceptance', '2012-06-30'],
  ['operation', '2012-08-01'],
  ['renovation', '2019-05-10'],
]);

describe('validation', () => {
  test('a consistent record has no problems', () => {
    expect(lifecycleProblems(BUILT)).toEqual([]);
  });

  test('a completion acceptance before its construction permit is flagged, naming both dates', () => {
    const problems = lifecycleProblems(record([['construction-permit', '2015-04-01'], ['completion-acceptance', '2014-12-31']]));
    expect(problems).toEqual(['Completion acceptance (2014-12-31) is before Construction permit (2015-04-01)']);
  });

  test.each([
    [record([['planning-permit', '2015-02-30']]), /malformed date "2015-02-30"/],
    [record([['planning-permit', '2015/02/03']]), /malformed date/],
    [record([['groundbreaking' as string, '2015-02-03']]), /unknown stage "groundbreaking"/],
    [record([['construction-permit', '2015-02-03'], ['construction-permit', '2016-02-03']]), /given twice/],
    [record([['demolition', '2020-01-01'], ['renovation', '2021-01-01']]), /Renovation.*before.*Demolition|Demolition.*2020.*Renovation/],
    [record([], { parties: [{ role: 'supervisor', name: '某监理', creditCode: '91350100M000100Y44' }] }), /invalid unified social credit code/],
    [record([['completion-acceptance', '2015-01-01']], { inspections: [{ date: '2014-06-01', result: 'pass', inspector: '区住建局' }] }), /before the completion acceptance/],
  ])('flags %#', (bad, message) => {
    expect(lifecycleProblems(bad).join('\n')).toMatch(message);
  });

  test('calendar dates and credit codes', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isValidCreditCode('91110000802100433B')).toBe(true);
    expect(isValidCreditCode('91110000802100433C')).toBe(false);
    expect(isValidCreditCode(withCreditCheck('91440604MA4W00001'))).toBe(true);
  });
});

describe('as of a date', () => {
  test.each([
    ['2009-03-01', 'not-yet'],
    ['2009-03-02', 'planned'],
    ['2010-01-19', 'planned'],
    ['2010-01-20', 'under-construction'],
    ['2012-06-29', 'under-construction'],
    ['2012-06-30', 'built'],
    ['2030-01-01', 'built'],
  ] as const)('%s → %s (edge dates count from the day itself)', (date, standing) => {
    expect(standingAsOf(BUILT, date)).toBe(standing);
  });

  test('demolished from the day of demolition; a building with no record counts as built', () => {
    const demolished = record([['completion-acceptance', '1995-01-01'], ['demolition', '2021-07-01']]);
    expect(standingAsOf(demolished, '2021-06-30')).toBe('built');
    expect(standingAsOf(demolished, '2021-07-01')).toBe('demolished');
    expect(standingAsOf(undefined, '1900-01-01')).toBe('built');
  });

  test('the stage reached by a date', () => {
    expect(stageAsOf(BUILT, '2011-01-01')).toBe('construction-permit');
    expect(stageAsOf(BUILT, '2020-01-01')).toBe('renovation');
    expect(stageAsOf(BUILT, '2000-01-01')).toBeUndefined();
  });
});
