/**
 * Threshold rules turned into incidents, inside the observation write's transaction.
 *  - A reading over a threshold raises an incident of the rule's type, or joins an open one of
 *    the same type within the rule's grouping radius (a leak spreading to the next manholes is
 *    one incident with several assets).
 *  - An incident's level is the most serious current state of its sensors: it escalates and
 *    de-escalates with them. When all are back to normal its alarm is cleared, but it stays open
 *    until a person resolves it.
 *  - Actions (acknowledge, dispatch, resolve, archive) are recorded with who and when, and so
 *    are the emergency log's entries (a linked unit notified or on site, a note), which leave the
 *    status as it is.
 */
import type { Database, Statement } from 'better-sqlite3';
import { applyIncidentAction, isOpenStatus, type IncidentAction, type IncidentLogAction, type IncidentStatus, type IncidentTransition, type IncidentType } from '../../domain/monitoring/incidents.ts';
import { evaluateThreshold, incidentTypeFor, type ThresholdRule } from '../../domain/monitoring/thresholds.ts';
import type { SensorState, WarningLevel } from '../../domain/monitoring/warning.ts';
import type { DatastreamInfo } from './database.ts';
import type { IncidentDocument } from '../../domain/monitoring/api.ts';
import { pathLengthMetres } from '../../domain/geometry.ts';
import { logEntryProblem } from '../../domain/emergency/linkage.ts';
import { readTransitions } from './transitions.ts';
import { prepared } from './statements.ts';

/** An incident as the API sends it, with its transitions. */
export type IncidentJson = IncidentDocument & { transitions: IncidentTransition[] };

/** Which incident a write changed, and its newest event. */
export interface IncidentChangeRef {
  incidentId: number;
  eventId: number;
}

/** One incident's newest state after a write, with the id of its newest event (for the stream). */
export interface IncidentChange {
  incidentId: number;
  eventId: number;
  incident: IncidentJson;
}

interface IncidentRow {
  id: number;
  type: IncidentType;
  level: WarningLevel;
  status: IncidentStatus;
  lon: number;
  lat: number;
  asset_ids: string;
  alarm_active: number;
  raised_at: number;
  updated_at: number;
}

function distanceMetres(lon1: number, lat1: number, lon2: number, lat2: number): number {
  return pathLengthMetres([[lon1, lat1], [lon2, lat2]]);
}

const stateToNumber = (state: SensorState) => (state === 'normal' ? 0 : state);

export class IncidentEngine {
  private readonly rules = new Map<string, ThresholdRule>();
  /** Datastreams that are sources of open incidents: only these need a look-up on a normal reading. */
  private readonly openSources = new Set<number>();
  private readonly s: Record<'openSourceOf' | 'openOfType' | 'insertIncident' | 'updateIncident' | 'upsertSource' | 'sourceStates' | 'linkObservation' | 'insertEvent' | 'incident' | 'allOpenSources' | 'latestEvent', Statement>;

