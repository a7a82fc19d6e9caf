/** The shapes the viewer keeps; what the API sends is in src/domain/monitoring/api.ts (shared with the server). */
import type { SensorState } from '../domain/monitoring/warning.ts';

export type { IncidentDocument, StreamChange, StreamObservation, StreamStateChange, StreamUpdate } from '../domain/monitoring/api.ts';

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
