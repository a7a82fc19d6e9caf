/**
 * BIM (竣工模型) records shared by the IFC tiler and the BIM property store: a model, its storeys
 * and its elements with their property and quantity sets. Pure types and rules.
 */

export interface BimProperty {
  name: string;
  value: string | number | boolean | null;
  /** The IFC measure or value type: IFCLENGTHMEASURE, IFCLABEL … */
  type?: string;
  /** The unit of `value` ("m", "m²", "mm", "degree" …), where it has one. */
  unit?: string;
}

export interface BimPropertySet {
  name: string;
  /** "property" (IfcPropertySet) or "quantity" (IfcElementQuantity). */
  kind: 'property' | 'quantity';
  globalId?: string;
  /** Inherited from the element's type object (IfcRelDefinesByType). */
  fromType?: boolean;
  properties: BimProperty[];
}

export interface BimStorey {
  globalId: string;
  expressId: number;
  name: string;
  /** IfcBuildingStorey.Elevation, model units. */
  elevation?: number;
  /** The building it belongs to (its name), if any. */
  building: string;
}

export interface BimPlacementSummary {
  source: 'map-conversion' | 'site-reference' | 'origin-option';
  lonDegrees: number;
  latDegrees: number;
  heightMetres: number;
  headingDegrees: number;
}

export interface BimModelInput {
  /** The model's ID in the store and the API: the tileset directory's name (lower case, a–z 0–9 - _). */
  id: string;
  name: string;
  /** The base building (building tiles' feature ID) this model details, if known. */
  building?: string;
  /** The IFC file it was read from (its name). */
  source: string;
  schema: string;
  /** Where its tiles are, relative to the tiles root, e.g. "bim/duplex/tileset.json". */
  tileset?: string;
  placement: BimPlacementSummary;
  /** The project's units by IFC unit type: LENGTHUNIT → "m" … */
  units: Record<string, string>;
  storeys: BimStorey[];
}

/** What identifies and describes one IFC product, in the tiles and in the property store. */
export interface BimProductInfo {
  globalId: string;
  expressId: number;
  ifcClass: string;
  name: string;
  /** The storey's name and GlobalId ("" when the element stands in none). */
  storey: string;
  storeyGlobalId: string;
  material: string;
  objectType: string;
  tag: string;
}

export interface BimElementInput extends BimProductInfo {
  propertySets: BimPropertySet[];
  /**
   * False for a product that is no feature of the tiles (a storey, the site, an IfcRoof or IfcStair
   * whose parts are the features): stored so that its property sets can be asked for too. Default true.
   */
  inTiles?: boolean;
}

export class BimInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BimInputError';
  }
}

const MODEL_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** An IFC GlobalId: 22 characters of the IFC base-64 alphabet. */
const GLOBAL_ID = /^[0-9A-Za-z_$]{22}$/;

export function checkModelId(id: string): string {
  if (!MODEL_ID.test(id)) throw new BimInputError(`model ID ${JSON.stringify(id.slice(0, 80))} must be 1–64 of a–z, 0–9, "-" and "_", starting with a letter or digit`);
  return id;
}

export function isGlobalId(text: string): boolean {
  return GLOBAL_ID.test(text);
}

/** An element's GlobalId as the store and the API take it: 1–64 characters, none a control character. */
export function isAcceptableGlobalId(text: unknown): text is string {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) return false;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20 || text.charCodeAt(i) === 0x7f) return false;
  return true;
}
