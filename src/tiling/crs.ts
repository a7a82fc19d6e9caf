/**
 * Coordinate reference systems the tiler accepts, and conversion of input coordinates to
 * WGS84 longitude/latitude and to Earth-centred, Earth-fixed (ECEF) metres. All projection
 * maths is done by proj4; EPSG codes are looked up in the EPSG database of the `epsg-index`
 * package (one small JSON file per code, read on demand: this module is Node-only).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import proj4 from 'proj4';

export class UnknownCrsError extends Error {
  constructor(
    readonly crs: string,
    /** Why it cannot be used; default: it is not a CRS name, proj4 string or WKT we can read. */
    readonly reason = 'not an EPSG code (EPSG:xxxx), a proj4 string (+proj=…), CRS84 or WKT',
  ) {
    super(`unknown CRS "${crs}": ${reason}`);
    this.name = 'UnknownCrsError';
  }
}

const GEOGRAPHIC_WGS84 = '+proj=longlat +datum=WGS84 +no_defs';
const GEOCENTRIC_WGS84 = '+proj=geocent +datum=WGS84 +units=m +no_defs';

/** One entry of the EPSG database (epsg-index). */
interface EpsgEntry {
  code: string;
  kind: string;
  name: string;
  proj4?: string;
  wkt?: string;
  bbox?: [number, number, number, number];
  unit?: string;
}

const requireFromHere = createRequire(import.meta.url);
const entries = new Map<number, EpsgEntry | null>();

function epsgEntry(code: number): EpsgEntry | undefined {
  if (!entries.has(code)) {
    let entry: EpsgEntry | null;
    try {
      entry = JSON.parse(readFileSync(requireFromHere.resolve(`epsg-index/s/${code}.json`), 'utf8')) as EpsgEntry;
    } catch {
      entry = null; // no such file: the code is not in the database
    }
    entries.set(code, entry);
  }
  return entries.get(code) ?? undefined;
}

const KIND_WORDS: Record<string, string> = {
  'CRS-VERTCRS': 'is a vertical CRS (heights only); give the horizontal CRS of the coordinates (or a compound CRS, whose horizontal part is used)',
  'CRS-GCENCRS': 'is a geocentric (Earth-centred XYZ) CRS; the tiler reads planar or geographic coordinates',
  'CRS-ENGCRS': 'is an engineering (local) CRS, not tied to the Earth; give the CRS the coordinates were surveyed in, or a proj4 string',
  'CRS-DRVDCRS': 'is a derived (grid) CRS that proj4 cannot describe; give a proj4 string',
};

/**
 * The datum grids a definition names, but '@null' (no shift). proj4 has no grid files here: a
 * missing grid, even an optional '@name' one, makes proj4js print a warning and give NaN.
 */
function neededGrids(definition: string): string[] {
  const grids: string[] = [];
  for (const match of definition.matchAll(/\+(?:nadgrids|geoidgrids)=("[^"]*"|\S+)/g)) {
    for (const grid of match[1]!.replace(/^"|"$/g, '').split(',')) if (grid !== '@null') grids.push(grid.replace(/^@/, ''));
  }
  return grids;
}

/** The horizontal part of a definition: vertical units and geoid grids are for heights, which the tiler does not take from a CRS. */
function horizontalPart(definition: string): string {
  return definition
    .replace(/\s*\+(?:vunits|vto_meter|geoidgrids)=\S+/g, '')
    .replace(/\s*\+type=crs\b/, '')
    .trim();
}

/**
 * The EPSG code of a compound CRS's horizontal component, from its WKT
 * (COMPD_CS["…", PROJCS[… AUTHORITY["EPSG","28992"]], VERT_CS[…]]).
 */
function horizontalComponentCode(wkt: string | undefined): number | undefined {
  const start = wkt ? /^COMPD_CS\[\s*"[^"]*"\s*,\s*(?=(?:PROJCS|GEOGCS)\[)/.exec(wkt) : null;
  if (!wkt || !start) return undefined;
  let depth = 0;
  for (let i = start[0].length; i < wkt.length; i++) {
    if (wkt[i] === '[') depth++;
    else if (wkt[i] === ']' && --depth === 0) {
      const code = /AUTHORITY\[\s*"EPSG"\s*,\s*"(\d+)"\s*\]\s*\]$/.exec(wkt.slice(start[0].length, i + 1));
      return code ? Number(code[1]) : undefined;
    }
  }
  return undefined;
}

/** Checks proj4 can build and run a definition, at a point of its area of use when known. */
function checkWithProj4(definition: string, where?: [number, number, number, number]): string | undefined {
  try {
    const converter = proj4(GEOGRAPHIC_WGS84, definition);
    // epsg-index's bbox is [north, west, south, east]; west > east crosses the antimeridian.
    const [north, west, south, east] = where ?? [0, 0, 0, 0];
    let lon = east >= west ? (west + east) / 2 : (west + east + 360) / 2;
    if (lon > 180) lon -= 360;
    const xy = converter.forward([lon, (north + south) / 2]) as number[];
    const back = converter.inverse(xy) as number[];
    if (!xy.every(Number.isFinite) || !back.every(Number.isFinite)) return 'proj4 gives no finite coordinates for it';
    return undefined;
  } catch (error) {
    return `proj4 cannot use its definition (${(error as Error).message || String(error)})`;
  }
}

/**
 * The proj4 definition of an EPSG code's horizontal CRS, or a sentence saying why it cannot be
 * used (not in the database, no proj4 definition, vertical, geocentric, engineering, a datum grid
 * that is not available, or a projection proj4 does not implement).
 */