  constructor(private readonly db: Database, rules: ThresholdRule[]) {
    for (const rule of rules) this.rules.set(rule.observedProperty, rule);
    this.s = {
      openSourceOf: db.prepare(`SELECT i.id, s.state FROM incident_sources s JOIN incidents i ON i.id = s.incident_id WHERE s.datastream_id = ? AND i.status IN ('raised', 'acknowledged', 'dispatched') ORDER BY i.id DESC LIMIT 1`),
      openOfType: db.prepare(`SELECT * FROM incidents WHERE type = ? AND status IN ('raised', 'acknowledged', 'dispatched')`),
      insertIncident: db.prepare('INSERT INTO incidents (type, level, status, lon, lat, asset_ids, alarm_active, raised_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)'),
      updateIncident: db.prepare('UPDATE incidents SET level = ?, status = ?, asset_ids = ?, alarm_active = ?, updated_at = ? WHERE id = ?'),
      upsertSource: db.prepare('INSERT INTO incident_sources (incident_id, datastream_id, state) VALUES (?, ?, ?) ON CONFLICT (incident_id, datastream_id) DO UPDATE SET state = excluded.state'),
      sourceStates: db.prepare('SELECT state FROM incident_sources WHERE incident_id = ?'),
      linkObservation: db.prepare('INSERT OR IGNORE INTO incident_observations (incident_id, observation_id) VALUES (?, ?)'),
      insertEvent: db.prepare('INSERT INTO incident_events (incident_id, kind, status, level, actor, at, note, unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      incident: db.prepare('SELECT * FROM incidents WHERE id = ?'),
      latestEvent: db.prepare('SELECT max(id) AS id FROM incident_events WHERE incident_id = ?'),
      allOpenSources: db.prepare(`SELECT s.datastream_id FROM incident_sources s JOIN incidents i ON i.id = s.incident_id WHERE i.status IN ('raised', 'acknowledged', 'dispatched')`),
    };
    for (const row of this.s.allOpenSources.all() as { datastream_id: number }[]) this.openSources.add(row.datastream_id);
  }

  /** The state of a value from a datastream under its rule (normal where no rule applies). */
  stateOf(info: DatastreamInfo, value: number): SensorState {
    const rule = this.rules.get(info.observedProperty);
    return rule ? evaluateThreshold(rule, value) : 'normal';
  }

  ruleFor(observedProperty: string): ThresholdRule | undefined {
    return this.rules.get(observedProperty);
  }

  /**
   * Apply one stored observation. Must run inside the write's transaction. A change names the
   * incident and its newest event; the caller reads the incident's JSON once per write (a batch
   * of readings moving one incident back and forth would otherwise read its history each time).
   */
  observe(info: DatastreamInfo, observationId: number, value: number, timeMs: number): { state: SensorState; change?: IncidentChangeRef } {
    const rule = this.rules.get(info.observedProperty);
    if (!rule) return { state: 'normal' };
    const state = evaluateThreshold(rule, value);
    if (state === 'normal' && !this.openSources.has(info.id)) return { state };

    const open = this.s.openSourceOf.get(info.id) as { id: number; state: number } | undefined;
    if (open) {
      if (open.state === stateToNumber(state)) return { state };
      this.s.upsertSource.run(open.id, info.id, stateToNumber(state));
      // The reading that made it worse is one of the observations that triggered it.
      if (state !== 'normal' && (open.state === 0 || state < open.state)) this.s.linkObservation.run(open.id, observationId);
      return { state, change: this.recompute(open.id, timeMs) };
    }
    if (state === 'normal' || info.lonDegrees === undefined || info.latDegrees === undefined) return { state };

    const type = incidentTypeFor(rule, info.assetKind);
    const nearby = (this.s.openOfType.all(type) as IncidentRow[])
      .map((row) => ({ row, distance: distanceMetres(row.lon, row.lat, info.lonDegrees!, info.latDegrees!) }))
      .filter((c) => c.distance <= rule.groupingRadiusMetres)
      .sort((a, b) => a.distance - b.distance)[0];
    this.openSources.add(info.id);
    if (nearby) {
      const incident = nearby.row;
      const assets = JSON.parse(incident.asset_ids) as string[];
      if (info.assetId && !assets.includes(info.assetId)) {
        assets.push(info.assetId);
        this.s.updateIncident.run(incident.level, incident.status, JSON.stringify(assets), incident.alarm_active, timeMs, incident.id);
        this.s.insertEvent.run(incident.id, 'asset-added', incident.status, incident.level, 'system', timeMs, info.assetId, null);
      }
      this.s.upsertSource.run(incident.id, info.id, stateToNumber(state));
      this.s.linkObservation.run(incident.id, observationId);
      return { state, change: this.recompute(incident.id, timeMs) };
    }
    const id = Number(this.s.insertIncident.run(type, state, 'raised', info.lonDegrees, info.latDegrees, JSON.stringify(info.assetId ? [info.assetId] : []), timeMs, timeMs).lastInsertRowid);
    this.s.upsertSource.run(id, info.id, stateToNumber(state));
    this.s.linkObservation.run(id, observationId);
    const eventId = Number(this.s.insertEvent.run(id, 'raised', 'raised', state, 'system', timeMs, `${info.observedProperty} ${value} ${rule.unit}`, null).lastInsertRowid);
    return { state, change: { incidentId: id, eventId } };
  }

  /** Level from the sources' current states; records escalation, de-escalation or clearing. */
  private recompute(id: number, timeMs: number): IncidentChangeRef {
    const incident = this.s.incident.get(id) as IncidentRow;
    const states = (this.s.sourceStates.all(id) as { state: number }[]).map((r) => r.state).filter((s) => s > 0);
    const active = states.length > 0;
    const level = (active ? Math.min(...states) : incident.level) as WarningLevel;
    let kind: IncidentTransition['kind'] | undefined;
    if (level < incident.level) kind = 'escalated';
    else if (level > incident.level) kind = 'de-escalated';
    else if (!active && incident.alarm_active) kind = 'cleared';
    else if (active && !incident.alarm_active) kind = 'escalated';
    if (!kind) return this.latestChange(id);
    this.s.updateIncident.run(level, incident.status, incident.asset_ids, active ? 1 : 0, timeMs, id);
    const eventId = Number(this.s.insertEvent.run(id, kind, incident.status, level, 'system', timeMs, null, null).lastInsertRowid);
    return { incidentId: id, eventId };
  }

  private latestChange(id: number): IncidentChangeRef {
    const row = this.s.latestEvent.get(id) as { id: number };
    return { incidentId: id, eventId: row.id };
  }

  /** A person's action on an incident. Throws with a message when the transition is not allowed. */
  act(id: number, action: IncidentAction, by: string, note: string | undefined, timeMs: number): IncidentChange | { error: string } | undefined {
    return this.db.transaction(() => {
      const incident = this.s.incident.get(id) as IncidentRow | undefined;
      if (!incident) return undefined;
      const next = applyIncidentAction(incident.status, action);
      if ('error' in next) return next;
      this.s.updateIncident.run(incident.level, next.status, incident.asset_ids, incident.alarm_active, timeMs, id);
      const eventId = Number(this.s.insertEvent.run(id, action, next.status, incident.level, by, timeMs, note ?? null, null).lastInsertRowid);
      if (!isOpenStatus(next.status)) {
        this.openSources.clear();
        for (const row of this.s.allOpenSources.all() as { datastream_id: number }[]) this.openSources.add(row.datastream_id);
      }
      return { incidentId: id, eventId, incident: this.json(id)! };
    })();
  }

  /** An entry of the emergency log (notify or arrive a linked unit, or a note); the status stays. */
  log(id: number, action: IncidentLogAction, by: string, entry: { unit?: string; note?: string }, timeMs: number): IncidentChange | { error: string } | undefined {
    return this.db.transaction(() => {
      const incident = this.s.incident.get(id) as IncidentRow | undefined;
      if (!incident) return undefined;
      const problem = logEntryProblem({ status: incident.status, transitions: this.transitions(id) }, action, entry);
      if (problem) return { error: problem };
      this.s.updateIncident.run(incident.level, incident.status, incident.asset_ids, incident.alarm_active, timeMs, id);
      const eventId = Number(this.s.insertEvent.run(id, action, incident.status, incident.level, by, timeMs, entry.note ?? null, entry.unit ?? null).lastInsertRowid);
      return { incidentId: id, eventId, incident: this.json(id)! };
    })();
  }

  transitions(id: number): IncidentTransition[] {
    return readTransitions(this.db, id);
  }

  json(id: number): IncidentJson | undefined {
    const r = this.s.incident.get(id) as IncidentRow | undefined;
    if (!r) return undefined;
    return {
      '@iot.id': r.id,
      type: r.type,
      level: r.level,
      status: r.status,
      location: { type: 'Point', coordinates: [r.lon, r.lat] },
      assetIds: JSON.parse(r.asset_ids) as string[],
      alarmActive: r.alarm_active === 1,
      raisedAt: new Date(r.raised_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
      transitions: this.transitions(r.id),
    };
  }

  /** Incidents with events after an id (their current state), oldest change first, at most `limit` (-1: all), for a resuming stream client. */
  changesAfter(afterEventId: number, limit = -1): IncidentChange[] {
    const rows = prepared(this.db, 'SELECT incident_id, max(id) AS event_id FROM incident_events WHERE id > ? GROUP BY incident_id ORDER BY event_id LIMIT ?').all(afterEventId, limit) as { incident_id: number; event_id: number }[];
    return rows.map((r) => ({ incidentId: r.incident_id, eventId: r.event_id, incident: this.json(r.incident_id)! }));
  }

  /** The id of the event `offset` places after an id, or undefined: how far behind a cursor is, in one bounded index read. */
  eventIdAfter(afterEventId: number, offset: number): number | undefined {
    return (prepared(this.db, 'SELECT id FROM incident_events WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?').get(afterEventId, offset) as { id: number } | undefined)?.id;
  }

  /** When the first event after an id happened (epoch ms), or undefined. */
  eventTimeAfter(afterEventId: number): number | undefined {
    return (prepared(this.db, 'SELECT at FROM incident_events WHERE id > ? ORDER BY id LIMIT 1').get(afterEventId) as { at: number } | undefined)?.at;
  }

  lastEventId(): number {
    return (this.db.prepare('SELECT coalesce(max(id), 0) AS n FROM incident_events').get() as { n: number }).n;
  }
}
