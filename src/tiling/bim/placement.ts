/**
 * Where an IFC model stands on the Earth (issue 18): IfcMapConversion to an IfcProjectedCRS (IFC4:
 * eastings, northings, height, x-axis, scale); otherwise IfcSite RefLatitude / RefLongitude /
 * RefElevation, turned by the context's TrueNorth; otherwise `--origin lon,lat,height --rotation`.
 * An `--origin` given explicitly overrides the file (Revit writes a default site in Chicago).
 * Without any of them the model cannot be placed, and the error says to give --origin.
 * A placement maps IFC model coordinates (metres, Z up) to east-north-up metres at its origin.
 * IfcSite's reference is the position of the site's own placement origin (IFC4: "the point 0.,0.,0.
 * of the LocalPlacement of IfcSite"), which surveyors often put away from the model's origin, e.g. at
 * (1000, 2000, 0): that point, not the model's origin, stands at RefLatitude/RefLongitude. The site's
 * rotation does not turn the model: TrueNorth is a direction in the project (world) coordinates.
 * Pure but for proj4 (through crs.ts).
 */
import { toLonLat } from '../crs.ts';
import { LocalFrame } from '../local-frame.ts';

export type PlacementSource = 'map-conversion' | 'site-reference' | 'origin-option';

export interface Placement {
  source: PlacementSource;
  /** The origin of the model's coordinates on the Earth: WGS84 degrees, ellipsoidal metres. */
  lonDegrees: number;
  latDegrees: number;
  heightMetres: number;
  /** Azimuth of the model's +Y axis, degrees clockwise from true north (Cesium's heading). */
  headingDegrees: number;
  /** Model metres per ground metre (IfcMapConversion.Scale; 1 otherwise). */
  scale: number;
  /**
   * The model point (metres, Z up) that stands at lon/lat/height: the IfcSite's placement origin for a
   * site reference. Absent: the model's origin (0, 0, 0).
   */
  modelOrigin?: [number, number, number];
  /** One line for the CLI: which placement was used and what it says. */
  description: string;
}

export interface MapConversionInput {
  /** IfcProjectedCRS.Name, e.g. "EPSG:4547" (or a proj4 string). */
  crs: string;
  eastings: number;
  northings: number;
  orthogonalHeight: number;
  xAxisAbscissa?: number;
  xAxisOrdinate?: number;
  scale?: number;
}

export interface SiteReferenceInput {
  /** IfcCompoundPlaneAngleMeasure: degrees, minutes, seconds, millionths of a second (all of one sign). */
  refLatitude: number[];
  refLongitude: number[];
  refElevation?: number;
  /** The context's TrueNorth direction in model X, Y (default 0, 1: model +Y is north). */
  trueNorth?: [number, number];
  /** Where the IfcSite's placement puts its origin, in model coordinates (metres): the point the reference is of. */
  siteOrigin?: [number, number, number];
}

export interface OriginOption {
  lonDegrees: number;
  latDegrees: number;
  heightMetres: number;
  headingDegrees: number;
}

export class PlacementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlacementError';
  }
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** IfcCompoundPlaneAngleMeasure (d, m, s, millionths) to decimal degrees. */
export function compoundAngleDegrees(parts: readonly number[]): number {
  const [d = 0, m = 0, s = 0, micro = 0] = parts;
  return d + m / 60 + s / 3600 + micro / 3.6e9;
}

function normaliseHeading(degrees: number): number {
  const h = degrees % 360;
  return h < 0 ? h + 360 : h;
}

export function fromOrigin(origin: OriginOption): Placement {
  const { lonDegrees, latDegrees, heightMetres, headingDegrees } = origin;
  if (![lonDegrees, latDegrees, heightMetres, headingDegrees].every(Number.isFinite) || Math.abs(latDegrees) > 90 || Math.abs(lonDegrees) > 180) {
    throw new PlacementError(`--origin must be lon,lat,height in degrees and metres and --rotation degrees, got ${lonDegrees},${latDegrees},${heightMetres} rotation ${headingDegrees}`);
  }
  return {
    source: 'origin-option',
    lonDegrees,
    latDegrees,
    heightMetres,
    headingDegrees: normaliseHeading(headingDegrees),
    scale: 1,
    description: `--origin ${lonDegrees},${latDegrees},${heightMetres} --rotation ${headingDegrees}`,
  };
}

