/**
 * Coordinate reference systems the tiler accepts, and conversion of input coordinates to
 * WGS84 longitude/latitude and to Earth-centred, Earth-fixed (ECEF) metres. All projection
 * maths is done by proj4; this module only names the definitions.
 */
import proj4 from 'proj4';

export class UnknownCrsError extends Error {
  constructor(readonly crs: string) {
    super(`unknown CRS "${crs}": use EPSG:4326, EPSG:4490, a CGCS2000 Gauss–Krüger zone (EPSG:4491–4554), UTM (EPSG:326xx/327xx), EPSG:3857, EPSG:28992, or a proj4 string`);
    this.name = 'UnknownCrsError';
  }
}

const GEOGRAPHIC_WGS84 = '+proj=longlat +datum=WGS84 +no_defs';
/** CGCS2000 uses the GRS80 ellipsoid; at metre level it coincides with WGS84 (see DOMAIN.md). */
const GEOGRAPHIC_CGCS2000 = '+proj=longlat +ellps=GRS80 +no_defs';
const GEOCENTRIC_WGS84 = '+proj=geocent +datum=WGS84 +units=m +no_defs';

function transverseMercator(centralMeridianDegrees: number, falseEastingMetres: number): string {
  return `+proj=tmerc +lat_0=0 +lon_0=${centralMeridianDegrees} +k=1 +x_0=${falseEastingMetres} +y_0=0 +ellps=GRS80 +units=m +no_defs`;
}

/**
 * proj4 definition for an EPSG code, or undefined when the code is not one we name.
 * Codes follow the EPSG registry:
 * - 4491–4501: CGCS2000 6-degree GK zones 13–23 with the zone number prefixed to the easting;
 * - 4502–4512: the same zones without prefix (CM 75°E … 135°E);
 * - 4513–4533: CGCS2000 3-degree GK zones 25–45 with prefix;
 * - 4534–4554: the same zones without prefix (CM 75°E … 135°E); Foshan/Guangzhou use 4547 (CM 114°E).
 */
export function epsgDefinition(code: number): string | undefined {
  if (code === 4326) return GEOGRAPHIC_WGS84;
  if (code === 4490) return GEOGRAPHIC_CGCS2000;
  if (code === 4978) return GEOCENTRIC_WGS84;
  if (code === 3857) return '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +no_defs';
  if (code === 28992 || code === 7415) {
    return '+proj=sterea +lat_0=52.1561605555556 +lon_0=5.38763888888889 +k=0.9999079 +x_0=155000 +y_0=463000 +ellps=bessel +towgs84=565.4171,50.3319,465.5524,1.9342,-1.6677,9.1019,4.0725 +units=m +no_defs';
  }
  if (code >= 4491 && code <= 4501) {
    const zone = 13 + (code - 4491);
    return transverseMercator(zone * 6 - 3, zone * 1_000_000 + 500_000);
  }
  if (code >= 4502 && code <= 4512) return transverseMercator(75 + 6 * (code - 4502), 500_000);
  if (code >= 4513 && code <= 4533) {
    const zone = 25 + (code - 4513);
    return transverseMercator(zone * 3, zone * 1_000_000 + 500_000);
  }
  if (code >= 4534 && code <= 4554) return transverseMercator(75 + 3 * (code - 4534), 500_000);
  if ((code >= 32601 && code <= 32660) || (code >= 32701 && code <= 32760)) {
    const south = code > 32700;
    const zone = code - (south ? 32700 : 32600);
    return `+proj=utm +zone=${zone}${south ? ' +south' : ''} +datum=WGS84 +units=m +no_defs`;
  }
  return undefined;
}

/** Resolve a CRS name ("EPSG:4547", "urn:ogc:def:crs:EPSG::4547", "CRS84"), a proj4 string or WKT (a .prj file). */
export function resolveCrs(crs: string): string {
  const trimmed = crs.trim();
  if (trimmed.startsWith('+proj=')) {
    try {
      proj4(trimmed, GEOGRAPHIC_WGS84);
    } catch {
      throw new UnknownCrsError(crs);
    }
    return trimmed;
  }
  if (/^(urn:ogc:def:crs:OGC:1\.3:)?CRS84$/i.test(trimmed)) return GEOGRAPHIC_WGS84;
  if (/^(PROJCS|GEOGCS|PROJCRS|GEOGCRS)\s*\[/i.test(trimmed)) {
    // WKT, as in a shapefile's .prj: the top-level EPSG authority if it names one we know, else proj4's own reading.
    const authority = /AUTHORITY\s*\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]\s*\]\s*$/i.exec(trimmed);
    const known = authority ? epsgDefinition(Number(authority[1])) : undefined;
    if (known) return known;
    try {
      proj4(trimmed, GEOGRAPHIC_WGS84);
    } catch {
      throw new UnknownCrsError(crs.length > 80 ? `${crs.slice(0, 80)}…` : crs);
    }
    return trimmed;
  }
  const match = /^(?:EPSG:|urn:ogc:def:crs:EPSG:[\d.]*:)(\d+)$/i.exec(trimmed);
  const definition = match ? epsgDefinition(Number(match[1])) : undefined;
  if (!definition) throw new UnknownCrsError(crs);
  return definition;
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
