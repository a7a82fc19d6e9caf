import { describe, expect, it } from 'vitest';
import data from './case-classes.json';
import { CASE_CLASSES, caseClass, classForIncidentType, readCaseClasses } from './classes.ts';
import { INCIDENT_TYPES } from '../monitoring/incidents.ts';
import { checkNewCase, type NewCaseInput } from './cases.ts';
import { csvCell, csvRow } from './csv.ts';

describe('case classes', () => {
  it('reads components and events with their codes and limits, every code marked assumed', () => {
    expect(caseClass('component:0101')).toMatchObject({ kind: 'component', code: '0101', major: '01', zh: '上水井盖', majorZh: '公用设施', assumed: true });
    expect(caseClass('event:0403')).toMatchObject({ kind: 'event', zh: '燃气管道破裂', handlingLimit: { hours: 1 }, urgent: true });
    expect(CASE_CLASSES.size).toBeGreaterThan(50);
    for (const c of CASE_CLASSES.values()) expect(c.assumed).toBe(true);
  });

  it('maps every monitoring incident type to a class', () => {
    for (const type of INCIDENT_TYPES) expect(classForIncidentType(type)?.id).toMatch(/^(component|event):\d{4}$/);
    expect(classForIncidentType('$comment')).toBeUndefined();
    expect(classForIncidentType('toString')).toBeUndefined();
  });

  it('refuses a table with a code outside its major class, or a bad limit', () => {
    const bad = structuredClone(data) as unknown as Parameters<typeof readCaseClasses>[0];
    bad.events[0]!.classes[0]!.code = '0201';
    expect(() => readCaseClasses(bad)).toThrow(/not 4 digits starting with its major class 01/);
    const noLimit = structuredClone(data) as unknown as Parameters<typeof readCaseClasses>[0];
    noLimit.events[0]!.classes[0]!.handlingLimit = { hours: -1 };
    expect(() => readCaseClasses(noLimit)).toThrow(/no valid handlingLimit/);
  });
});

describe('a new case', () => {
  const base: NewCaseInput = { source: 'grid-worker', classId: 'event:0504', gridCode: '440604001001', description: '机动车占用人行道', lon: 113.12, lat: 23.0, reporter: '网格员李四' };

  it('resolves its class, from an incident type when a monitoring case names none', () => {
    expect(checkNewCase(base)).toMatchObject({ classId: 'event:0504', assetIds: [] });
    expect(checkNewCase({ ...base, source: 'monitoring', classId: undefined, incidentId: '17', incidentType: 'gas-leak' })).toMatchObject({ classId: 'event:0403', incidentId: '17' });
  });

  it.each([
    ['an unknown class', { classId: 'event:9999' }, 'classId'],
    ['no class', { classId: undefined }, 'classId'],
    ['a street as its grid', { gridCode: '440604001' }, 'gridCode'],
    ['a 12345 complaint without its ticket', { source: 'hotline-12345' }, 'hotlineTicket'],
    ['a monitoring case without its incident', { source: 'monitoring' }, 'incidentId'],
    ['an incident on a grid worker report', { incidentId: '3' }, 'incidentId'],
    ['a ticket on a grid worker report', { hotlineTicket: 'T1' }, 'hotlineTicket'],
  ] as [string, Partial<NewCaseInput>, string][])('refuses %s, naming the field', (_name, change, field) => {
    expect(checkNewCase({ ...base, ...change })).toMatchObject({ field });
  });
});

describe('CSV cells', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","点我")', `"'=HYPERLINK(""http://evil.example"",""点我"")"`],
    ['+cmd|calc', `"'+cmd|calc"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\t=1', `"'\t=1"`],
    ['\r=1', `"'\r=1"`],
    ['plain 文本', 'plain 文本'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\n=2', '"line\n=2"'],
  ])('writes %j as %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('writes numbers as numbers and ends rows with CRLF', () => {
    expect(csvRow(['a', -12.5, undefined, true])).toBe('a,-12.5,,true\r\n');
  });
});
