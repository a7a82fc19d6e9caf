/**
 * CityJSON (1.1, 2.0; 1.0 read the same way) and CityJSONSeq (one CityJSON header line, then one
 * CityJSONFeature per line) into CityFeatures. Told apart by content: a file whose first line is a
 * whole CityJSON object is read line by line (its own CityObjects, then one feature per following
 * line); anything else is parsed as one JSON document. A sequence holds one line at a time; a
 * plain CityJSON document is held whole (JSON.parse of the file: memory about 5–10 times its size),
 * so very large models should come as CityJSONSeq (`cjio model.city.json export jsonl`).
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { CityModelError, normaliseCrsName, type CityFeature, type CityGeometry, type CityModelSource, type CityObjectInput, type CitySurface } from './model.ts';

interface Transform {
  scale: [number, number, number];
  translate: [number, number, number];
}

interface CityJsonObject {
  type?: unknown;
  attributes?: unknown;
  geometry?: unknown;
  children?: unknown;
  parents?: unknown;
}

interface CityJsonDocument {
  type?: unknown;
  version?: unknown;
  id?: unknown;
  CityObjects?: Record<string, CityJsonObject>;
  vertices?: unknown;
  transform?: Transform;
  metadata?: { referenceSystem?: unknown };
}

/** Geometry types with no area: not an error, they give no surfaces. */
const NON_AREAL = new Set(['MultiPoint', 'MultiLineString']);

class GeometryReader {
  constructor(
    private readonly file: string,
    private readonly vertices: unknown[],
    private readonly transform: Transform | undefined,
  ) {}

  private point(index: unknown, objectId: string, out: number[]): void {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= this.vertices.length) {
      throw new CityModelError(this.file, objectId, `vertex index ${JSON.stringify(index)} is out of range (the ${this.vertices.length === 0 ? 'vertex list is empty' : `vertices are numbered 0 to ${this.vertices.length - 1}`})`);
    }
    const v = this.vertices[index] as unknown;
    if (!Array.isArray(v) || v.length < 3 || !v.slice(0, 3).every((c) => typeof c === 'number' && Number.isFinite(c))) {
      throw new CityModelError(this.file, objectId, `vertex ${index} is not three finite numbers (${JSON.stringify(v)})`);
    }
    const t = this.transform;
    const x = t ? (v[0] as number) * t.scale[0] + t.translate[0] : (v[0] as number);
    const y = t ? (v[1] as number) * t.scale[1] + t.translate[1] : (v[1] as number);
    const z = t ? (v[2] as number) * t.scale[2] + t.translate[2] : (v[2] as number);
    const n = out.length;
    // Repeated consecutive points (and a repeated closing point) add nothing to a ring.
    if (n >= 3 && out[n - 3] === x && out[n - 2] === y && out[n - 1] === z) return;
    out.push(x, y, z);
  }

  private ring(indices: unknown, objectId: string): Float64Array | undefined {
    if (!Array.isArray(indices)) throw new CityModelError(this.file, objectId, 'a ring is not an array of vertex indices');
    const out: number[] = [];
    for (const index of indices) this.point(index, objectId, out);
    const n = out.length;
    if (n >= 6 && out[0] === out[n - 3] && out[1] === out[n - 2] && out[2] === out[n - 1]) out.length = n - 3;
    return out.length >= 9 ? Float64Array.from(out) : undefined;
  }

  private surface(rings: unknown, semantic: string | undefined, objectId: string, into: CitySurface[]): void {
    if (!Array.isArray(rings) || rings.length === 0) throw new CityModelError(this.file, objectId, 'a surface is not an array of rings');
    const outer = this.ring(rings[0], objectId);
    const holes = rings.slice(1).map((r) => this.ring(r, objectId));
    if (!outer) return; // a degenerate surface (fewer than 3 distinct points) has no area
    const surface: CitySurface = { rings: [outer, ...holes.filter((h): h is Float64Array => h !== undefined)] };
    if (semantic !== undefined) surface.semantic = semantic;
    into.push(surface);
  }

  read(geometry: unknown, objectId: string): CityGeometry | undefined {
    const g = geometry as { type?: unknown; lod?: unknown; boundaries?: unknown; semantics?: { surfaces?: { type?: unknown }[]; values?: unknown } };
    if (g === null || typeof g !== 'object') throw new CityModelError(this.file, objectId, 'a geometry is not an object');
    const type = String(g.type);
    if (NON_AREAL.has(type)) return { lod: String(g.lod ?? ''), surfaces: [] };
    if (type === 'GeometryInstance') throw new CityModelError(this.file, objectId, 'has a GeometryInstance (geometry template), which the tiler does not read yet');
    const depth = type === 'MultiSurface' || type === 'CompositeSurface' ? 0 : type === 'Solid' ? 1 : type === 'MultiSolid' || type === 'CompositeSolid' ? 2 : -1;
    if (depth < 0) throw new CityModelError(this.file, objectId, `geometry type ${JSON.stringify(g.type)} is not a CityJSON geometry type`);
    const semanticSurfaces = g.semantics?.surfaces ?? [];
    const semanticOf = (value: unknown): string | undefined => {
      if (typeof value !== 'number') return undefined;
      const type = semanticSurfaces[value]?.type;
      return typeof type === 'string' ? type : undefined;
    };
    const surfaces: CitySurface[] = [];
    const walk = (boundaries: unknown, values: unknown, level: number) => {
      if (!Array.isArray(boundaries)) throw new CityModelError(this.file, objectId, `the ${type}'s boundaries are not nested arrays`);
      boundaries.forEach((item, i) => {
        const value = Array.isArray(values) ? values[i] : undefined;
        if (level === 0) this.surface(item, semanticOf(value), objectId, surfaces);
        else walk(item, value, level - 1);
      });
    };
    walk(g.boundaries, g.semantics?.values, depth);
    return { lod: String(g.lod ?? ''), surfaces };
  }
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The top-level objects of a set of CityObjects, each with its descendants as parts. */
function* featuresOf(file: string, objects: Record<string, CityJsonObject>, reader: GeometryReader): Generator<CityFeature> {
  const input = (id: string, object: CityJsonObject): CityObjectInput => {
    const geometries: CityGeometry[] = [];
    for (const g of Array.isArray(object.geometry) ? object.geometry : []) {
      const read = reader.read(g, id);
      if (read) geometries.push(read);
    }
    const attributes = object.attributes && typeof object.attributes === 'object' ? { ...(object.attributes as Record<string, unknown>) } : {};
    return { id, type: typeof object.type === 'string' ? object.type : 'CityObject', attributes, geometries };
  };
  for (const [id, object] of Object.entries(objects)) {
    if (object === null || typeof object !== 'object') throw new CityModelError(file, id, 'is not a JSON object');
    // Objects with a parent in the file are read as parts of their top-level ancestor.
    if (stringList(object.parents).some((p) => p in objects)) continue;
    const parts: CityObjectInput[] = [];
    const seen = new Set([id]);
    const queue = stringList(object.children);
    while (queue.length > 0) {
      const childId = queue.shift()!;
      if (seen.has(childId)) continue;
      seen.add(childId);
      const child = objects[childId];
      if (!child) continue; // a child in another tile of a split dataset
      parts.push(input(childId, child));
      queue.push(...stringList(child.children));
    }
    yield { ...input(id, object), parts };
  }
}

