import { describe, expect, test } from 'vitest';
import type { IncidentDocument } from './api.ts';
import { caseStatistics, sensorHealth } from './daily.ts';
import { inspectionOverview, type InspectionDigest } from '../lifecycle/inspections.ts';

// 2026-11-25 10:00 in Beijing.
const NOW = Date.parse('2026-11-25T02:00:00Z');

function incident(id: number, raisedAt: string, extra: Partial<IncidentDocument> = {}): IncidentDocument {
  return { '@iot.id': id, type: 'gas-leak', level: 3, status: 'raised', location: { type: 'Point', coordinates: [113, 23] }, assetIds: [], alarmActive: true, raisedAt, updatedAt: raisedAt, transitions: [], ...extra };
}

describe('case statistics', () => {
  test('per Beijing day over the window, by type and worst level, with mean times to acknowledge and resolve', () => {
    const incidents = [
      // Today (Beijing): 00:30 CST is 16:30 UTC the day before.
      incident(1, '2026-11-24T16:30:00Z', {
        status: 'resolved',
        level: 3,
        transitions: [
          { kind: 'raised', status: 'raised', level: 1, by: 'system', at: '2026-11-24T16:30:00Z' },
          { kind: 'acknowledge', status: 'acknowledged', level: 1, by: 'a', at: '2026-11-24T16:40:00Z' },
          { kind: 'resolve', status: 'resolved', level: 3, by: 'a', at: '2026-11-24T17:30:00Z' },
        ],
      }),
      // Yesterday (Beijing) 23:59.
      incident(2, '2026-11-24T15:59:00Z', { type: 'waterlogging', status: 'dispatched', transitions: [{ kind: 'acknowledge', status: 'acknowledged', level: 3, by: 'a', at: '2026-11-24T16:29:00Z' }] }),
      // Six days ago: the first day of the window.
      incident(3, '2026-11-18T16:00:00Z', { status: 'archived', level: 4 }),
      // Seven days ago: outside, but still open.
      incident(4, '2026-11-18T15:00:00Z', { status: 'acknowledged' }),
    ];
    const s = caseStatistics(incidents, NOW);
    expect(s.perDay).toEqual([1, 0, 0, 0, 0, 1, 1]);
    expect([s.total, s.today, s.closed]).toEqual([3, 1, 2]);
    expect(s.byType['gas-leak']).toBe(2);
    expect(s.byType.waterlogging).toBe(1);
    // Incident 1 peaked at I although it ended at III.
    expect(s.byLevel).toEqual({ 1: 1, 2: 0, 3: 1, 4: 1 });
    expect(s.openByStatus).toMatchObject({ raised: 0, acknowledged: 1, dispatched: 1 });
    expect(s.meanMinutesToAcknowledge).toBeCloseTo(20); // (10 + 30) / 2
    expect(s.meanMinutesToResolve).toBeCloseTo(60);
    expect(caseStatistics([], NOW).meanMinutesToAcknowledge).toBeUndefined();
  });
});

describe('sensor health', () => {
  test('online within the window, offline when silent or never heard, alarms by property; the longest silent listed first', () => {
    const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();
    const health = sensorHealth(
      [
        { datastreamId: 1, observedProperty: 'methane', state: 'normal', time: at(1) },
        { datastreamId: 2, observedProperty: 'methane', state: 2, time: at(20) },
        { datastreamId: 3, observedProperty: 'methane', state: 'normal' },
        { datastreamId: 4, observedProperty: 'water-pressure', state: 'normal', time: at(15) },
        { datastreamId: 5, observedProperty: 'water-pressure', state: 4, time: at(90) },
      ],
      NOW,
    );
    expect(health.rows).toEqual([
      { observedProperty: 'methane', total: 3, online: 1, offline: 2, alarm: 1 },
      { observedProperty: 'water-pressure', total: 2, online: 1, offline: 1, alarm: 1 },
    ]);
    expect(health.total).toMatchObject({ total: 5, online: 2, offline: 3, alarm: 2 });
    expect(health.offline.map((o) => o.datastreamId)).toEqual([3, 5, 2]);
    expect(health.offline[1]!.silentMinutes).toBeCloseTo(90);
  });
});

describe('inspection overview', () => {
  const digest = (buildingId: string, completion: string | undefined, last?: [string, 'pass' | 'rectify' | 'fail'], demolition?: string): InspectionDigest => ({
    buildingId,
    count: last ? 1 : 0,
    ...(completion ? { completion } : {}),
    ...(demolition ? { demolition } : {}),
    ...(last ? { last: { date: last[0], result: last[1], inspector: '鉴定所' } } : {}),
  });
  test('overdue after the interval since the last inspection or the completion; rectification pending; recent; buildings not in use are left out', () => {
    const overview = inspectionOverview(
      [
        digest('A', '2010-05-01', ['2021-11-24', 'pass']), // 5 years and a day: overdue
        digest('B', '2010-05-01', ['2021-11-25', 'pass']), // exactly 5 years: not yet
        digest('C', '2019-01-01'), // never inspected, completed almost 8 years ago: overdue since completion
        digest('D', '2015-01-01', ['2026-11-10', 'rectify']), // recent, and to rectify
        digest('E', '2012-01-01', ['2024-03-01', 'fail']),
        digest('F', '2027-01-01'), // not completed yet
        digest('G', '2001-01-01', ['2010-01-01', 'pass'], '2020-06-01'), // demolished
        digest('H', undefined),
      ],
      '2026-11-25',
    );
    expect(overview.inUse).toBe(5);
    expect(overview.overdue).toEqual([
      { buildingId: 'C', since: '2019-01-01' },
      { buildingId: 'A', since: '2021-11-24' },
    ]);
    expect(overview.rectification.map((r) => [r.buildingId, r.result])).toEqual([
      ['E', 'fail'],
      ['D', 'rectify'],
    ]);
    expect(overview.recent.map((r) => r.buildingId)).toEqual(['D']);
  });
});
