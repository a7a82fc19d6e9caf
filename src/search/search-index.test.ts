import { describe, expect, it } from 'vitest';
import { findById, parseSearchIndex, searchEntries } from './search-index.ts';

const index = {
  fields: ['id', 'name', 'address', 'lon', 'lat', 'height'],
  rows: [
    ['440604-B-000001', '文华工业园1号厂房', '广东省佛山市禅城区季华四路20号', 113.11, 23.01, 12],
    ['440604-B-000010', '绿景花园1座', '广东省佛山市禅城区绿景路8号', 113.12, 23.02, 90],
    ['440604-B-000100', '绿景花园会所', '广东省佛山市禅城区绿景路10号', 113.121, 23.021, 8],
    ['FS-2', 'Tower', 'Lingnan Avenue 1', 113.13, 23.03, 200],
  ],
};
const entries = parseSearchIndex(index, 'buildings');

describe('search index', () => {
  it('finds by name, address or ID; every term must match', () => {
    expect(searchEntries(entries, '绿景').map((e) => e.id)).toEqual(['440604-B-000010', '440604-B-000100']);
    expect(searchEntries(entries, '季华四路').map((e) => e.id)).toEqual(['440604-B-000001']);
    expect(searchEntries(entries, '绿景 会所').map((e) => e.id)).toEqual(['440604-B-000100']);
    expect(searchEntries(entries, 'tower').map((e) => e.id)).toEqual(['FS-2']);
    expect(searchEntries(entries, '   ')).toEqual([]);
  });

  it('ranks an exact ID first, then ID prefixes', () => {
    expect(searchEntries(entries, '440604-B-000010')[0]!.id).toBe('440604-B-000010');
    expect(searchEntries(entries, '440604-b-0000').map((e) => e.id)).toEqual(['440604-B-000001', '440604-B-000010']);
  });

  it('keeps positions and the layer, and looks up by ID', () => {
    expect(findById(entries, 'FS-2')).toMatchObject({ lonDegrees: 113.13, latDegrees: 23.03, heightMetres: 200, layerId: 'buildings' });
    expect(findById(entries, 'nope')).toBeUndefined();
  });

  it('rejects something that is not an index', () => {
    expect(() => parseSearchIndex({ rows: [] }, 'x')).toThrow(/not a search index/);
    expect(() => parseSearchIndex({ fields: ['name'], rows: [] }, 'x')).toThrow(/lacks id/);
  });
});

describe('search index attributes', () => {
  it('reads the styling columns where present and leaves out nulls', () => {
    const withAttributes = parseSearchIndex(
      {
        fields: ['id', 'name', 'address', 'lon', 'lat', 'height', 'use', 'floors', 'yearBuilt', 'stage'],
        rows: [
          ['a', '', '', 113, 23, 40.5, 'residential', 14, 1998, 'operation'],
          ['b', '', '', 113, 23, 9, null, null, 2010, null],
        ],
      },
      'buildings',
    );
    expect(withAttributes[0]!.attributes).toEqual({ id: 'a', use: 'residential', floors: 14, yearBuilt: 1998, stage: 'operation', height: 40.5 });
    expect(withAttributes[1]!.attributes).toEqual({ id: 'b', yearBuilt: 2010, height: 9 });
    // An index without the columns (an older tiler) still loads, with the height only.
    expect(entries[1]!.attributes).toEqual({ id: '440604-B-000010', height: 90 });
  });
});
