/**
 * ESRI shapefiles (.shp with its .dbf, and .prj/.cpg when present), read by @loaders.gl/shapefile
 * into GeoJSON-shaped features. The CRS comes from the .prj (WKT); the text encoding from the .cpg,
 * else the DBF's language driver (GBK for Chinese survey data), else UTF-8.
 *
 * loaders.gl's ShapefileLoader fetches the sidecar files by URL, which does not work on local paths
 * in Node, so the .shp and .dbf are parsed here with its SHPLoader and DBFLoader.
 */
import { parse } from '@loaders.gl/core';
import { convertBinaryGeometryToGeometry } from '@loaders.gl/gis';
import { DBFLoader, SHPLoader } from '@loaders.gl/shapefile';
import { readFile } from 'node:fs/promises';
import { TilingInputError } from '../errors.ts';
import type { PipeInput } from './pipe-features.ts';

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}

/** Sidecar path with the extension in the case the .shp uses (data.SHP → data.DBF). */
function sidecar(file: string, extension: string): string[] {
  const base = file.replace(/\.shp$/i, '');
  return [`${base}.${extension}`, `${base}.${extension.toUpperCase()}`];
}

async function readSidecar(file: string, extension: string): Promise<Buffer | undefined> {
  for (const path of sidecar(file, extension)) {
    const data = await readOptional(path);
    if (data) return data;
  }
  return undefined;
}

/** DBF language driver IDs (header byte 29) that mean Chinese GBK/GB2312. */
const GBK_LANGUAGE_DRIVERS = new Set([0x4d, 0x7a]);

export function dbfEncoding(cpg: string | undefined, dbf: Uint8Array, override?: string): string {
  const named = (override ?? cpg)?.trim();
  if (named) {
    const codePage: Record<string, string> = { '936': 'gbk', '65001': 'utf-8', '1252': 'windows-1252', '950': 'big5', '54936': 'gb18030' };
    return codePage[named] ?? named.toLowerCase();
  }
  return GBK_LANGUAGE_DRIVERS.has(dbf[29] ?? 0) ? 'gbk' : 'utf-8';
}

export async function openShapefile(file: string, options: { encoding?: string } = {}): Promise<PipeInput> {
  const shp = await readOptional(file);
  if (!shp) throw new TilingInputError(file, undefined, 'cannot read the file (does it exist?)');
  const dbf = await readSidecar(file, 'dbf');
  if (!dbf) throw new TilingInputError(file, undefined, `has no attribute table beside it (${sidecar(file, 'dbf')[0]})`);
  const prj = (await readSidecar(file, 'prj'))?.toString('utf8').trim();
  const cpg = (await readSidecar(file, 'cpg'))?.toString('utf8');
  const encoding = dbfEncoding(cpg, dbf, options.encoding);
  try {
    new TextDecoder(encoding);
  } catch {
    throw new TilingInputError(file, undefined, `unknown text encoding "${encoding}" (from ${options.encoding ? '--encoding' : 'the .cpg file'})`);
  }
  let geometries: unknown[];
  let rows: Record<string, unknown>[];
  try {
    const parsed = (await parse(shp, SHPLoader)) as { geometries: unknown[] };
    geometries = parsed.geometries;
  } catch (error) {
    throw new TilingInputError(file, undefined, `malformed .shp: ${(error as Error).message}`);
  }
  try {
    const table = (await parse(dbf, DBFLoader, { dbf: { encoding, shape: 'object-row-table' } } as never)) as { data: Record<string, unknown>[] };
    rows = table.data;
  } catch (error) {
    throw new TilingInputError(file, undefined, `malformed .dbf: ${(error as Error).message}`);
  }
  if (rows.length !== geometries.length) throw new TilingInputError(file, undefined, `the .shp has ${geometries.length} shapes but the .dbf has ${rows.length} records`);
  function* features() {
    for (let i = 0; i < geometries.length; i++) {
      const binary = geometries[i];
      const geometry = binary ? convertBinaryGeometryToGeometry(binary as never) : null;
      yield { type: 'Feature', geometry, properties: rows[i] };
    }
  }
  return { sourceName: file, features: features(), declaredCrs: () => prj || undefined };
}