function epsgLookup(code: number): { definition: string } | { reason: string } {
  if (code === 4326) return { definition: GEOGRAPHIC_WGS84 };
  const entry = epsgEntry(code);
  const label = `EPSG:${code}`;
  if (!entry) return { reason: `${label} is not in the EPSG database` };
  const named = `${label} (${entry.name})`;
  const kindWords = KIND_WORDS[entry.kind];
  if (kindWords) return { reason: `${named} ${kindWords}` };
  if (entry.kind === 'CRS-COMPOUNDCRS') {
    // The horizontal component's own entry: the compound's proj4 in the database can lack its +towgs84.
    const horizontal = horizontalComponentCode(entry.wkt);
    if (horizontal !== undefined && horizontal !== code) {
      const result = epsgLookup(horizontal);
      return 'reason' in result ? { reason: `${named} is compound; its horizontal part: ${result.reason}` } : result;
    }
  }
  if (!entry.proj4 || !/\+proj=/.test(entry.proj4)) return { reason: `${named} has no proj4 definition in the EPSG database; give a proj4 string` };
  const definition = horizontalPart(entry.proj4);
  if (/\+proj=geocent\b/.test(definition)) return { reason: `${named} ${KIND_WORDS['CRS-GCENCRS']}` };
  const grids = neededGrids(definition);
  if (grids.length) return { reason: `${named} needs the datum grid ${grids.join(', ')}, which is not available; give a proj4 string with +towgs84 instead` };
  const problem = checkWithProj4(definition, entry.bbox);
  if (problem) return { reason: `${named}: ${problem}; give a proj4 string` };
  return { definition };
}

/**
 * proj4 definition (horizontal part) for an EPSG code, from the EPSG database; undefined when the
 * code is not in it or cannot be used (resolveCrs says why).
 */
export function epsgDefinition(code: number): string | undefined {
  const result = epsgLookup(code);
  return 'definition' in result ? result.definition : undefined;
}

/** Resolve a CRS name ("EPSG:4547", "urn:ogc:def:crs:EPSG::4547", "CRS84"), a proj4 string or WKT (a .prj file). */
export function resolveCrs(crs: string): string {
  const trimmed = crs.trim();
  if (trimmed.startsWith('+proj=')) {
    const definition = horizontalPart(trimmed);
    if (/\+proj=geocent\b/.test(definition)) throw new UnknownCrsError(crs, KIND_WORDS['CRS-GCENCRS']!.replace(/^is/, 'it is'));
    const grids = neededGrids(definition);
    if (grids.length) throw new UnknownCrsError(crs, `it needs the datum grid ${grids.join(', ')}, which is not available; use +towgs84 instead`);
    const problem = checkWithProj4(definition);
    if (problem) throw new UnknownCrsError(crs, problem);
    return definition;
  }
  if (/^(urn:ogc:def:crs:OGC:1\.3:)?CRS84$/i.test(trimmed)) return GEOGRAPHIC_WGS84;
  if (/^(PROJCS|GEOGCS|PROJCRS|GEOGCRS|COMPD_CS|COMPOUNDCRS)\s*\[/i.test(trimmed)) {
    // WKT, as in a shapefile's .prj: the top-level EPSG authority if it names a usable code, else proj4's own reading.
    const authority = /AUTHORITY\s*\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]\s*\]\s*$/i.exec(trimmed);
    const known = authority ? epsgLookup(Number(authority[1])) : undefined;
    if (known && 'definition' in known) return known.definition;
    try {
      proj4(trimmed, GEOGRAPHIC_WGS84).forward([0, 0]);
    } catch {
      const shown = crs.length > 80 ? `${crs.slice(0, 80)}…` : crs;
      throw new UnknownCrsError(shown, known && 'reason' in known ? known.reason : 'proj4 cannot read this WKT');
    }
    return trimmed;
  }
  const match = /^(?:EPSG:|urn:ogc:def:crs:EPSG:[\d.]*:)(\d+)$/i.exec(trimmed);
  if (!match) throw new UnknownCrsError(crs);
  const result = epsgLookup(Number(match[1]));
  if ('reason' in result) throw new UnknownCrsError(crs, result.reason);
  return result.definition;
}

export type PositionConverter = (x: number, y: number) => [number, number];

/** A function from input coordinates in `crs` to [longitude, latitude] in degrees (WGS84). */
export function toLonLat(crs: string): PositionConverter {
  const definition = resolveCrs(crs);
  if (definition === GEOGRAPHIC_WGS84) return (x, y) => [x, y];
  const converter = proj4(definition, GEOGRAPHIC_WGS84);
  return (x, y) => converter.forward([x, y]) as [number, number];
}

/** A function from input coordinates in `crs` to [x, y] in that CRS from WGS84 lon/lat (the inverse of toLonLat). */
export function fromLonLat(crs: string): PositionConverter {
  const definition = resolveCrs(crs);
  if (definition === GEOGRAPHIC_WGS84) return (x, y) => [x, y];
  const converter = proj4(definition, GEOGRAPHIC_WGS84);
  return (lon, lat) => converter.inverse([lon, lat]) as [number, number];
}

const geocentric = proj4(GEOGRAPHIC_WGS84, GEOCENTRIC_WGS84);

/** WGS84 longitude, latitude (degrees) and ellipsoidal height (metres) to ECEF metres. */
export function lonLatHeightToEcef(lonDegrees: number, latDegrees: number, heightMetres: number): [number, number, number] {
  return geocentric.forward([lonDegrees, latDegrees, heightMetres]) as [number, number, number];
}
