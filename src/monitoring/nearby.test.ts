import { describe, expect, test } from 'vitest';
import { incidentsNear, sensorsNear } from './nearby.ts';
import type { IncidentDocument, SensorRecord } from './types.ts';

// About 10.25 m per 0.0001° of longitude at 23° N, 11.06 m per 0.0001° of latitude.
const sensor = (id: number, lon: number, lat: number, assetId?: string): SensorRecord => ({ datastreamId: id, thingId: id, name: `S${id}`, assetId, observedProperty: 'tilt', unitSymbol: '‰', lonDegrees: lon, latDegrees: lat, state: 'normal' });
const incident = (id: number, level: 1 | 2 | 3 | 4, lon: number, assetIds: string[], raisedAt: string): IncidentDocument => ({ '@iot.id': id, type: 'gas-leak', level, status: 'raised', location: { type: 'Point', coordinates: [lon, 23] }, assetIds, alarmActive: true, raisedAt, updatedAt: raisedAt });

describe('monitoring around an asset', () => {
  test('sensors on the asset come first wherever they are, then those in the radius by distance', () => {
    const sensors = [sensor(1, 113.0005, 23), sensor(2, 113.0001, 23), sensor(3, 113.01, 23, 'B-1'), sensor(4, 113.002, 23), sensor(5, 113, 23.0004)];
    const near = sensorsNear(sensors, 'B-1', 113, 23, 60);
    expect(near.map((n) => n.record.datastreamId)).toEqual([3, 2, 5, 1]);
    expect(near[0]!.attached).toBe(true);
    expect(near[1]!.distanceMetres).toBeCloseTo(10.25, 1);
    expect(near[2]!.distanceMetres).toBeCloseTo(44.2, 0);
  });

  test('incidents naming the asset or within the radius, most serious then newest first', () => {
    const incidents = [incident(1, 3, 113.0002, [], '2026-11-25T01:00:00Z'), incident(2, 3, 113.0003, [], '2026-11-25T02:00:00Z'), incident(3, 1, 113.05, ['B-1'], '2026-11-24T00:00:00Z'), incident(4, 1, 113.05, ['B-2'], '2026-11-25T03:00:00Z')];
    expect(incidentsNear(incidents, 'B-1', 113, 23, 100).map((i) => i['@iot.id'])).toEqual([3, 2, 1]);
  });
});
