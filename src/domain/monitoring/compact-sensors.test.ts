import { describe, expect, test } from 'vitest';
import { decodeCompactSensors, encodeCompactSensors, type CompactSensor } from './compact-sensors.ts';

const AS_OF = Date.parse('2026-12-06T05:00:00.000Z');

function sensor(i: number, overrides: Partial<CompactSensor> = {}): CompactSensor {
  const assetId = `440604-YS-${String(i).padStart(5, '0')}`;
  return {
    datastreamId: 10 + 2 * i,
    thingId: 5 + i,
    name: `可燃气体浓度（甲烷） ${assetId}`,
    assetId,
    assetKind: 'manhole',
    observedProperty: 'methane',
    unitSymbol: '%LEL',
    lonDegrees: 113.12 + i * 0.000137,
    latDegrees: 23.02 - i * 0.0000731,
    value: 1.5 + i / 10,
    timeMs: AS_OF - 30_000 - i,
    state: 'normal',
    ...overrides,
  };
}

describe('compact sensors', () => {
  test('round-trip: ids, asset, names, kind, property, unit, place (to 1e-6 degree), value, state, time', () => {
    const sensors = [sensor(1), sensor(2, { state: 1, value: 55 }), sensor(3, { assetId: undefined, assetKind: undefined, name: 'a sensor of no asset', value: undefined, timeMs: undefined }), sensor(12, { observedProperty: 'water-pressure', unitSymbol: 'MPa', name: `供水管网压力 440604-YS-00012`, state: 4 })];
    const decoded = decodeCompactSensors(JSON.parse(JSON.stringify(encodeCompactSensors([...sensors].reverse(), AS_OF))));
    expect(decoded).toHaveLength(4);
    for (const [i, original] of sensors.entries()) {
      const { lonDegrees, latDegrees, timeMs, ...rest } = decoded[i]!;
      const { lonDegrees: lon, latDegrees: lat, timeMs: time, ...expected } = original;
      expect(rest).toEqual(expected);
      expect(Math.abs(lonDegrees - lon)).toBeLessThanOrEqual(5e-7);
      expect(Math.abs(latDegrees - lat)).toBeLessThanOrEqual(5e-7);
      expect(timeMs).toBe(time);
    }
  });

  test('what sensors share is sent once: one type per property, unit, kind and name pattern; asset ids front-coded', () => {
    const encoded = encodeCompactSensors(Array.from({ length: 1000 }, (_, i) => sensor(i)), AS_OF);
    expect(encoded.types).toEqual([['methane', '%LEL', 'manhole', '可燃气体浓度（甲烷） {asset}']]);
    expect(encoded.assetShared[1]).toBe('440604-YS-0000'.length);
    expect(encoded.assetRest[1]).toBe('1');
    expect(encoded.datastreamId.slice(1).every((d) => d === 2)).toBe(true);
    // About 30 bytes a sensor, where an expanded Thing with its Location and Datastream is over 700.
    expect(JSON.stringify(encoded).length / 1000).toBeLessThan(40);
  });

  test('a document whose columns disagree, or that names a type it lacks, is refused', () => {
    const encoded = encodeCompactSensors([sensor(1), sensor(2)], AS_OF);
    expect(() => decodeCompactSensors({ ...encoded, lat: [1] })).toThrow(/every column must have 2 entries/);
    expect(() => decodeCompactSensors({ ...encoded, type: [0, 7] })).toThrow(/names type 7/);
    expect(() => decodeCompactSensors({ ...encoded, asOf: 'yesterday' })).toThrow(/not a time/);
  });
});
