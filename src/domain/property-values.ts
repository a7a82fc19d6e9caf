/**
 * Property values as stored, and their units, for the attribute panel. A planner checking data
 * must see what the tiles hold: no rounding, no translation in place of the value. Pure: no
 * Cesium, React or DOM.
 */

/** What the metadata schema says of a property (3D Tiles 1.1 / EXT_structural_metadata class property). */
export interface PropertyDefinitionInfo {
  /** SCALAR, VEC3, STRING, ENUM, … */
  type?: string;
  /** FLOAT32, FLOAT64, INT32, UINT16, … */
  componentType?: string;
  semantic?: string;
  description?: string;
  /** The schema's display name. */
  name?: string;
}

/**
 * Units of the scalar semantics of the 3D Tiles Metadata Semantic Reference (3d-tiles
 * specification/Metadata/Semantics): heights and geometric errors are in metres.
 */
const SEMANTIC_UNITS: Readonly<Record<string, string>> = {
  TILE_MINIMUM_HEIGHT: 'm',
  TILE_MAXIMUM_HEIGHT: 'm',
  TILE_GEOMETRIC_ERROR: 'm',
  CONTENT_MINIMUM_HEIGHT: 'm',
  CONTENT_MAXIMUM_HEIGHT: 'm',
};

/** The project's own property names (its tiles and the demo), where the name is not self-describing. */
const KNOWN_PROPERTY_UNITS: Readonly<Record<string, string>> = {
  height: 'm',
  min_height: 'm',
};

/** The project's naming rule (units in names, as Cesium's coding guide has it): a suffix gives the unit. */
const SUFFIX_UNITS: readonly [RegExp, string][] = [
  [/Millimetres$/, 'mm'],
  [/Centimetres$/, 'cm'],
  [/Kilometres$/, 'km'],
  [/SquareMetres$/, 'm²'],
  [/CubicMetres$/, 'm³'],
  [/Metres$/, 'm'],
  [/Degrees$/, '°'],
  [/Radians$/, 'rad'],
  [/Seconds$/, 's'],
];

/** Unit words a description may use, and their symbols. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  metres: 'm', meters: 'm', metre: 'm', meter: 'm', millimetres: 'mm', millimeters: 'mm', centimetres: 'cm', centimeters: 'cm',
  kilometres: 'km', kilometers: 'km', degrees: '°', radians: 'rad', seconds: 's',
  米: 'm', 毫米: 'mm', 厘米: 'cm', 千米: 'km', 公里: 'km', 平方米: 'm²', 立方米: 'm³', 度: '°', 秒: 's',
};

/** Unit symbols accepted in brackets at the end of a description ("Height above ground (m)"). */
const UNIT_SYMBOLS = new Set(['m', 'mm', 'cm', 'km', 'm²', 'm2', 'm³', 'm3', '°', 'deg', 'rad', 's', 'h', 'kg', 't', 'Pa', 'kPa', 'MPa', '%', '℃', '°C', 'L/s', 'm/s', 'm³/h', 'm3/h', 'ppm', '%LEL', 'mg/L']);

function unitToken(token: string): string | undefined {
  const trimmed = token.trim();
  if (UNIT_SYMBOLS.has(trimmed)) return trimmed;
  return UNIT_WORDS[trimmed.toLowerCase()];
}

/** The unit a schema description states: "unit: m", "units: mm", "单位：米", "in metres", or a trailing "(m)" / "（米）". */
export function unitFromDescription(description: string | undefined): string | undefined {
  if (!description) return undefined;
  const labelled = /\bunits?\s*[:=]\s*([^\s,;)）]+)/i.exec(description) ?? /单位\s*[:：为是]?\s*([^\s,;，；。)）]+)/.exec(description);
  if (labelled) return unitToken(labelled[1]!.replace(/[.。]$/, '')) ?? labelled[1]!.replace(/[.。]$/, '');
  const inWords = /\bin\s+(metres|meters|millimetres|millimeters|centimetres|centimeters|kilometres|kilometers|degrees|radians|seconds)\b/i.exec(description);
  if (inWords) return UNIT_WORDS[inWords[1]!.toLowerCase()];
  const bracketed = /[(（[]\s*([^()（）[\]]{1,8})\s*[)）\]]\s*[.。]?\s*$/.exec(description);
  return bracketed ? unitToken(bracketed[1]!) : undefined;
}

/** A property's unit: from its schema (semantic, then description), else from the project's known property names. */
export function unitOf(propertyId: string, definition?: PropertyDefinitionInfo): string | undefined {
  const fromSemantic = definition?.semantic ? SEMANTIC_UNITS[definition.semantic] : undefined;
  if (fromSemantic) return fromSemantic;
  const fromDescription = unitFromDescription(definition?.description);
  if (fromDescription) return fromDescription;
  if (definition?.type && definition.type !== 'SCALAR' && !definition.type.startsWith('VEC') && !definition.type.startsWith('MAT')) return undefined;
  const known = KNOWN_PROPERTY_UNITS[propertyId];
  if (known) return known;
  return SUFFIX_UNITS.find(([pattern]) => pattern.test(propertyId))?.[1];
}

/** The shortest decimal that reads back as the same float32: what a FLOAT32 property stores, without float64 noise. */
export function float32Text(value: number): string {
  if (!Number.isFinite(value) || Math.fround(value) !== value) return String(value);
  for (let digits = 1; digits <= 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(value);
}

/**
 * A stored value as text, unchanged: every digit of a number (a FLOAT32 without the float64 digits
 * its widening adds), strings as they are, arrays and vectors element by element.
 */
export function rawValueText(value: unknown, componentType?: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return componentType === 'FLOAT32' ? float32Text(value) : String(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => rawValueText(v, componentType)).join(', ')}]`;
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}
