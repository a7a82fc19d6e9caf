/**
 * Linked units (联动单位) of an incident, for the emergency mode of the dual command (双指挥):
 * which units an incident of a type and level calls, the checklist of who was notified and who
 * is on site (read from the incident's log), and what makes a log entry invalid. Pure; the
 * rules file is data a city replaces with its own plan.
 */
import type { IncidentLogAction, IncidentStatus, IncidentTransition, IncidentType } from '../monitoring/incidents.ts';
import { isOpenStatus } from '../monitoring/incidents.ts';
import type { WarningLevel } from '../monitoring/warning.ts';
import rulesFile from './linkage-rules.json' with { type: 'json' };

export interface LinkageUnit {
  id: string;
  zh: string;
  en: string;
}

export interface LinkageRules {
  units: LinkageUnit[];
  /** Per incident type, the units it calls; `maxLevel`: only at that level or more serious (1 = I). */
  byType: Record<IncidentType, { unit: string; maxLevel?: number }[]>;
}

export const LINKAGE_RULES: LinkageRules = rulesFile as LinkageRules;

/** A unit's name in a language (its id when the rules do not know it). */
export function unitName(id: string, language: 'zh' | 'en', rules: LinkageRules = LINKAGE_RULES): string {
  return rules.units.find((u) => u.id === id)?.[language] ?? id;
}

/** The units an incident of this type calls at this level, in the plan's order. */
export function unitsCalled(type: IncidentType, level: WarningLevel, rules: LinkageRules = LINKAGE_RULES): LinkageUnit[] {
  const byId = new Map(rules.units.map((u) => [u.id, u]));
  return (rules.byType[type] ?? []).filter((r) => r.maxLevel === undefined || level <= r.maxLevel).map((r) => byId.get(r.unit)).filter((u): u is LinkageUnit => u !== undefined);
}

export interface ChecklistItem {
  unit: LinkageUnit;
  /** Called for by the plan at the incident's current level (false: notified anyway, e.g. before a de-escalation). */
  required: boolean;
  notified?: { by: string; at: string };
  arrived?: { by: string; at: string };
}

/**
 * The checklist: every unit the plan calls at the current level, then any other unit already
 * notified, each with when it was notified and when it reported on site.
 */
export function linkageChecklist(incident: { type: IncidentType; level: WarningLevel; transitions?: readonly IncidentTransition[] }, rules: LinkageRules = LINKAGE_RULES): ChecklistItem[] {
  const items = new Map<string, ChecklistItem>(unitsCalled(incident.type, incident.level, rules).map((unit) => [unit.id, { unit, required: true }]));
  const byId = new Map(rules.units.map((u) => [u.id, u]));
  for (const t of incident.transitions ?? []) {
    if ((t.kind !== 'notify' && t.kind !== 'arrive') || !t.unit) continue;
    let item = items.get(t.unit);
    if (!item) items.set(t.unit, (item = { unit: byId.get(t.unit) ?? { id: t.unit, zh: t.unit, en: t.unit }, required: false }));
    const entry = { by: t.by, at: t.at };
    if (t.kind === 'notify') item.notified ??= entry;
    else item.arrived ??= entry;
  }
  return [...items.values()];
}

/** Counts for a header: units called, notified and on site. */
export function checklistProgress(items: readonly ChecklistItem[]): { required: number; notified: number; arrived: number } {
  const required = items.filter((i) => i.required);
  return { required: required.length, notified: required.filter((i) => i.notified).length, arrived: required.filter((i) => i.arrived).length };
}

/**
 * Why a log entry cannot be written, or undefined when it can:
 *  - notify and arrive only while the incident is open, for a unit of the plan's list, once each;
 *  - a unit reports on site only after it was notified;
 *  - a note needs text, and an archived incident takes no more entries.
 */
export function logEntryProblem(
  incident: { status: IncidentStatus; transitions?: readonly IncidentTransition[] },
  action: IncidentLogAction,
  entry: { unit?: string; note?: string },
  rules: LinkageRules = LINKAGE_RULES,
): string | undefined {
  if (action === 'note') {
    if (incident.status === 'archived') return 'an archived incident takes no more log entries';
    if (!entry.note?.trim()) return 'a note needs text';
    return undefined;
  }
  if (!isOpenStatus(incident.status)) return `cannot ${action} a unit for an incident that is ${incident.status}`;
  if (!entry.unit) return `${action} needs a unit`;
  if (!rules.units.some((u) => u.id === entry.unit)) return `unknown unit "${entry.unit}" (known: ${rules.units.map((u) => u.id).join(', ')})`;
  const done = (kind: 'notify' | 'arrive') => (incident.transitions ?? []).some((t) => t.kind === kind && t.unit === entry.unit);
  if (action === 'notify' && done('notify')) return `${entry.unit} was already notified`;
  if (action === 'arrive') {
    if (!done('notify')) return `${entry.unit} has not been notified`;
    if (done('arrive')) return `${entry.unit} is already on site`;
  }
  return undefined;
}
