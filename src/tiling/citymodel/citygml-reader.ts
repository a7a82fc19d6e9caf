/**
 * CityGML 2.0 (and 1.0/3.0 documents of the same shape) read as a stream with saxes: the file is
 * never held whole; memory holds one top-level city object at a time. Each cityObjectMember
 * becomes a CityFeature: its nested BuildingParts, BuildingInstallations… become parts; its
 * lodN* geometries become surfaces with the LoD of the property they sit in and the semantic type
 * of the boundary surface (bldg:RoofSurface, bldg:WallSurface, …) that encloses them. A surface
 * referenced by xlink:href (a lod2Solid made of the boundedBy polygons, as most exports write)
 * is resolved within the object and counted once per LoD.
 */
import { createReadStream } from 'node:fs';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { CityModelError, normaliseCrsName, SURFACE_TYPES, type CityFeature, type CityGeometry, type CityModelSource, type CityObjectInput } from './model.ts';

/** Element names that are city objects of their own (CityGML 2.0 modules). */
const CITY_OBJECT_TYPES = new Set([
  'Building', 'BuildingPart', 'BuildingInstallation', 'IntBuildingInstallation', 'Bridge', 'BridgePart', 'BridgeInstallation', 'BridgeConstructionElement',
  'Tunnel', 'TunnelPart', 'TunnelInstallation', 'Road', 'Railway', 'Track', 'Square', 'TransportationComplex', 'WaterBody', 'PlantCover',
  'SolitaryVegetationObject', 'LandUse', 'GenericCityObject', 'ReliefFeature', 'TINRelief', 'CityFurniture', 'CityObjectGroup',
]);
const SEMANTIC_TYPES = new Set<string>(SURFACE_TYPES.filter((t) => t !== ''));
const GEOMETRY_PROPERTY = /^lod([0-4])(?:Solid|MultiSurface|CompositeSurface|Geometry|FootPrint|RoofEdge|ImplicitRepresentation)$/;
const GENERIC_ATTRIBUTE = /^(string|int|double|date|uri|measure)Attribute$/;

interface OpenObject {
  input: CityObjectInput;
  depth: number;
  /** LoD → surfaces; polygon records by the gml:id of any element enclosing them. */
  byLod: Map<string, { rings: Float64Array[]; semantic?: string; key: number }[]>;
}