export function fromMapConversion(input: MapConversionInput): Placement {
  let convert: (x: number, y: number) => [number, number];
  try {
    convert = toLonLat(input.crs);
  } catch (error) {
    throw new PlacementError(`IfcMapConversion to IfcProjectedCRS "${input.crs}": ${(error as Error).message}`);
  }
  const scale = input.scale && input.scale > 0 ? input.scale : 1;
  const a = input.xAxisAbscissa ?? 1;
  const b = input.xAxisOrdinate ?? 0;
  const length = Math.hypot(a, b) || 1;
  const [lonDegrees, latDegrees] = convert(input.eastings, input.northings);
  if (!Number.isFinite(lonDegrees) || !Number.isFinite(latDegrees)) throw new PlacementError(`IfcMapConversion: eastings ${input.eastings}, northings ${input.northings} are not in ${input.crs}`);
  // The model's x-axis on the ground: project a point 10 m along it in grid terms, so that the
  // grid's convergence from true north at the site is accounted for.
  const step = 10;
  const [lon2, lat2] = convert(input.eastings + (step * a) / length, input.northings + (step * b) / length);
  const [east, north] = new LocalFrame(lonDegrees, latDegrees).toLocal(lon2, lat2, 0);
  const xAngleFromEast = (Math.atan2(north, east) * 180) / Math.PI;
  const headingDegrees = normaliseHeading(-xAngleFromEast);
  return {
    source: 'map-conversion',
    lonDegrees,
    latDegrees,
    heightMetres: input.orthogonalHeight,
    headingDegrees,
    scale,
    description: `IfcMapConversion in ${input.crs}: E ${input.eastings}, N ${input.northings}, H ${input.orthogonalHeight} → ${round(lonDegrees, 7)}, ${round(latDegrees, 7)}, heading ${round(headingDegrees, 3)}°${scale !== 1 ? `, scale ${scale}` : ''}`,
  };
}

export function fromSiteReference(input: SiteReferenceInput): Placement {
  const latDegrees = compoundAngleDegrees(input.refLatitude);
  const lonDegrees = compoundAngleDegrees(input.refLongitude);
  if (!Number.isFinite(latDegrees) || !Number.isFinite(lonDegrees) || Math.abs(latDegrees) > 90 || Math.abs(lonDegrees) > 180) {
    throw new PlacementError(`IfcSite RefLatitude/RefLongitude (${input.refLatitude.join(',')}; ${input.refLongitude.join(',')}) is not a position`);
  }
  const [tx, ty] = input.trueNorth ?? [0, 1];
  // North lies at angle φ from the model's x-axis; the model's +Y is then φ − 90° clockwise from north.
  const phi = (Math.atan2(ty, tx) * 180) / Math.PI;
  const headingDegrees = normaliseHeading(phi - 90);
  const origin = input.siteOrigin;
  const offset = origin !== undefined && origin.some((v) => v !== 0);
  if (origin && !origin.every(Number.isFinite)) throw new PlacementError(`IfcSite placement origin (${origin.join(', ')}) is not a point`);
  return {
    source: 'site-reference',
    lonDegrees,
    latDegrees,
    heightMetres: input.refElevation ?? 0,
    headingDegrees,
    scale: 1,
    ...(offset ? { modelOrigin: origin } : {}),
    description: `IfcSite RefLatitude/RefLongitude: ${round(lonDegrees, 7)}, ${round(latDegrees, 7)}, elevation ${input.refElevation ?? 0} m, heading ${round(headingDegrees, 3)}°${offset ? `, at the site's origin (${origin.map((v) => round(v, 3)).join(', ')}) of the model` : ''}`,
  };
}

/** Choose a placement by the rule above; throws PlacementError naming what is missing. */
export function choosePlacement(found: { mapConversion?: MapConversionInput; site?: SiteReferenceInput }, origin?: OriginOption): Placement {
  if (origin) return fromOrigin(origin);
  if (found.mapConversion) return fromMapConversion(found.mapConversion);
  if (found.site) return fromSiteReference(found.site);
  throw new PlacementError('has no IfcMapConversion and no IfcSite RefLatitude/RefLongitude: give --origin lon,lat,height [--rotation degrees]');
}

/** Model coordinates (metres, Z up) to east, north, up metres at the placement's origin. */
export function modelToEnu(placement: Placement, x: number, y: number, z: number): [number, number, number] {
  const alpha = (-placement.headingDegrees * Math.PI) / 180; // the model's x-axis, counter-clockwise from east
  const c = Math.cos(alpha);
  const s = Math.sin(alpha);
  const k = 1 / placement.scale;
  const [ox, oy, oz] = placement.modelOrigin ?? [0, 0, 0];
  const [dx, dy, dz] = [x - ox, y - oy, z - oz];
  return [k * (dx * c - dy * s), k * (dx * s + dy * c), k * dz + placement.heightMetres];
}

/**
 * Column-major 4×4 from web-ifc's world coordinates (Y up: x, z, −y of the model) to glTF
 * coordinates of a LocalFrame at the placement's origin (x = east, y = up, z = −north).
 */
export function webIfcToFrameMatrix(placement: Placement): number[] {
  const alpha = (-placement.headingDegrees * Math.PI) / 180;
  const c = Math.cos(alpha);
  const s = Math.sin(alpha);
  const k = 1 / placement.scale;
  // model (X, Y, Z) = (wx, −wz, wy); ENU e = k(Xc − Ys), n = k(Xs + Yc), u = kZ + h; glTF (e, u, −n).
  // e = k(c·wx + s·wz); u = k·wy + h; −n = −k(s·wx − c·wz) = k(−s·wx + c·wz).
  // The model origin (ox, oy, oz) is subtracted first: in web-ifc's axes, w − (ox, oz, −oy).
  const [ox, oy, oz] = placement.modelOrigin ?? [0, 0, 0];
  const [wx, wy, wz] = [ox, oz, -oy];
  const tx = -k * (c * wx + s * wz);
  const ty = placement.heightMetres - k * wy;
  const tz = -k * (-s * wx + c * wz);
  return [k * c, 0, -k * s, 0, 0, k, 0, 0, k * s, 0, k * c, 0, tx, ty, tz, 1];
}
