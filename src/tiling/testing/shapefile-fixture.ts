/**
 * Shapefiles for the importers' tests, written by @mapbox/shp-write. Its DBF writer stores one
 * byte per character, so Chinese values are written as ASCII placeholders of the same byte
 * length and replaced by their GBK bytes afterwards, as survey software writes them.
 */
import write from '@mapbox/shp-write/src/write.js';
import { writeFile } from 'node:fs/promises';

export interface ShapefileFixture {
  rows: Record<string, unknown>[];
  type: 'POINT' | 'POLYLINE';
  /** POINT: [x, y]; POLYLINE: [[x, y], …] (one part). */
  geometries: unknown[];
  prj?: string;
  cpg?: string;
  /** Placeholder → bytes to put in its place in the .dbf. */
  replacements?: Record<string, number[]>;
}

export async function writeShapefile(base: string, fixture: ShapefileFixture): Promise<string> {
  const geometries = fixture.type === 'POLYLINE' ? fixture.geometries.map((line) => [line]) : fixture.geometries;
  const files = await new Promise<{ shp: DataView; shx: DataView; dbf: DataView }>((resolve, reject) => write(fixture.rows, fixture.type, geometries, (error, result) => (error ? reject(error as Error) : resolve(result))));
  const bytes = (view: DataView) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  const dbf = Buffer.from(bytes(files.dbf));
  for (const [placeholder, replacement] of Object.entries(fixture.replacements ?? {})) {
    if (Buffer.byteLength(placeholder) !== replacement.length) throw new Error(`placeholder ${placeholder} must be ${replacement.length} bytes`);
    let at = dbf.indexOf(placeholder);
    if (at < 0) throw new Error(`placeholder ${placeholder} not found`);
    while (at >= 0) {
      Buffer.from(replacement).copy(dbf, at);
      at = dbf.indexOf(placeholder, at + 1);
    }
  }
  await writeFile(`${base}.shp`, bytes(files.shp));
  await writeFile(`${base}.shx`, bytes(files.shx));
  await writeFile(`${base}.dbf`, dbf);
  if (fixture.prj) await writeFile(`${base}.prj`, fixture.prj);
  if (fixture.cpg) await writeFile(`${base}.cpg`, fixture.cpg);
  return `${base}.shp`;
}

/** ESRI WKT of CGCS2000 3-degree Gauss–Krüger CM 114E (EPSG:4547), as survey software writes it, without an EPSG authority. */
export const CGCS2000_GK_CM_114E_WKT =
  'PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]';

/** GBK bytes of 球墨铸铁 (ductile iron) and 给水 (water supply). */
export const GBK = { ductileIron: [0xc7, 0xf2, 0xc4, 0xab, 0xd6, 0xfd, 0xcc, 0xfa], water: [0xb8, 0xf8, 0xcb, 0xae] };
