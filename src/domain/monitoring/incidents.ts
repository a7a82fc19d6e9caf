/**
 * Incidents (事件) of city lifeline monitoring and their lifecycle. The lifecycle follows the
 * Hefei chain of work (识别—监测—预警—联动, ../shared/DOMAIN.md) cut to five states:
 * raised → acknowledged → dispatched → resolved → archived.
 */
import type { WarningLevel } from './warning.ts';

export const INCIDENT_TYPES = ['gas-leak', 'methane-over-limit', 'water-main-burst', 'waterlogging', 'road-subsidence', 'building-tilt'] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

export function isIncidentType(value: unknown): value is IncidentType {
  return typeof value === 'string' && (INCIDENT_TYPES as readonly string[]).includes(value);
}

export const INCIDENT_TYPE_NAMES: Record<IncidentType, { zh: string; en: string }> = {
  'gas-leak': { zh: '燃气泄漏', en: 'Gas leak' },
  'methane-over-limit': { zh: '窨井/相邻地下空间甲烷超限', en: 'Methane over limit (manhole or adjacent space)' },
  'water-main-burst': { zh: '供水管网漏损/爆管', en: 'Water-main leak or burst' },
  waterlogging: { zh: '排水溢流/内涝', en: 'Drainage overflow or waterlogging' },
  'road-subsidence': { zh: '道路塌陷/沉降', en: 'Road subsidence' },
  'building-tilt': { zh: '房屋倾斜/沉降', en: 'Building tilt or settlement' },
};

export const INCIDENT_STATUSES = ['raised', 'acknowledged', 'dispatched', 'resolved', 'archived'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const INCIDENT_STATUS_NAMES: Record<IncidentStatus, { zh: string; en: string }> = {
  raised: { zh: '已报警', en: 'Raised' },
  acknowledged: { zh: '已确认', en: 'Acknowledged' },
  dispatched: { zh: '已派遣', en: 'Dispatched' },
  resolved: { zh: '已处置', en: 'Resolved' },
  archived: { zh: '已归档', en: 'Archived' },
};

export type IncidentAction = 'acknowledge' | 'dispatch' | 'resolve' | 'archive';

/**
 * Which action moves an incident from which status. A false alarm may be resolved straight
 * after acknowledgement; nothing goes backwards, and nothing skips acknowledgement.
 */
export const INCIDENT_TRANSITIONS: Record<IncidentAction, { from: readonly IncidentStatus[]; to: IncidentStatus }> = {
  acknowledge: { from: ['raised'], to: 'acknowledged' },
  dispatch: { from: ['acknowledged'], to: 'dispatched' },
  resolve: { from: ['acknowledged', 'dispatched'], to: 'resolved' },
  archive: { from: ['resolved'], to: 'archived' },
};

/** The status an action leads to, or a message saying why it cannot be taken. */
export function applyIncidentAction(status: IncidentStatus, action: IncidentAction): { status: IncidentStatus } | { error: string } {
  const transition = INCIDENT_TRANSITIONS[action];
  if (!transition.from.includes(status)) return { error: `cannot ${action} an incident that is ${status} (allowed from ${transition.from.join(', ')})` };
  return { status: transition.to };
}

/** Incidents still needing someone: anything not resolved or archived. */
export function isOpenStatus(status: IncidentStatus): boolean {
  return status === 'raised' || status === 'acknowledged' || status === 'dispatched';
}

/**
 * Entries of the emergency log that do not move the status (双指挥, emergency mode): a linked
 * unit called (notify) or on site (arrive), and a free note. Rules: src/domain/emergency/linkage.ts.
 */
export type IncidentLogAction = 'notify' | 'arrive' | 'note';
export const INCIDENT_LOG_ACTIONS: readonly IncidentLogAction[] = ['notify', 'arrive', 'note'];

export interface IncidentTransition {
  /** Lifecycle actions, log entries, and the automatic level changes and alarm clearing. */
  kind: IncidentAction | IncidentLogAction | 'raised' | 'escalated' | 'de-escalated' | 'cleared' | 'asset-added';
  status: IncidentStatus;
  level: WarningLevel;
  /** Who: a person for actions, "system" for automatic changes. */
  by: string;
  /** ISO 8601. */
  at: string;
  note?: string;
  /** The linked unit of a notify or arrive entry (an id of src/domain/emergency/linkage-rules.json). */
  unit?: string;
}

export interface Incident {
  id: string;
  type: IncidentType;
  level: WarningLevel;
  status: IncidentStatus;
  lonDegrees: number;
  latDegrees: number;
  /** Assets involved: buildings, pipe segments, manholes … (one ID per asset, ARCHITECTURE.md). */
  assetIds: string[];
  /** Observation IDs that raised or escalated it. */
  observationIds: number[];
  /** Whether any of its sensors is still over a threshold. */
  alarmActive: boolean;
  raisedAt: string;
  updatedAt: string;
  transitions: IncidentTransition[];
}

/** Order for lists: most serious level first, then newest. */
export function compareIncidents(a: Pick<Incident, 'level' | 'raisedAt'>, b: Pick<Incident, 'level' | 'raisedAt'>): number {
  return a.level - b.level || (a.raisedAt < b.raisedAt ? 1 : a.raisedAt > b.raisedAt ? -1 : 0);
}
