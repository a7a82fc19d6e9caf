/**
 * What the CityJSON and CityGML readers hand the city-model tiler: one feature per top-level
 * city object, with its parts (BuildingPart, BuildingInstallation… children) gathered under it,
 * and every geometry as planar surfaces with their semantic surface type.
 */

/**
 * Semantic surface types, in the order of the `surface` property table every city-model tile
 * carries (the `_FEATURE_ID_1` value of a vertex is its row). Row 0: a surface without semantics.
 * CityGML 2.0 / CityJSON names (Building, Bridge, Tunnel and Transportation modules).
 */
export const SURFACE_TYPES = [
  '',
  'RoofSurface',
  'WallSurface',
  'GroundSurface',
  'ClosureSurface',
  'OuterCeilingSurface',
  'OuterFloorSurface',
  'Window',
  'Door',
  'InteriorWallSurface',
  'CeilingSurface',
  'FloorSurface',
  'WaterSurface',
  'WaterGroundSurface',
  'WaterClosureSurface',
  'TrafficArea',
  'AuxiliaryTrafficArea',
] as const;

const SURFACE_CODES = new Map<string, number>(SURFACE_TYPES.map((name, i) => [name, i]));

/** The row of a surface type in the `surface` table; 0 for none or an unknown type. */
export function surfaceCode(type: string | undefined): number {
  return type === undefined ? 0 : (SURFACE_CODES.get(type) ?? 0);
}

export interface CitySurface {
  /** Outer ring then holes, each flat [x, y, z, …] in the input CRS, not closed. */
  rings: Float64Array[];
  /** Semantic surface type ("RoofSurface", …), or undefined. */
  semantic?: string;
}

export interface CityGeometry {
  /** The LoD as the input writes it: "1", "2", "2.2", … */
  lod: string;
  surfaces: CitySurface[];
}

export interface CityObjectInput {
  id: string;
  /** CityJSON type / CityGML element name: "Building", "BuildingPart", "Road", … */
  type: string;
  attributes: Record<string, unknown>;
  geometries: CityGeometry[];
}

/** A top-level city object and the objects that belong to it (children, recursively). */
export interface CityFeature extends CityObjectInput {
  parts: CityObjectInput[];
}

export interface CityModelSource {
  /** "CityJSON 2.0", "CityJSONSeq 2.0", "CityGML 2.0". */
  format: string;
  /** The CRS the file declares (EPSG:xxxx), once known: before the first feature for CityJSON, for CityGML at the first srsName. */
  declaredCrs(): string | undefined;
  features: AsyncIterable<CityFeature> | Iterable<CityFeature>;
  /** GML: coordinates in a geographic EPSG CRS come latitude first (the EPSG axis order). */
  latitudeFirstWhenGeographic?: boolean;
}

/** An input problem tied to one city object (its ID), or to the file when `objectId` is undefined. */
export class CityModelError extends Error {
  constructor(
    readonly file: string,
    readonly objectId: string | undefined,
    readonly reason: string,
  ) {
    super(objectId === undefined ? `${file}: ${reason}` : `${file}: city object "${objectId}": ${reason}`);
    this.name = 'CityModelError';
  }
}

/**
 * An EPSG code from the ways CityJSON and CityGML name a CRS: "https://www.opengis.net/def/crs/EPSG/0/7415",
 * "urn:ogc:def:crs:EPSG::7415", "EPSG:7415", and the compound URN "urn:ogc:def:crs,crs:EPSG::28992,crs:EPSG::5709"
 * (its horizontal code). Anything else is returned as given, for the CRS module to accept or refuse.
 */
export function normaliseCrsName(name: string): string {
  const trimmed = name.trim();
  const url = /^https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/[^/]+\/(\d+)$/i.exec(trimmed);
  if (url) return `EPSG:${url[1]}`;
  const compound = /^urn:ogc:def:crs,crs:EPSG:[\d.]*:(\d+)/i.exec(trimmed);
  if (compound) return `EPSG:${compound[1]}`;
  const urn = /^urn:(?:x-)?ogc:def:crs:EPSG:[\d.]*:(\d+)$/i.exec(trimmed);
  if (urn) return `EPSG:${urn[1]}`;
  const plain = /^EPSG:(\d+)$/i.exec(trimmed);
  if (plain) return `EPSG:${plain[1]}`;
  return trimmed;
}

/** LoD strings compared as numbers ("2.2" > "2" > "1.3"). */
export function lodValue(lod: string): number {
  const n = Number.parseFloat(lod);
  return Number.isFinite(n) ? n : -1;
}

/** Whether a geometry's LoD answers a `--lod` request: "2" takes 2, 2.0, 2.1, 2.2…; "2.2" only 2.2. */
export function lodMatches(lod: string, wanted: string): boolean {
  if (wanted.includes('.')) return lodValue(lod) === lodValue(wanted);
  return Math.floor(lodValue(lod)) === Number.parseInt(wanted, 10);
}
