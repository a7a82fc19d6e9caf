/**
 * What monitoring knows around one asset (a building's panel): the sensors on it and those
 * within a radius, and the open incidents nearby. Pure over the records the store keeps.
 */
import { localProjection } from '../domain/geometry.ts';
import type { IncidentDocument, SensorRecord } from './types.ts';

export interface NearbySensor {
  record: SensorRecord;
  distanceMetres: number;
  /** Mounted on the asset itself (its assetId is the asset's). */
  attached: boolean;
}

/** Sensors on the asset or within `radiusMetres` of its position: attached first, then nearest first. */
export function sensorsNear(sensors: Iterable<SensorRecord>, assetId: string, lonDegrees: number, latDegrees: number, radiusMetres: number): NearbySensor[] {
  const { toLocal } = localProjection(lonDegrees, latDegrees);
  const found: NearbySensor[] = [];
  for (const record of sensors) {
    const [x, y] = toLocal(record.lonDegrees, record.latDegrees);
    const distanceMetres = Math.hypot(x, y);
    const attached = record.assetId === assetId;
    if (attached || distanceMetres <= radiusMetres) found.push({ record, distanceMetres, attached });
  }
  return found.sort((a, b) => Number(b.attached) - Number(a.attached) || a.distanceMetres - b.distanceMetres || a.record.datastreamId - b.record.datastreamId);
}

/** Incidents naming the asset or located within `radiusMetres` of it, most serious then newest first. */
export function incidentsNear(incidents: Iterable<IncidentDocument>, assetId: string, lonDegrees: number, latDegrees: number, radiusMetres: number): IncidentDocument[] {
  const { toLocal } = localProjection(lonDegrees, latDegrees);
  const found: IncidentDocument[] = [];
  for (const incident of incidents) {
    const [lon, lat] = incident.location.coordinates;
    if (incident.assetIds.includes(assetId) || Math.hypot(...toLocal(lon, lat)) <= radiusMetres) found.push(incident);
  }
  return found.sort((a, b) => a.level - b.level || b.raisedAt.localeCompare(a.raisedAt));
}
