/**
 * EXT_structural_metadata for tile content: a schema inferred from the input's attributes and
 * a binary property table per tile (one row per feature ID).
 * Spec: the EXT_structural_metadata glTF extension (CesiumGS glTF repository, extensions/2.0/Vendor).
 */

export type PropertyKind = 'STRING' | 'INT32' | 'FLOAT64';

export interface PropertyDefinition {
  /** Property ID in the schema: matches ^[a-zA-Z_][a-zA-Z0-9_]*$ as the spec requires. */
  id: string;
  /** The attribute's name in the source data (may contain ':' or non-ASCII). */
  sourceName: string;
  kind: PropertyKind;
}

export interface MetadataSchema {
  schemaId: string;
  classId: string;
  className: string;
  properties: PropertyDefinition[];
}

/** noData sentinels: a missing number is stored as this and declared in the schema. */
export const NO_DATA_INT32 = -2147483648;
export const NO_DATA_FLOAT64 = -1.7976931348623157e308;

const INT32_MINIMUM = -2147483647;
const INT32_MAXIMUM = 2147483647;

/** A property ID the spec accepts, derived from any attribute name. */
export function propertyIdFor(sourceName: string): string {
  let id = sourceName.replace(/[^a-zA-Z0-9_]/g, '_');
  if (!/^[a-zA-Z_]/.test(id)) id = `_${id}`;
  return id;
}

/** Infers one schema from many rows, one attribute value at a time. */
export class SchemaBuilder {
  private readonly kinds = new Map<string, PropertyKind>();
  private readonly ids = new Map<string, string>();
  private readonly usedIds = new Set<string>();

  /**
   * @param firstProperties declared first, in this order, whether or not any row has them.
   * @param kindHints the kind of a property no row gives a value for (else it is STRING).
   */
  constructor(
    firstProperties: readonly string[] = [],
    private readonly kindHints: Readonly<Record<string, PropertyKind>> = {},
  ) {
    for (const name of firstProperties) this.declare(name);
  }

  private declare(sourceName: string): void {
    if (this.ids.has(sourceName)) return;
    let id = propertyIdFor(sourceName);
    for (let n = 2; this.usedIds.has(id); n++) id = `${propertyIdFor(sourceName)}_${n}`;
    this.ids.set(sourceName, id);
    this.usedIds.add(id);
  }

  observe(properties: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(properties)) {
      if (value === null || value === undefined) {
        this.declare(name);
        continue;
      }
      this.declare(name);
      const kind: PropertyKind =
        typeof value === 'number' && Number.isFinite(value)
          ? Number.isInteger(value) && value >= INT32_MINIMUM && value <= INT32_MAXIMUM
            ? 'INT32'
            : 'FLOAT64'
          : 'STRING';
      const previous = this.kinds.get(name);
      if (previous === undefined || previous === kind) this.kinds.set(name, kind);
      else if (previous === 'STRING' || kind === 'STRING') this.kinds.set(name, 'STRING');
      else this.kinds.set(name, 'FLOAT64');
    }
  }

  build(schemaId: string, classId: string, className: string): MetadataSchema {
    const properties = [...this.ids].map(([sourceName, id]) => ({ id, sourceName, kind: this.kinds.get(sourceName) ?? this.kindHints[sourceName] ?? 'STRING' }));
    return { schemaId, classId, className, properties };
  }
}

/**
 * The schema object for EXT_structural_metadata. Every property is optional: a missing number is
 * its noData sentinel; a missing text is "", declared as noData and default, so that a column
 * left out of a tile's table (see encodePropertyTable) and an empty value read the same: ""
 * (3D Metadata: "noData values and omitted properties are functionally equivalent").
 */
export function schemaJson(schema: MetadataSchema): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const p of schema.properties) {
    if (p.kind === 'STRING') properties[p.id] = { name: p.sourceName, type: 'STRING', required: false, noData: '', default: '' };
    else properties[p.id] = { name: p.sourceName, type: 'SCALAR', componentType: p.kind, required: false, noData: p.kind === 'INT32' ? NO_DATA_INT32 : NO_DATA_FLOAT64 };
  }
  return { id: schema.schemaId, classes: { [schema.classId]: { name: schema.className, properties } } };
}

function stringValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export interface EncodedPropertyTable {
  /** Binary payloads, each to become one bufferView, in order. */
  bufferViews: Uint8Array[];
  /** The property table JSON with bufferView indices relative to `bufferViews` (0-based). */
  table: { class: string; count: number; properties: Record<string, Record<string, unknown>> };
}

const encoder = new TextEncoder();

/**
 * Encode rows (one per feature ID) as a property table. A text column empty in every row is left
 * out: its values would be a zero-length buffer view, which glTF forbids, and padding it to one
 * byte breaks the metadata spec's rule that the last string offset is the values' length.
 */
export function encodePropertyTable(schema: MetadataSchema, rows: ReadonlyArray<Record<string, unknown>>): EncodedPropertyTable {
  const bufferViews: Uint8Array[] = [];
  const properties: Record<string, Record<string, unknown>> = {};
  const count = rows.length;
  for (const p of schema.properties) {
    if (p.kind === 'STRING') {
      const offsets = new Uint32Array(count + 1);
      const parts: Uint8Array[] = [];
      let total = 0;
      rows.forEach((row, i) => {
        const bytes = encoder.encode(stringValue(row[p.sourceName]));
        parts.push(bytes);
        offsets[i] = total;
        total += bytes.length;
      });
      offsets[count] = total;
      if (total === 0) continue;
      const values = new Uint8Array(total);
      let o = 0;
      for (const part of parts) {
        values.set(part, o);
        o += part.length;
      }
      bufferViews.push(values, new Uint8Array(offsets.buffer));
      properties[p.id] = { values: bufferViews.length - 2, stringOffsets: bufferViews.length - 1, stringOffsetType: 'UINT32' };
    } else {
      const numbers = p.kind === 'INT32' ? new Int32Array(count) : new Float64Array(count);
      rows.forEach((row, i) => {
        const v = row[p.sourceName];
        numbers[i] = typeof v === 'number' && Number.isFinite(v) ? v : p.kind === 'INT32' ? NO_DATA_INT32 : NO_DATA_FLOAT64;
      });
      bufferViews.push(new Uint8Array(numbers.buffer));
      properties[p.id] = { values: bufferViews.length - 1 };
    }
  }
  return { bufferViews, table: { class: schema.classId, count, properties } };
}
