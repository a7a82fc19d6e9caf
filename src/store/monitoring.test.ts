import { describe, expect, test } from 'vitest';
import type { IncidentDocument, SensorRecord, StreamObservation } from '../monitoring/types.ts';
import { createAppStore } from './index.ts';
import { filterIncidents } from './monitoring.ts';

const sensor = (id: number, property = 'methane'): SensorRecord => ({ datastreamId: id, thingId: id, name: `S${id}`, assetId: `A${id}`, observedProperty: property, unitSymbol: '%LEL', lonDegrees: 113.12, latDegrees: 23.01, value: 1, time: '2026-11-25T00:00:00.000Z', state: 'normal' });
const observation = (id: number, datastreamId: number, result: number, time: string, state?: StreamObservation['state']): StreamObservation => ({ id, datastreamId, thingId: datastreamId, observedProperty: 'methane', result, phenomenonTime: time, state: state ?? 'normal', lonDegrees: 113.12, latDegrees: 23.01 });
const incident = (id: number, level: 1 | 2 | 3 | 4, status: IncidentDocument['status'], type: IncidentDocument['type'] = 'gas-leak'): IncidentDocument => ({ '@iot.id': id, type, level, status, location: { type: 'Point', coordinates: [113.12, 23.01] }, assetIds: [], alarmActive: true, raisedAt: `2026-11-25T0${id}:00:00Z`, updatedAt: '' });

describe('monitoring slice', () => {
  test('readings update sensors in place, mark them changed, and a late older reading is ignored', () => {
    const store = createAppStore();
    store.getState().replaceSensors([sensor(1), sensor(2)]);
    store.getState().sensorChanges.clear();
    const revision = store.getState().sensorRevision;
    store.getState().applyObservations([observation(10, 1, 55, '2026-11-25T00:01:00.000Z', 1)]);
    expect(store.getState().sensors.get(1)).toMatchObject({ value: 55, state: 1 });
    expect([...store.getState().sensorChanges]).toEqual([1]);
    expect(store.getState().sensorRevision).toBe(revision + 1);
    store.getState().applyObservations([observation(9, 1, 2, '2026-11-25T00:00:30.000Z', 'normal')]);
    expect(store.getState().sensors.get(1)).toMatchObject({ value: 55, state: 1 });
  });

  test('a lifecycle change from the stream names the building and counts the changes', () => {
    const store = createAppStore();
    expect(store.getState().lastLifecycleChange).toBeUndefined();
    store.getState().noteLifecycleChange('440604-B-000001');
    store.getState().noteLifecycleChange('440604-B-000001');
    expect(store.getState().lastLifecycleChange).toEqual({ id: '440604-B-000001', n: 2 });
    store.getState().noteLifecycleChange('440604-B-000002');
    expect(store.getState().lastLifecycleChange).toEqual({ id: '440604-B-000002', n: 3 });
  });

  test('the state comes from the bundled rules when the server sends none', () => {
    const store = createAppStore();
    store.getState().replaceSensors([{ ...sensor(1), value: 25 }]);
    expect(store.getState().sensors.get(1)!.state).toBe(2);
    store.getState().applyObservations([{ ...observation(3, 1, 7, '2026-11-25T01:00:00.000Z'), state: undefined as unknown as 'normal' }]);
    expect(store.getState().sensors.get(1)!.state).toBe(4);
  });

  test('a sensor first seen on the stream is added where the stream says it is', () => {
    const store = createAppStore();
    store.getState().applyObservations([observation(1, 77, 3, '2026-11-25T00:00:00.000Z')]);
    expect(store.getState().sensors.get(77)).toMatchObject({ lonDegrees: 113.12, value: 3, unitSymbol: '%LEL' });
  });

  test('incidents are kept sorted and replaced by id; filters by type and status', () => {
    const store = createAppStore();
    store.getState().replaceIncidents([incident(1, 3, 'raised'), incident(2, 1, 'acknowledged', 'waterlogging')]);
    store.getState().upsertIncidents([incident(1, 1, 'raised'), incident(3, 4, 'resolved')]);
    const list = store.getState().incidents;
    expect(list.map((i) => [i['@iot.id'], i.level])).toEqual([[2, 1], [1, 1], [3, 4]]);
    expect(filterIncidents(list, { type: 'all', status: 'open' }).map((i) => i['@iot.id'])).toEqual([2, 1]);
    expect(filterIncidents(list, { type: 'waterlogging', status: 'all' }).map((i) => i['@iot.id'])).toEqual([2]);
    expect(filterIncidents(list, { type: 'all', status: 'resolved' }).map((i) => i['@iot.id'])).toEqual([3]);
  });
});

describe('states out of view', () => {
  test('a state sets the state and time, keeps the last value, marks the sensor changed; an older one and an unknown sensor are ignored', () => {
    const store = createAppStore();
    store.getState().replaceSensors([sensor(1), sensor(2)]);
    store.getState().sensorChanges.clear();
    const revision = store.getState().sensorRevision;
    store.getState().applyStates([[10, 1, Date.parse('2026-11-25T00:05:00Z'), 1], [11, 77, Date.parse('2026-11-25T00:05:00Z'), 2]]);
    expect(store.getState().sensors.get(1)).toMatchObject({ state: 1, value: 1, time: '2026-11-25T00:05:00.000Z' });
    expect([...store.getState().sensorChanges]).toEqual([1]);
    expect(store.getState().sensorRevision).toBe(revision + 1);
    store.getState().applyStates([[9, 1, Date.parse('2026-11-25T00:04:00Z'), 0]]);
    expect(store.getState().sensors.get(1)!.state).toBe(1);
    store.getState().applyStates([[12, 1, Date.parse('2026-11-25T00:06:00Z'), 0]]);
    expect(store.getState().sensors.get(1)!.state).toBe('normal');
  });

  test('the view is set only when it changes', () => {
    const store = createAppStore();
    const seen: unknown[] = [];
    store.subscribe((state, previous) => state.sensorView !== previous.sensorView && seen.push(state.sensorView));
    store.getState().setSensorView([113, 23, 113.1, 23.1]);
    store.getState().setSensorView([113, 23, 113.1, 23.1]);
    store.getState().setSensorView([113, 23, 113.2, 23.1]);
    expect(seen).toEqual([[113, 23, 113.1, 23.1], [113, 23, 113.2, 23.1]]);
  });
});