interface PolygonRecord {
  rings: Float64Array[];
  semantic?: string;
  key: number;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

export async function openCityGml(file: string): Promise<CityModelSource> {
  let crs: string | undefined;
  let version = '2.0';
  async function* features(): AsyncGenerator<CityFeature> {
    const parser = new SaxesParser({ xmlns: false, position: true });
    const ready: CityFeature[] = [];
    const stack: string[] = [];
    let sawRoot = false;
    /** The last top-level object opened: malformed XML is reported in it (saxes may have unwound the stack). */
    let lastTopId: string | undefined;
    // The top-level feature being read, its nested objects, and the geometry context.
    let top: { feature: CityFeature; all: OpenObject[]; byId: Map<string, PolygonRecord[]>; hrefs: { object: OpenObject; lod: string; id: string }[] } | undefined;
    const objects: OpenObject[] = [];
    const lodStack: { lod: string; depth: number }[] = [];
    const semanticStack: { type: string; depth: number }[] = [];
    const groups: { id: string; depth: number; polygons: PolygonRecord[] }[] = [];
    let polygon: { rings: Float64Array[]; depth: number; dimension: number } | undefined;
    let text = '';
    let collectText = false;
    let ringCoordinates: number[] | undefined;
    let dimension = 3;
    let polygonKey = 0;
    let attribute: { name: string; depth: number; value?: string } | undefined;
    let simpleChildOf: { object: OpenObject; name: string; depth: number; hasChildren: boolean } | undefined;
    const fail = (reason: string) => new CityModelError(file, objects.at(-1)?.input.id ?? top?.feature.id, `${reason} (line ${parser.line})`);

    parser.on('opentag', (tag: SaxesTagPlain) => {
      const name = localName(tag.name);
      const depth = stack.length;
      stack.push(name);
      if (!sawRoot) {
        sawRoot = true;
        if (name !== 'CityModel') throw new CityModelError(file, undefined, `is not CityGML: its root element is <${tag.name}>, not CityModel`);
        const ns = Object.entries(tag.attributes).find(([k, v]) => k.startsWith('xmlns') && /citygml\/(\d\.\d)$/.test(String(v)));
        if (ns) version = /citygml\/(\d\.\d)$/.exec(String(ns[1]))![1]!;
      }
      if (simpleChildOf && depth > simpleChildOf.depth && !simpleChildOf.hasChildren) {
        simpleChildOf.hasChildren = true;
        collectText = false;
      }
      const srsName = tag.attributes['srsName'];
      if (crs === undefined && typeof srsName === 'string' && srsName.trim()) crs = normaliseCrsName(srsName);
      const srsDimension = tag.attributes['srsDimension'];
      if (typeof srsDimension === 'string') dimension = Number.parseInt(srsDimension, 10) || 3;
      const id = (tag.attributes['gml:id'] ?? tag.attributes['id']) as string | undefined;

      // A top-level object is whatever a cityObjectMember holds (so the report counts every one); nested ones are the known types.
      const parent = stack[depth - 1];
      const topLevel = top === undefined && (parent === 'cityObjectMember' || parent === 'featureMember');
      if (topLevel || (top !== undefined && objects.length > 0 && CITY_OBJECT_TYPES.has(name))) {
        const input: CityObjectInput = { id: id ?? '', type: name, attributes: {}, geometries: [] };
        if (top === undefined) {
          if (!id) throw fail(`a ${name} has no gml:id`);
          top = { feature: { ...input, parts: [] }, all: [], byId: new Map(), hrefs: [] };
          lastTopId = id;
          objects.push({ input: top.feature, depth, byLod: new Map() });
        } else {
          if (!input.id) input.id = `${top.feature.id}-part-${top.feature.parts.length + 1}`;
          top.feature.parts.push(input);
          objects.push({ input, depth, byLod: new Map() });
        }
        top.all.push(objects.at(-1)!);
        return;
      }
      const object = objects.at(-1);
      if (!object) return;
      if (depth === object.depth + 1 && !GEOMETRY_PROPERTY.test(name) && name !== 'boundedBy') {
        simpleChildOf = { object, name, depth, hasChildren: false };
        text = '';
        collectText = true;
      }
      const lod = GEOMETRY_PROPERTY.exec(name);
      if (lod) lodStack.push({ lod: lod[1]!, depth });
      if (SEMANTIC_TYPES.has(name)) semanticStack.push({ type: name, depth });
      if (GENERIC_ATTRIBUTE.test(name) && typeof tag.attributes['name'] === 'string') attribute = { name: tag.attributes['name'], depth };
      if (attribute && name === 'value') {
        text = '';
        collectText = true;
      }
      if (lodStack.length > 0 && id && !polygon) groups.push({ id, depth, polygons: [] });
      if (name === 'Polygon' || name === 'Triangle' || name === 'Rectangle') {
        polygon = { rings: [], depth, dimension };
      } else if (polygon && name === 'LinearRing') {
        ringCoordinates = [];
      } else if (ringCoordinates && (name === 'posList' || name === 'pos' || name === 'coordinates')) {
        text = '';
        collectText = true;
      }
      const href = tag.attributes['xlink:href'];
      if (typeof href === 'string' && lodStack.length > 0 && href.startsWith('#')) top?.hrefs.push({ object, lod: lodStack.at(-1)!.lod, id: href.slice(1) });
    });

    parser.on('text', (chunk: string) => {
      if (collectText) text += chunk;
    });

    parser.on('closetag', () => {
      const name = stack.pop()!;
      const depth = stack.length;
      if (ringCoordinates && (name === 'posList' || name === 'pos' || name === 'coordinates')) {
        for (const token of text.trim().split(name === 'coordinates' ? /[\s,]+/ : /\s+/)) {
          if (token === '') continue;
          const value = Number(token);
          if (!Number.isFinite(value)) throw fail(`coordinate "${token}" is not a number`);
          ringCoordinates.push(value);
        }
        collectText = false;
      } else if (name === 'LinearRing' && polygon && ringCoordinates) {
        const d = polygon.dimension;
        if (d !== 3) throw fail(`a ring has ${d}D coordinates; CityGML geometry needs srsDimension 3`);
        if (ringCoordinates.length % 3 !== 0) throw fail(`a ring's coordinate count ${ringCoordinates.length} is not a multiple of 3`);
        const out: number[] = [];
        for (let i = 0; i < ringCoordinates.length; i += 3) {
          const n = out.length;
          const [x, y, z] = [ringCoordinates[i]!, ringCoordinates[i + 1]!, ringCoordinates[i + 2]!];
          if (n >= 3 && out[n - 3] === x && out[n - 2] === y && out[n - 1] === z) continue;
          out.push(x, y, z);
        }
        const n = out.length;
        if (n >= 6 && out[0] === out[n - 3] && out[1] === out[n - 2] && out[2] === out[n - 1]) out.length = n - 3;
        // An exterior with fewer than 3 points makes the polygon degenerate (skipped below).
        polygon.rings.push(Float64Array.from(out));
        ringCoordinates = undefined;
      } else if (polygon && depth === polygon.depth) {
        const object = objects.at(-1);
        const lod = lodStack.at(-1);
        const rings = polygon.rings;
        polygon = undefined;
        if (object && lod && rings.length > 0 && rings[0]!.length >= 9) {
          const record: PolygonRecord = { rings: [rings[0]!, ...rings.slice(1).filter((r) => r.length >= 9)], key: polygonKey++ };
          const semantic = semanticStack.at(-1)?.type;
          if (semantic) record.semantic = semantic;
          const list = object.byLod.get(lod.lod) ?? [];
          list.push(record);
          object.byLod.set(lod.lod, list);
          for (const group of groups) group.polygons.push(record);
        }
      }
      if (groups.at(-1)?.depth === depth) {
        const group = groups.pop()!;
        top?.byId.set(group.id, group.polygons);
      }
      if (lodStack.at(-1)?.depth === depth) lodStack.pop();
      if (semanticStack.at(-1)?.depth === depth) semanticStack.pop();
      if (attribute && name === 'value') {
        attribute.value = text.trim();
        collectText = false;
      } else if (attribute && depth === attribute.depth) {
        const object = objects.at(-1);
        if (object && attribute.value !== undefined) object.input.attributes[attribute.name] = typedValue(attribute.value);
        attribute = undefined;
      }
      if (simpleChildOf && depth === simpleChildOf.depth) {
        if (!simpleChildOf.hasChildren && text.trim() !== '') {
          const key = simpleChildOf.name === 'name' ? 'name' : simpleChildOf.name;
          const attributes = simpleChildOf.object.input.attributes;
          if (!(key in attributes)) attributes[key] = typedValue(text.trim());
        }
        simpleChildOf = undefined;
        collectText = false;
      }
      const object = objects.at(-1);
      if (object && depth === object.depth) {
        objects.pop();
        if (objects.length === 0 && top) {
          // The top-level object is complete: resolve xlinks, then hand it on.
          for (const { object: target, lod, id } of top.hrefs) {
            const polygons = top.byId.get(id);
            if (!polygons) throw new CityModelError(file, top.feature.id, `xlink:href "#${id}" names no geometry inside this object`);
            const list = target.byLod.get(lod) ?? [];
            const present = new Set(list.map((p) => p.key));
            for (const p of polygons) if (!present.has(p.key)) list.push(p);
            target.byLod.set(lod, list);
          }
          for (const done of top.all) {
            done.input.geometries = [...done.byLod].map(([lod, list]): CityGeometry => ({ lod, surfaces: list.map((p) => (p.semantic ? { rings: p.rings, semantic: p.semantic } : { rings: p.rings })) }));
          }
          ready.push(top.feature);
          top = undefined;
        }
      }
    });

    const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
    try {
      for await (const chunk of stream) {
        parser.write(chunk as string);
        while (ready.length > 0) yield ready.shift()!;
      }
      parser.close();
    } catch (error) {
      if (error instanceof CityModelError) throw error;
      throw new CityModelError(file, top?.feature.id ?? lastTopId, `malformed XML: ${(error as Error).message}`);
    } finally {
      stream.destroy();
    }
    while (ready.length > 0) yield ready.shift()!;
    if (!sawRoot) throw new CityModelError(file, undefined, 'is empty: no XML root element');
  }
  return { format: `CityGML ${version}`, declaredCrs: () => crs, features: features(), latitudeFirstWhenGeographic: true };
}

function typedValue(text: string): string | number {
  return /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) && text.length < 16 ? Number(text) : text;
}
