/** What the monitoring API sends: the stream's messages and the shapes the viewer keeps. */
import type { IncidentStatus, IncidentTransition, IncidentType } from '../domain/monitoring/incidents.ts';
import type { SensorState, WarningLevel } from '../domain/monitoring/warning.ts';

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

export interface StreamUpdate {
  observations: StreamObservation[];
  incidents: IncidentDocument[];
}

/** One monitored quantity on one asset: a Datastream with its Thing's asset and location. */
export interface SensorRecord {
  datastreamId: number;
  thingId: number;
  name: string;
  assetId?: string;
  assetKind?: string;
  observedProperty: string;
  unitSymbol: string;
  lonDegrees: number;
  latDegrees: number;
  value?: number;
  /** ISO 8601 of the latest value. */
  time?: string;
  state: SensorState;
}

/** The live connection: connecting (first time), live, or stale (lost, retrying). */
export type ConnectionState = 'off' | 'connecting' | 'live' | 'stale';
