/**
 * The binary rules of EXT_structural_metadata property tables that the official 3D Tiles
 * validator checks (METADATA_INVALID_LENGTH and friends), for tests: every buffer view at least
 * 1 byte long (glTF), each column exactly as long as its rows need (no padding: the metadata
 * spec), string offsets from 0 up to the values' byteLength, required columns present.
 */
import { readGlb } from '../glb.ts';

interface ClassPropertyJson {
  type: string;
  componentType?: string;
  required?: boolean;
  noData?: unknown;
  default?: unknown;
}
interface TablePropertyJson {
  values: number;
  stringOffsets?: number;
  stringOffsetType?: string;
}
interface MetadataJson {
  schema: { classes: Record<string, { properties: Record<string, ClassPropertyJson> }> };
  propertyTables: { class: string; count: number; properties: Record<string, TablePropertyJson> }[];
}

const SIZES: Record<string, number> = { INT8: 1, UINT8: 1, INT16: 2, UINT16: 2, INT32: 4, UINT32: 4, INT64: 8, UINT64: 8, FLOAT32: 4, FLOAT64: 8 };

export interface PropertyTableCheck {
  /** Each broken rule, in words (empty when the content is valid). */
  problems: string[];
  /** Property IDs present in the (first) property table. */
  columns: string[];
  /** The class properties of the schema. */
  classProperties: Record<string, ClassPropertyJson>;
  /** Every bufferView's byteLength. */
  bufferViewLengths: number[];
}

export function checkPropertyTables(glb: Uint8Array): PropertyTableCheck {
  const { json, bin } = readGlb(glb);
  const problems: string[] = [];
  const views = json.bufferViews ?? [];
  views.forEach((view, i) => {
    if (!(view.byteLength >= 1)) problems.push(`bufferView ${i} has byteLength ${view.byteLength}`);
  });
  const metadata = json.extensions?.['EXT_structural_metadata'] as MetadataJson | undefined;
  if (!metadata) return { problems: ['no EXT_structural_metadata'], columns: [], classProperties: {}, bufferViewLengths: views.map((v) => v.byteLength) };
  const bytesOf = (index: number): Uint8Array => {
    const view = views[index]!;
    return bin.subarray(view.byteOffset ?? 0, (view.byteOffset ?? 0) + view.byteLength);
  };
  let columns: string[] = [];
  let classProperties: Record<string, ClassPropertyJson> = {};
  metadata.propertyTables.forEach((table, t) => {
    const classDefinition = metadata.schema.classes[table.class];
    if (!classDefinition) {
      problems.push(`table ${t}: unknown class ${table.class}`);
      return;
    }
    if (t === 0) {
      columns = Object.keys(table.properties);
      classProperties = classDefinition.properties;
    }
    for (const [id, definition] of Object.entries(classDefinition.properties)) {
      if (definition.required && !table.properties[id]) problems.push(`table ${t}: required property ${id} is missing`);
      if (definition.required && (definition.noData !== undefined || definition.default !== undefined)) problems.push(`property ${id}: required with noData or default`);
    }
    for (const [id, property] of Object.entries(table.properties)) {
      const definition = classDefinition.properties[id];
      if (!definition) {
        problems.push(`table ${t}: property ${id} is not in the class`);
        continue;
      }
      const values = views[property.values];
      if (!values) {
        problems.push(`${id}: values bufferView ${property.values} does not exist`);
        continue;
      }
      if (definition.type === 'STRING') {
        const offsetSize = SIZES[property.stringOffsetType ?? 'UINT32']!;
        const offsetsView = property.stringOffsets === undefined ? undefined : views[property.stringOffsets];
        if (!offsetsView) {
          problems.push(`${id}: no stringOffsets bufferView`);
          continue;
        }
        if (offsetsView.byteLength !== (table.count + 1) * offsetSize) problems.push(`${id}: stringOffsets byteLength ${offsetsView.byteLength}, expected ${(table.count + 1) * offsetSize}`);
        const raw = bytesOf(property.stringOffsets!);
        const data = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        const offsets: number[] = [];
        for (let i = 0; i <= table.count && (i + 1) * offsetSize <= raw.byteLength; i++) {
          offsets.push(offsetSize === 1 ? data.getUint8(i) : offsetSize === 2 ? data.getUint16(i * 2, true) : offsetSize === 4 ? data.getUint32(i * 4, true) : Number(data.getBigUint64(i * 8, true)));
        }
        if (offsets[0] !== 0) problems.push(`${id}: first string offset ${offsets[0]}, not 0`);
        for (let i = 1; i < offsets.length; i++) if (offsets[i]! < offsets[i - 1]!) problems.push(`${id}: string offset ${i} decreases`);
        if (offsets.at(-1) !== values.byteLength) problems.push(`${id}: last string offset ${offsets.at(-1)} but the values bufferView has byteLength ${values.byteLength}`);
      } else if (definition.type === 'SCALAR') {
        const size = SIZES[definition.componentType ?? '']!;
        if (values.byteLength !== table.count * size) problems.push(`${id}: values byteLength ${values.byteLength}, expected ${table.count * size}`);
        if ((values.byteOffset ?? 0) % size !== 0) problems.push(`${id}: values byteOffset ${values.byteOffset} not aligned to ${size}`);
      }
    }
  });
  return { problems, columns, classProperties, bufferViewLengths: views.map((v) => v.byteLength) };
}
