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

export interface StreamUpdate {
  observations: StreamObservation[];
  incidents: IncidentDocument[];
}

