import { describe, expect, it } from 'vitest';
import { checkCaseGridCode, parseGridCode } from './grid-codes.ts';

describe('grid codes', () => {
  it('reads a community code: division, street, community', () => {
    expect(parseGridCode('440604001001')).toEqual({ code: '440604001001', level: 'community', division: '440604', divisionName: '广东省佛山市禅城区', path: ['440604', '440604001', '440604001001'] });
  });

  it('reads the other levels', () => {
    expect(parseGridCode('440604')).toMatchObject({ level: 'district' });
    expect(parseGridCode('440604101')).toMatchObject({ level: 'street' }); // a town (镇)
    expect(parseGridCode('44060400100107')).toMatchObject({ level: 'unit', path: ['440604', '440604001', '440604001001', '44060400100107'] });
  });

  it.each([
    ['letters', '44060A001001', /digits only/],
    ['a length no level has', '4406040010', /has 10 digits/],
    ['an unknown county-level division', '110101001001', /division 110101 is not one of this platform's/],
    ['street 000', '440604000001', /digits 7–9 \(000, the street, town or township\) must be in 001–099/],
    ['street 600 (beyond 政企合一 599)', '440604600001', /digits 7–9 \(600/],
    ['community 000', '440604001000', /digits 10–12 \(000, the community or village\)/],
    ['community 700', '440604001700', /digits 10–12 \(700/],
    ['unit grid 00', '44060400100100', /digits 13–14 \(00/],
  ])('refuses %s', (_name, code, message) => {
    const result = parseGridCode(code);
    expect('error' in result && result.error).toMatch(message);
  });

  it('places cases in communities and unit grids only', () => {
    expect(checkCaseGridCode('440604001001')).toMatchObject({ level: 'community' });
    expect(checkCaseGridCode('44060400100101')).toMatchObject({ level: 'unit' });
    const street = checkCaseGridCode('440604001');
    expect('error' in street && street.error).toMatch(/names a street; a case is placed in a community or village \(12 digits\) or unit grid \(14 digits\)/);
  });
});
