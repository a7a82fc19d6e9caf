/**
 * Threshold rules: per ObservedProperty, the value at which each warning level starts, and
 * which incident type a warning raises. Rules live in `threshold-rules.json`; each row cites
 * its source or is marked assumed.
 */
import { z } from 'zod';
import { isIncidentType, type IncidentType } from './incidents.ts';
import type { SensorState, WarningLevel } from './warning.ts';

const levelThresholds = z.object({ '4': z.number(), '3': z.number(), '2': z.number(), '1': z.number() });

export const thresholdRuleSchema = z.object({
  /** The ObservedProperty's name (SensorThings), e.g. "methane". */
  observedProperty: z.string().min(1),
  unit: z.string(),
  /** "above": the level starts at or above its value; "below": at or below it. */
  direction: z.enum(['above', 'below']),
  /** Value at which each level starts: IV first, I last. */
  levels: levelThresholds,
  incidentType: z.string().refine(isIncidentType, 'unknown incident type'),
  /** Other incident types by the asset kind of the Thing (its properties.assetKind). */
  incidentTypeByAssetKind: z.record(z.string(), z.string().refine(isIncidentType, 'unknown incident type')).optional(),
  /** Warnings of the same type within this distance join one incident (a spreading leak is one event). */
  groupingRadiusMetres: z.number().nonnegative(),
  clause: z.string(),
  assumed: z.boolean(),
});

export type ThresholdRule = z.infer<typeof thresholdRuleSchema>;
export const thresholdRulesSchema = z.object({ rules: z.array(thresholdRuleSchema) }).superRefine((value, context) => {
  for (const rule of value.rules) {
    const { levels, direction } = rule;
    const ordered = direction === 'above' ? levels['4'] < levels['3'] && levels['3'] < levels['2'] && levels['2'] < levels['1'] : levels['4'] > levels['3'] && levels['3'] > levels['2'] && levels['2'] > levels['1'];
    if (!ordered) context.addIssue({ code: 'custom', message: `${rule.observedProperty}: levels must get stricter from IV to I (${direction})` });
  }
});

/** The state of one reading under a rule. */
export function evaluateThreshold(rule: Pick<ThresholdRule, 'direction' | 'levels'>, value: number): SensorState {
  if (!Number.isFinite(value)) return 'normal';
  for (const level of [1, 2, 3, 4] as WarningLevel[]) {
    const threshold = rule.levels[String(level) as '1'];
    if (rule.direction === 'above' ? value >= threshold : value <= threshold) return level;
  }
  return 'normal';
}

export function incidentTypeFor(rule: Pick<ThresholdRule, 'incidentType' | 'incidentTypeByAssetKind'>, assetKind: string | undefined): IncidentType {
  return (assetKind !== undefined ? rule.incidentTypeByAssetKind?.[assetKind] : undefined) as IncidentType | undefined ?? (rule.incidentType as IncidentType);
}
