/**
 * A feature's text property read without unpacking its column (issue 16, heap on the 1M city).
 *
 * CesiumJS decodes a string column of an EXT_structural_metadata property table whole on the
 * first `getProperty` of any of its values (MetadataTableProperty unpacks "since UTF-8 decoding
 * is expensive"): one JS string per feature, kept as long as the tile. A style that reads the ID
 * of every feature (the selection, the incident tints, hidden buildings) so turned the ID column
 * of every tile it styled into strings: 32,700 strings, 1.7 MiB in a heap snapshot, for the
 * city's 150 loaded tiles, against the few IDs it compares (the city bench's heap after its
 * steps: 27.1 → 26.3 MiB). Here the one value is decoded from the column's
 * UTF-8 bytes and the column stays packed; Cesium's own `getProperty` (the info panel, tests)
 * still unpacks as before.
 *
 * The column is reached through Cesium's private fields (ModelFeatureTable._propertyTable,
 * PropertyTable._metadataTable, MetadataTable._properties, MetadataTableProperty._getValue),
 * read through narrow structural types and checked at each step: anything else (a b3dm batch
 * table, a column already unpacked, a noData value without a default, a later Cesium that renamed them) goes
 * through `getProperty`, so the value is the same either way.
 */

/** The parts of a MetadataTableProperty this reads. */
interface PackedColumn {
  _unpackedValues?: unknown[];
  _getValue?: (index: number) => unknown;
  _classProperty?: { type?: string; isArray?: boolean; noData?: unknown; default?: unknown };
}

interface FeatureLike {
  getProperty(name: string): unknown;
}

function packedStringColumn(feature: FeatureLike, name: string): PackedColumn | undefined {
  const content = (feature as { content?: { batchTable?: { _propertyTable?: { _metadataTable?: { _properties?: Record<string, PackedColumn | undefined> } } } } }).content;
  const column = content?.batchTable?._propertyTable?._metadataTable?._properties?.[name];
  if (!column || column._unpackedValues !== undefined || typeof column._getValue !== 'function') return undefined;
  const definition = column._classProperty;
  if (!definition || definition.type !== 'STRING' || definition.isArray) return undefined;
  return column;
}

/**
 * The value of a feature's property `name`, as `feature.getProperty(name)` returns it, without
 * unpacking a string column of its tile's property table.
 */
export function readPropertyPacked(feature: FeatureLike, name: string): unknown {
  const column = packedStringColumn(feature, name);
  const index = (feature as { featureId?: unknown }).featureId;
  if (column && typeof index === 'number') {
    const value = column._getValue!(index);
    // As MetadataTableProperty.get: the noData value reads as the property's default (our tiler
    // writes a missing text as "", declared as both). With no default, the property table looks
    // further (other tables): leave that to getProperty.
    const definition = column._classProperty!;
    const read = definition.noData !== undefined && value === definition.noData ? definition.default : value;
    if (read !== undefined) return read;
  }
  return feature.getProperty(name);
}
