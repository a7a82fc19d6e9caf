/**
 * What the monitoring API sends (our SensorThings extensions): the stream's observations and
 * incidents. One definition for the reference server and the viewer's client.
 */
import type { IncidentStatus, IncidentTransition, IncidentType } from './incidents.ts';
import type { SensorState, WarningLevel } from './warning.ts';

/** One observation as the stream sends it: joined with its datastream's asset and place. */
export interface StreamObservation {
  id: number;
  datastreamId: number;
  thingId: number;
  assetId?: string;
  observedProperty: string;
  lonDegrees?: number;
  latDegrees?: number;
  result: unknown;
  phenomenonTime: string;
  state: SensorState;
}

/** An incident as the API sends it (SensorThings-style JSON). */
export interface IncidentDocument {
  '@iot.id': number;
  type: IncidentType;
  level: WarningLevel;
  status: IncidentStatus;
  location: { type: 'Point'; coordinates: [number, number] };
  assetIds: string[];
  alarmActive: boolean;
  raisedAt: string;
  updatedAt: string;
  transitions?: IncidentTransition[];
}

/**
 * A reading reduced to its state, for a stream client that asked for values only in its view:
 * [observation id, datastream id, phenomenon time in epoch ms, state (0 normal, 1–4 level I–IV)].
 * Sent when a sensor out of the view changes state, and now and then while it stays the same
 * (so the viewer knows it is online).
 */
export type StreamStateChange = [observationId: number, datastreamId: number, phenomenonTimeMs: number, state: 0 | WarningLevel];

/**
 * A record changed that the stream does not carry whole: a case (案卷) made or moved on, or a
 * building's lifecycle record edited. Sent to every client as a `change` event (no cursor: a
 * client that reconnects reloads what it shows), so that every viewer, on whichever server
 * process, reads it again.
 */
export interface StreamChange {
  kind: 'case' | 'lifecycle';
  /** The case id (AJ…) or the building ID. */
  id: string;
  /** What happened: "created", or the action ("file", "dispatch"…; "edit" for a lifecycle record). */
  action: string;
  /** ISO 8601. */
  at: string;
}

export interface StreamUpdate {
  observations: StreamObservation[];
  incidents: IncidentDocument[];
  /** Out-of-view readings as states (only for a client that set a view). */
  states?: StreamStateChange[];
}

