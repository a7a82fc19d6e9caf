import { describe, expect, it } from 'vitest';
import { float32Text, rawValueText, unitFromDescription, unitOf } from './property-values.ts';

describe('property values as stored', () => {
  it.each([
    [-1.3197, undefined, '-1.3197'],
    [12.345678901234, 'FLOAT64', '12.345678901234'],
    [Math.fround(-1.3197), 'FLOAT32', '-1.3197'],
    [Math.fround(0.1), 'FLOAT32', '0.1'],
    [Math.fround(16777217), 'FLOAT32', '16777216'],
    [42, 'UINT8', '42'],
    [1e-7, undefined, '1e-7'],
    [9007199254740993n, 'INT64', '9007199254740993'],
    ['commercial', undefined, 'commercial'],
    ['', undefined, ''],
    [true, undefined, 'true'],
    [[1.5, -2, 3], 'FLOAT64', '[1.5, -2, 3]'],
    [[Math.fround(0.3), Math.fround(0.7)], 'FLOAT32', '[0.3, 0.7]'],
  ] as const)('%s (%s) shows as %j', (value, componentType, text) => {
    expect(rawValueText(value, componentType)).toBe(text);
  });

  it('keeps every float32 value distinct: the shortest text reads back as the same float32', () => {
    for (const value of [Math.fround(Math.PI), Math.fround(-1234.5678), Math.fround(3.4e38), Math.fround(1.4e-45)]) {
      expect(Math.fround(Number(float32Text(value)))).toBe(value);
    }
    // A float64 that is no float32 is shown in full.
    expect(float32Text(0.1)).toBe('0.1');
    expect(float32Text(1 / 3)).toBe(String(1 / 3));
  });
});

describe('units', () => {
  it.each([
    ['unit: m', 'm'],
    ['Vertical offset to the 1985 datum, units: mm.', 'mm'],
    ['埋深，单位：米', 'm'],
    ['管径（毫米）', 'mm'],
    ['Height above ground in metres', 'm'],
    ['Building height (m)', 'm'],
    ['Pressure (MPa)', 'MPa'],
    ['Name of the owner (optional)', undefined],
    ['A free text', undefined],
    [undefined, undefined],
  ])('description %j gives %j', (description, unit) => {
    expect(unitFromDescription(description)).toBe(unit);
  });

  it('takes the schema first (semantic, then description), then the project’s property names', () => {
    expect(unitOf('maximumHeight', { type: 'SCALAR', componentType: 'FLOAT32', semantic: 'TILE_MAXIMUM_HEIGHT' })).toBe('m');
    expect(unitOf('height', { type: 'SCALAR', description: 'unit: cm' })).toBe('cm');
    expect(unitOf('height')).toBe('m');
    expect(unitOf('diameterMillimetres')).toBe('mm');
    expect(unitOf('startDepthMetres')).toBe('m');
    expect(unitOf('depthMetres', { type: 'SCALAR', componentType: 'FLOAT64' })).toBe('m');
    expect(unitOf('lonDegrees')).toBe('°');
    expect(unitOf('floors')).toBeUndefined();
    expect(unitOf('name', { type: 'STRING' })).toBeUndefined();
    // A string column named like a length has no unit.
    expect(unitOf('height', { type: 'STRING' })).toBeUndefined();
  });
});
