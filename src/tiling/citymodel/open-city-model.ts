/**
 * Which reader an input needs, told from its first bytes (not its name): XML with a CityModel root
 * is CityGML; JSON naming CityJSON or CityObjects is CityJSON or CityJSONSeq; other JSON is GeoJSON.
 */
import { open } from 'node:fs/promises';
import { openCityGml } from './citygml-reader.ts';
import { openCityJson } from './cityjson-reader.ts';
import { CityModelError, type CityModelSource } from './model.ts';

export type InputKind = 'geojson' | 'cityjson' | 'citygml';

const HEAD_BYTES = 64 * 1024;

export async function detectInputKind(file: string): Promise<InputKind> {
  let head: string;
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
      head = buffer.toString('utf8', 0, bytesRead).replace(/^\uFEFF/, '');
    } finally {
      await handle.close();
    }
  } catch {
    // The GeoJSON reader names the file and says it cannot be read.
    return 'geojson';
  }
  const start = head.trimStart();
  if (start.startsWith('<')) {
    if (/<([A-Za-z_][\w.-]*:)?CityModel[\s>/]/.test(head)) return 'citygml';
    throw new CityModelError(file, undefined, 'is XML but not CityGML (no CityModel root element in its first 64 KB)');
  }
  if (/"type"\s*:\s*"CityJSON(Feature)?"/.test(head) || /"CityObjects"\s*:/.test(head)) return 'cityjson';
  return 'geojson';
}

export async function openCityModel(file: string, kind: Exclude<InputKind, 'geojson'>): Promise<CityModelSource> {
  return kind === 'citygml' ? openCityGml(file) : openCityJson(file);
}
