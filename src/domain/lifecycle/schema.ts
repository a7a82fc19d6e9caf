/**
 * The lifecycle record as it arrives from an import or an API write, checked with zod, then
 * with the ordering rules of `lifecycleProblems`. Messages name the record and the field.
 */
import { z } from 'zod';
import { LIFECYCLE_STAGES, PARTY_ROLES, isCalendarDate, lifecycleProblems, type BuildingLifecycle } from './lifecycle.ts';

const date = z.string().refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD');

export const lifecycleSchema = z.object({
  buildingId: z.string().min(1).max(100),
  stages: z.array(z.object({
    stage: z.enum(LIFECYCLE_STAGES),
    date,
    documentNumber: z.string().max(200).optional(),
    authority: z.string().max(200).optional(),
    attachments: z.array(z.object({ name: z.string().max(200), url: z.string().max(2000) }).strict()).max(50).optional(),
    note: z.string().max(2000).optional(),
  }).strict()).max(100),
  parties: z.array(z.object({ role: z.enum(PARTY_ROLES), name: z.string().min(1).max(200), creditCode: z.string() }).strict()).max(20),
  inspections: z.array(z.object({ date, result: z.enum(['pass', 'rectify', 'fail']), inspector: z.string().min(1).max(200), note: z.string().max(2000).optional() }).strict()).max(500),
}).strict();

/** A checked record, or the problems in words (each prefixed with `where`). */
export function parseLifecycle(value: unknown, where: string): { record: BuildingLifecycle } | { problems: string[] } {
  const parsed = lifecycleSchema.safeParse(value);
  if (!parsed.success) return { problems: parsed.error.issues.slice(0, 5).map((i) => `${where}: ${i.path.join('.') || 'record'}: ${i.message}`) };
  const problems = lifecycleProblems(parsed.data);
  return problems.length ? { problems: problems.map((p) => `${where}: ${p}`) } : { record: parsed.data };
}
