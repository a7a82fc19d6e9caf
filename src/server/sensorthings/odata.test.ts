import { describe, expect, test } from 'vitest';
import { parseExpand, parseFilter, parseOptions, QueryError } from './odata.ts';
import { filterToSql } from './read.ts';
import { ENTITY_SETS } from './entities.ts';

describe('$filter parsing', () => {
  test('comparisons, logic and precedence: and binds tighter than or', () => {
    const tree = parseFilter("result gt 5 or result lt 1 and not (id eq 3)");
    expect(tree).toMatchObject({ kind: 'logical', operator: 'or', left: { kind: 'compare', operator: 'gt' }, right: { kind: 'logical', operator: 'and', right: { kind: 'not' } } });
  });

  test.each([
    ["phenomenonTime ge 2026-11-25T00:00:00Z", '(phenomenon_time >= ?)', [Date.parse('2026-11-25T00:00:00Z')]],
    // A phenomenon time may be an interval: it is before a time when its end is (the start's test keeps the index).
    ["phenomenonTime lt '2026-11-25T08:00:00+08:00'", '(phenomenon_time < ? AND coalesce(phenomenon_time_end, phenomenon_time) < ?)', [Date.parse('2026-11-25T00:00:00Z'), Date.parse('2026-11-25T00:00:00Z')]],
    ['result le -2.5e1', '(result <= ?)', [-25]],
    ['Datastream/@iot.id eq 7', '(datastream_id = ?)', [7]],
    ['@iot.id ne 3', '(id <> ?)', [3]],
  ])('Observations: %s', (text, sql, parameters) => {
    expect(filterToSql(ENTITY_SETS.Observations, parseFilter(text))).toEqual({ text: sql, parameters });
  });

  test('JSON members and string functions stay parameters, with LIKE escaped', () => {
    expect(filterToSql(ENTITY_SETS.Things, parseFilter("properties/assetId eq 'a''b'"))).toEqual({ text: '(json_extract(properties, ?) = ?)', parameters: ['$."assetId"', "a'b"] });
    expect(filterToSql(ENTITY_SETS.Things, parseFilter("startswith(name, '50%_off')"))).toEqual({ text: "(name LIKE ? ESCAPE '\\')", parameters: ['50\\%\\_off%'] });
    expect(filterToSql(ENTITY_SETS.Things, parseFilter("substringof('井', name)")).parameters).toEqual(['%井%']);
  });

  test('null compares with IS', () => {
    expect(filterToSql(ENTITY_SETS.Observations, parseFilter('resultTime eq null')).text).toBe('(result_time IS NULL)');
  });

  test.each([
    ["name eq 'x'; DROP TABLE things", /unexpected character/],
    ["name eq 'unterminated", /unterminated string/],
    ['secret eq 1', /has no property "secret"/],
    ['properties/a.b eq 1', /has no property/],
    ['result gt', /unexpected end/],
    ['exec(1)', /unsupported function/],
    ['name', /must compare/],
  ])('rejects %s', (text, message) => {
    expect(() => filterToSql(ENTITY_SETS.Things.name === 'Things' && text.startsWith('result') ? ENTITY_SETS.Observations : ENTITY_SETS.Things, parseFilter(text))).toThrow(message);
  });
});

describe('other options', () => {
  test('$expand paths and nested options', () => {
    expect(parseExpand('Datastreams/Observations($top=1;$orderby=phenomenonTime desc),Locations')).toEqual([
      { navigation: 'Datastreams', options: { expand: [{ navigation: 'Observations', options: { top: 1, orderBy: [{ path: 'phenomenonTime', descending: true }] } }] } },
      { navigation: 'Locations', options: {} },
    ]);
  });

  test('bad values are QueryErrors naming the option', () => {
    expect(() => parseOptions({ $top: '-1' })).toThrow(QueryError);
    expect(() => parseOptions({ $top: '100000' })).toThrow(/at most/);
    expect(() => parseOptions({ $count: 'yes' })).toThrow(/\$count/);
    expect(() => parseOptions({ $orderby: 'name sideways' })).toThrow(/\$orderby/);
    expect(() => parseOptions({ $bogus: '1' })).toThrow(/unknown query option/);
    expect(() => parseExpand('Datastreams($top=1')).toThrow(/unbalanced/);
  });
});
