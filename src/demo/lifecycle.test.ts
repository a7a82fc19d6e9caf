import { describe, expect, test } from 'vitest';
import { lifecycleProblems, standingAsOf } from '../domain/lifecycle/lifecycle.ts';
import { generateDistrict } from './district.ts';
import { generateLifecycles } from './lifecycle.ts';

describe('demo lifecycle records', () => {
  const district = generateDistrict();
  const records = generateLifecycles(district);

  test('one consistent record per building', () => {
    expect(records).toHaveLength(district.buildings.length);
    const problems = records.flatMap((r) => lifecycleProblems(r).map((p) => `${r.buildingId}: ${p}`));
    expect(problems).toEqual([]);
  });

  test('about 5 % planned, some under construction, some renovated, a few demolished', () => {
    const today = '2026-11-25';
    const count = (standing: string) => records.filter((r) => standingAsOf(r, today) === standing).length;
    const share = (n: number) => n / records.length;
    expect(share(count('planned'))).toBeGreaterThan(0.035);
    expect(share(count('planned'))).toBeLessThan(0.065);
    expect(count('under-construction')).toBeGreaterThan(50);
    expect(count('demolished')).toBeGreaterThan(5);
    expect(records.filter((r) => r.stages.some((s) => s.stage === 'renovation')).length).toBeGreaterThan(20);
  });

  test('is the same every time', () => {
    expect(JSON.stringify(generateLifecycles(district).slice(0, 50))).toBe(JSON.stringify(records.slice(0, 50)));
  });
});
