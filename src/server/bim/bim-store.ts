/**
 * The BIM property store: per model, its record (source, schema, placement, units, storeys) and
 * every element with its class, name, storey, material and property and quantity sets, grouped
 * by set, with units. The BIM tiles carry only what identifies and styles an element (GlobalId,
 * express ID, class, name, storey, material); the rest is asked of this store by GlobalId.
 * One interface, two backends (SQLite embedded, PostgreSQL), one test suite (bim-store.test.ts):
 *
 *   openBimStore('data/assets.sqlite')          SQLite file (tables bim_models, bim_elements)
 *   openBimStore('postgres://user@host/cim')    PostgreSQL (the same tables, jsonb)
 *
 * By default it lives beside the asset store (ASSETS_DATABASE), in tables of its own.
 */
import { BimInputError, checkModelId, isAcceptableGlobalId, type BimElementInput, type BimModelInput, type BimProductInfo, type BimPropertySet, type BimStorey } from '../../domain/bim.ts';
import { isPostgresLocation } from '../assets/asset-store.ts';

export { BimInputError } from '../../domain/bim.ts';

export interface BimModelRecord extends BimModelInput {
  /** Elements that are features of the tiles (products stored without being features are not counted). */
  elementCount: number;
  /** ISO 8601, when the model was loaded. */
  loadedAt: string;
}

export type BimModelSummary = Omit<BimModelRecord, 'storeys' | 'units'> & { storeyCount: number };

export interface BimElement extends BimProductInfo {
  model: string;
  propertySets: BimPropertySet[];
  /** Whether the element is a feature of the model's tiles (false: a storey, an aggregate …). */
  inTiles: boolean;
}

export interface BimStoreyNode extends BimStorey {
  elementCount: number;
  /** Elements by IFC class, most first. */
  classes: Record<string, number>;
}

export interface BimLoadReport {
  model: string;
  elements: number;
  /** Elements the model had before the load. */
  replaced: number;
  seconds: number;
}

export interface BimStore {
  readonly backend: 'sqlite' | 'postgres';
  /**
   * Replace one model and all its elements, all or nothing: a bad model ID, an element without a
   * GlobalId, a GlobalId twice, or an input that throws leaves the previous model in place, and
   * the error (BimInputError for bad input) is thrown.
   */
  replaceModel(model: BimModelInput, elements: Iterable<BimElementInput>): Promise<BimLoadReport>;
  models(): Promise<BimModelSummary[]>;
  model(id: string): Promise<BimModelRecord | undefined>;
  element(model: string, globalId: string): Promise<BimElement | undefined>;
  /**
   * The model's storeys in elevation order with counts by class of the elements that are features
   * of the tiles; a last "" storey for those in none. Undefined if no such model.
   */
  storeys(model: string): Promise<BimStoreyNode[] | undefined>;
  close(): Promise<void>;
}

/** Elements written per statement. */
export const BIM_LOAD_BATCH = 500;

/** Check an element before it is stored; the message names it. */
export function checkElement(element: BimElementInput, index: number): void {
  const { globalId } = element;
  if (!isAcceptableGlobalId(globalId)) {
    throw new BimInputError(`element ${index} (express ID ${element.expressId}): GlobalId ${JSON.stringify(globalId)} must be 1–64 printable characters`);
  }
  if (!element.ifcClass) throw new BimInputError(`element ${globalId}: has no IFC class`);
}

/** The storey tree from the model's storeys and (storeyGlobalId, class, count) rows. */
export function storeyTree(storeys: readonly BimStorey[], counts: readonly { storey: string; ifcClass: string; count: number }[]): BimStoreyNode[] {
  const nodes = new Map<string, BimStoreyNode>();
  const ordered = [...storeys].sort((a, b) => (a.elevation ?? 0) - (b.elevation ?? 0) || a.name.localeCompare(b.name));
  for (const s of ordered) nodes.set(s.globalId, { ...s, elementCount: 0, classes: {} });
  for (const row of counts) {
    let node = nodes.get(row.storey);
    if (!node) {
      node = { globalId: row.storey, expressId: 0, name: '', building: '', elementCount: 0, classes: {} };
      nodes.set(row.storey, node);
    }
    node.elementCount += row.count;
    node.classes[row.ifcClass] = (node.classes[row.ifcClass] ?? 0) + row.count;
  }
  for (const node of nodes.values()) node.classes = Object.fromEntries(Object.entries(node.classes).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  return [...nodes.values()];
}

export function checkModel(model: BimModelInput): void {
  checkModelId(model.id);
  if (!model.schema) throw new BimInputError(`model ${model.id}: has no schema`);
}

export async function openBimStore(location: string): Promise<BimStore> {
  if (isPostgresLocation(location)) {
    const { PostgresBimStore } = await import('./postgres-bim-store.ts');
    return PostgresBimStore.open(location);
  }
  const { SqliteBimStore } = await import('./sqlite-bim-store.ts');
  return SqliteBimStore.open(location);
}
