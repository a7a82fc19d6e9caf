/** A feature's text property read from its tile's property table without unpacking the column. */
import * as Cesium from 'cesium';
import { describe, expect, test } from 'vitest';
import { readPropertyPacked } from './packed-strings.ts';

/** A property table, as far as these tests read it. */
interface PropertyTable {
  getProperty(index: number, name: string): unknown;
}

// CesiumJS's own classes for EXT_structural_metadata tables: exported by the package, private in its types.
const { MetadataClass, MetadataTable, PropertyTable } = Cesium as unknown as {
  MetadataClass: { fromJson(options: object): unknown };
  MetadataTable: new (options: object) => unknown;
  PropertyTable: new (options: object) => PropertyTable;
};

const IDS = ['S1', '合成楼500500', '', 'B-"3"'];
const FLOORS = [3, 12, 1, 7];

/** A property table as Cesium reads EXT_structural_metadata: an ID string column and a number column. */
function propertyTable(noData?: string, defaultValue?: string) {
  const utf8 = IDS.map((id) => new TextEncoder().encode(id));
  const values = new Uint8Array(utf8.reduce((n, b) => n + b.length, 0));
  const offsets = new Uint32Array(IDS.length + 1);
  utf8.forEach((bytes, i) => {
    values.set(bytes, offsets[i]!);
    offsets[i + 1] = offsets[i]! + bytes.length;
  });
  const metadataClass = MetadataClass.fromJson({
    id: 'building',
    class: { properties: { id: { type: 'STRING', noData, default: defaultValue }, floors: { type: 'SCALAR', componentType: 'UINT8' } } },
  });
  const metadataTable = new MetadataTable({
    count: IDS.length,
    class: metadataClass,
    properties: { id: { values: 0, stringOffsets: 1, stringOffsetType: 'UINT32' }, floors: { values: 2 } },
    bufferViews: { 0: values, 1: new Uint8Array(offsets.buffer), 2: new Uint8Array(FLOORS) },
  });
  return new PropertyTable({ count: IDS.length, metadataTable });
}

/** A feature as Cesium3DTileFeature offers it: its index, its content's feature table, getProperty through it. */
function features(table: PropertyTable) {
  const content = { batchTable: { _propertyTable: table } };
  return IDS.map((_, featureId) => ({ featureId, content, getProperty: (name: string) => table.getProperty(featureId, name) }));
}

const idColumn = (table: PropertyTable) => (table as unknown as { _metadataTable: { _properties: { id: { _unpackedValues?: unknown[] } } } })._metadataTable._properties.id;

describe('readPropertyPacked', () => {
  test('reads each ID as getProperty does, and the column stays packed', () => {
    const table = propertyTable();
    const read = features(table).map((f) => readPropertyPacked(f, 'id'));
    expect(idColumn(table)._unpackedValues).toBeUndefined();
    expect(read).toEqual(features(propertyTable()).map((f) => f.getProperty('id')));
    expect(read).toEqual(IDS);
  });

  test('getProperty unpacks the column (what it avoids); reads after that use the unpacked values', () => {
    const table = propertyTable();
    const all = features(table);
    expect(all[1]!.getProperty('id')).toBe('合成楼500500');
    expect(idColumn(table)._unpackedValues).toHaveLength(IDS.length);
    expect(all.map((f) => readPropertyPacked(f, 'id'))).toEqual(IDS);
  });

  test('a noData value reads as the default, as getProperty reads it (our tiler: noData "" and default "")', () => {
    const table = propertyTable('', '');
    expect(features(table).map((f) => readPropertyPacked(f, 'id'))).toEqual(IDS);
    expect(idColumn(table)._unpackedValues).toBeUndefined();
    const withDefault = propertyTable('S1', 'none');
    expect(features(withDefault).map((f) => readPropertyPacked(f, 'id'))).toEqual(['none', ...IDS.slice(1)]);
    expect(features(propertyTable('S1', 'none')).map((f) => f.getProperty('id'))).toEqual(['none', ...IDS.slice(1)]);
  });

  test('numbers, noData strings without a default, unknown names and features without a property table go through getProperty', () => {
    expect(features(propertyTable()).map((f) => readPropertyPacked(f, 'floors'))).toEqual(FLOORS);
    const withNoData = propertyTable('S1');
    // Cesium turns the noData value into the default (none here, so undefined): the packed path must not return 'S1'.
    expect(readPropertyPacked(features(withNoData)[0]!, 'id')).toBe(propertyTable('S1').getProperty(0, 'id'));
    expect(readPropertyPacked(features(withNoData)[0]!, 'id')).not.toBe('S1');
    expect(readPropertyPacked(features(propertyTable())[0]!, 'name')).toBe(propertyTable().getProperty(0, 'name'));
    expect(readPropertyPacked({ getProperty: (name: string) => `batch table ${name}` }, 'id')).toBe('batch table id');
  });
});
