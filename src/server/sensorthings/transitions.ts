/** An incident's transitions as the API sends them: its own module, so the read workers load little. */
import type { Database } from 'better-sqlite3';
import type { IncidentStatus, IncidentTransition } from '../../domain/monitoring/incidents.ts';
import type { WarningLevel } from '../../domain/monitoring/warning.ts';
import { prepared } from './statements.ts';

/** An incident's transitions, oldest first (also read by the read workers, on their own connection). */
export function readTransitions(db: Database, id: number): IncidentTransition[] {
  return (prepared(db, 'SELECT kind, status, level, actor, at, note, unit FROM incident_events WHERE incident_id = ? ORDER BY id').all(id) as { kind: IncidentTransition['kind']; status: IncidentStatus; level: WarningLevel; actor: string; at: number; note: string | null; unit: string | null }[]).map((e) => ({
    kind: e.kind,
    status: e.status,
    level: e.level,
    by: e.actor,
    at: new Date(e.at).toISOString(),
    ...(e.note ? { note: e.note } : {}),
    ...(e.unit ? { unit: e.unit } : {}),
  }));
}
