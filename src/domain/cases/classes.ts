/**
 * The classes of cases: city management components (管理部件) and events (管理事件) with their
 * codes and handling limits, from case-classes.json (after CJ/T 214 / GB/T 30428.2; every code
 * there is marked assumed until checked against the standard).
 */
import data from './case-classes.json';
import type { HandlingLimit } from './deadlines.ts';

export type CaseClassKind = 'component' | 'event';

export interface CaseClass {
  /** kind:code, e.g. "component:0101" (上水井盖) or "event:0403" (燃气管道破裂). */
  id: string;
  kind: CaseClassKind;
  /** The 4-digit class code (小类): the major class's 2 digits, then 2 of its own. */
  code: string;
  /** The major class (大类) code. */
  major: string;
  zh: string;
  en: string;
  majorZh: string;
  handlingLimit: HandlingLimit;
  urgent: boolean;
  /** Not checked against the standard. */
  assumed: boolean;
}

interface RawClass {
  id: string;
  code: string;
  zh: string;
  en: string;
  handlingLimit: { hours?: number; days?: number };
  urgent: boolean;
  assumed: boolean;
}
interface RawMajor {
  major: string;
  zh: string;
  en: string;
  classes: RawClass[];
}

function limitOf(raw: RawClass): HandlingLimit {
  if (typeof raw.handlingLimit.hours === 'number' && raw.handlingLimit.hours > 0) return { hours: raw.handlingLimit.hours };
  if (typeof raw.handlingLimit.days === 'number' && Number.isInteger(raw.handlingLimit.days) && raw.handlingLimit.days >= 0) return { days: raw.handlingLimit.days };
  throw new Error(`case-classes.json: ${raw.id} has no valid handlingLimit ({"hours": N > 0} or {"days": N ≥ 0})`);
}

/** Read a classes table (the shape of case-classes.json), checking codes and ids. */
export function readCaseClasses(table: { components: RawMajor[]; events: RawMajor[] }): Map<string, CaseClass> {
  const classes = new Map<string, CaseClass>();
  for (const [kind, majors] of [['component', table.components], ['event', table.events]] as const) {
    for (const major of majors) {
      if (!/^\d{2}$/.test(major.major)) throw new Error(`case-classes.json: major class code "${major.major}" is not 2 digits`);
      for (const raw of major.classes) {
        if (!/^\d{4}$/.test(raw.code) || !raw.code.startsWith(major.major)) throw new Error(`case-classes.json: class code "${raw.code}" is not 4 digits starting with its major class ${major.major}`);
        if (raw.id !== `${kind}:${raw.code}`) throw new Error(`case-classes.json: class id "${raw.id}" should be "${kind}:${raw.code}"`);
        if (classes.has(raw.id)) throw new Error(`case-classes.json: class ${raw.id} twice`);
        classes.set(raw.id, { id: raw.id, kind, code: raw.code, major: major.major, zh: raw.zh, en: raw.en, majorZh: major.zh, handlingLimit: limitOf(raw), urgent: raw.urgent, assumed: raw.assumed !== false });
      }
    }
  }
  return classes;
}

export const CASE_CLASSES: ReadonlyMap<string, CaseClass> = readCaseClasses(data as unknown as { components: RawMajor[]; events: RawMajor[] });

export function caseClass(id: string): CaseClass | undefined {
  return CASE_CLASSES.get(id);
}

/** The class a monitoring incident type becomes, when the caller names none. */
export function classForIncidentType(type: string): CaseClass | undefined {
  const map = data.monitoringIncidentClasses as Record<string, string>;
  const id = type !== '$comment' && Object.hasOwn(map, type) ? map[type] : undefined;
  return id === undefined ? undefined : CASE_CLASSES.get(id);
}

/** The major classes and their classes, for pickers and the API. */
export function caseClassTable(): { components: RawMajor[]; events: RawMajor[] } {
  return { components: data.components as unknown as RawMajor[], events: data.events as unknown as RawMajor[] };
}
