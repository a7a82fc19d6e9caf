import { describe, expect, it } from 'vitest';
import type { IncidentDocument } from './api.ts';
import { caseKpis, computeKpis, nextInTour, percentText, startOfDayInChina, tourOrder } from './kpi.ts';

const NOW = Date.parse('2026-11-25T10:00:00Z'); // 18:00 in Beijing
const incident = (id: number, level: 1 | 2 | 3 | 4, status: IncidentDocument['status'], raisedAt: string, acknowledgedAt?: string): IncidentDocument => ({
  '@iot.id': id,
  type: 'gas-leak',
  level,
  status,
  location: { type: 'Point', coordinates: [113, 23] },
  assetIds: [],
  alarmActive: true,
  raisedAt,
  updatedAt: raisedAt,
  transitions: acknowledgedAt ? [{ kind: 'acknowledge', status: 'acknowledged', level, by: '张工', at: acknowledgedAt }] : [],
});

describe('command-centre figures', () => {
  it('starts the day at midnight Beijing time (16:00 UTC the day before)', () => {
    expect(new Date(startOfDayInChina(NOW)).toISOString()).toBe('2026-11-24T16:00:00.000Z');
    expect(new Date(startOfDayInChina(Date.parse('2026-11-24T15:59:59Z'))).toISOString()).toBe('2026-11-23T16:00:00.000Z');
  });

  it('counts sensors online, alarms by level, incidents today and the mean time to acknowledge', () => {
    const sensors = [
      { state: 'normal' as const, time: '2026-11-25T09:58:00Z' },
      { state: 1 as const, time: '2026-11-25T09:59:00Z' },
      { state: 3 as const, time: '2026-11-25T09:00:00Z' }, // an hour old: offline, its last state still counts
      { state: 'normal' as const },
    ];
    const incidents = [
      incident(1, 2, 'acknowledged', '2026-11-25T01:00:00Z', '2026-11-25T01:06:00Z'),
      incident(2, 1, 'resolved', '2026-11-24T16:30:00Z', '2026-11-24T16:32:00Z'),
      incident(3, 4, 'raised', '2026-11-24T15:00:00Z'), // yesterday in Beijing
    ];
    expect(computeKpis(sensors, incidents, NOW)).toEqual({ sensors: 4, sensorsOnline: 2, alarmsByLevel: { 1: 1, 2: 0, 3: 1, 4: 0 }, incidentsToday: 2, openIncidents: 2, meanMinutesToAcknowledge: 4 });
    expect(computeKpis([], [incident(3, 4, 'raised', '2026-11-25T01:00:00Z')], NOW).meanMinutesToAcknowledge).toBeUndefined();
  });

  it('tours open incidents, most serious first, then newest, and wraps round', () => {
    const incidents = [incident(1, 3, 'raised', '2026-11-25T01:00:00Z'), incident(2, 1, 'dispatched', '2026-11-25T02:00:00Z'), incident(3, 3, 'acknowledged', '2026-11-25T03:00:00Z'), incident(4, 1, 'resolved', '2026-11-25T04:00:00Z')];
    expect(tourOrder(incidents).map((i) => i['@iot.id'])).toEqual([2, 3, 1]);
    expect(nextInTour(incidents, undefined)!['@iot.id']).toBe(2);
    expect(nextInTour(incidents, 2)!['@iot.id']).toBe(3);
    expect(nextInTour(incidents, 1)!['@iot.id']).toBe(2);
    expect(nextInTour(incidents, 4)!['@iot.id']).toBe(2);
    expect(nextInTour([incident(4, 1, 'resolved', '2026-11-25T04:00:00Z')], undefined)).toBeUndefined();
  });

  it('the grid cases of the day as key figures: rates in percent, none when there is nothing to count', () => {
    const day = { filed: 4, closed: 3, closureRate: 0.25, onTimeRate: 2 / 3, open: 7, openOverdue: 2 };
    expect(caseKpis(day)).toMatchObject({ filedToday: 4, closedToday: 3, closureRatePercent: 25, open: 7, overdue: 2 });
    expect(caseKpis(day).onTimeRatePercent).toBeCloseTo(66.667, 2);
    expect(percentText(caseKpis(day).onTimeRatePercent)).toBe('66.7%');
    const quiet = caseKpis({ filed: 0, closed: 0, closureRate: null, onTimeRate: null, open: 0, openOverdue: 0 });
    expect(quiet.closureRatePercent).toBeUndefined();
    expect(percentText(quiet.onTimeRatePercent)).toBe('—');
  });
});