function checkHeader(file: string, document: CityJsonDocument): { transform: Transform | undefined; crs: string | undefined; version: string } {
  if (document.type !== 'CityJSON') throw new CityModelError(file, undefined, `is not CityJSON (its "type" is ${JSON.stringify(document.type)})`);
  const version = String(document.version ?? '');
  if (!/^(1\.0|1\.1|2\.0)(\.\d+)?$/.test(version)) throw new CityModelError(file, undefined, `CityJSON version ${JSON.stringify(document.version)} is not one the tiler reads (1.0, 1.1, 2.0)`);
  const t = document.transform;
  if (t !== undefined) {
    const ok = (a: unknown) => Array.isArray(a) && a.length === 3 && a.every((c) => typeof c === 'number' && Number.isFinite(c));
    if (!ok(t.scale) || !ok(t.translate)) throw new CityModelError(file, undefined, '"transform" needs "scale" and "translate", three numbers each');
  }
  const rs = document.metadata?.referenceSystem;
  return { transform: t, crs: typeof rs === 'string' && rs.trim() ? normaliseCrsName(rs) : undefined, version };
}

async function firstLine(file: string): Promise<string> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  let line = '';
  for await (const chunk of stream) {
    const newline = (chunk as string).indexOf('\n');
    if (newline >= 0) {
      line += (chunk as string).slice(0, newline);
      break;
    }
    line += chunk as string;
  }
  stream.destroy();
  return line;
}

function parseJson(file: string, text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CityModelError(file, undefined, `malformed JSON ${where}: ${(error as Error).message}`);
  }
}

/** Open a CityJSON or CityJSONSeq file. Bad structure throws CityModelError naming the file (and the object). */
export async function openCityJson(file: string): Promise<CityModelSource> {
  let head: unknown;
  try {
    head = JSON.parse(await firstLine(file));
  } catch {
    head = undefined;
  }
  if (head && typeof head === 'object' && (head as CityJsonDocument).type === 'CityJSON') {
    // CityJSONSeq (or a one-line CityJSON): the header, then one CityJSONFeature per line.
    const header = checkHeader(file, head as CityJsonDocument);
    let lines = 0;
    let sequence = false;
    async function* features(): AsyncGenerator<CityFeature> {
      const lineReader = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
      let first = true;
      for await (const line of lineReader) {
        lines++;
        if (!line.trim()) continue;
        const document = parseJson(file, line, `on line ${lines}`) as CityJsonDocument;
        if (first) {
          first = false;
          yield* featuresOf(file, document.CityObjects ?? {}, new GeometryReader(file, Array.isArray(document.vertices) ? document.vertices : [], header.transform));
          continue;
        }
        sequence = true;
        if (document?.type !== 'CityJSONFeature') throw new CityModelError(file, undefined, `line ${lines} is not a CityJSONFeature (its "type" is ${JSON.stringify(document?.type)})`);
        if (!document.CityObjects || typeof document.CityObjects !== 'object') throw new CityModelError(file, typeof document.id === 'string' ? document.id : undefined, `line ${lines} has no "CityObjects"`);
        yield* featuresOf(file, document.CityObjects, new GeometryReader(file, Array.isArray(document.vertices) ? document.vertices : [], header.transform));
      }
    }
    return {
      // A one-line CityJSON document reads the same way; it is a sequence once a feature line follows.
      get format() {
        return `${sequence ? 'CityJSONSeq' : 'CityJSON'} ${header.version}`;
      },
      declaredCrs: () => header.crs,
      features: features(),
    };
  }
  const document = parseJson(file, await readFile(file, 'utf8'), '') as CityJsonDocument;
  if (document === null || typeof document !== 'object') throw new CityModelError(file, undefined, 'is not a CityJSON object');
  const header = checkHeader(file, document);
  if (!document.CityObjects || typeof document.CityObjects !== 'object') throw new CityModelError(file, undefined, 'has no "CityObjects"');
  const reader = new GeometryReader(file, Array.isArray(document.vertices) ? document.vertices : [], header.transform);
  return { format: `CityJSON ${header.version}`, declaredCrs: () => header.crs, features: featuresOf(file, document.CityObjects, reader) };
}
