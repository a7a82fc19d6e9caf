/**
 * City-model fixtures with known answers: a 10 × 10 m house, walls 6 m, a gabled roof with its
 * ridge at 9 m, a 1 × 2 m window hole in its south wall; and a 8 × 8 × 4 m LoD1 block. In
 * EPSG:7415 (RD New + NAP) near Delft. Areas: roof 20·√34 m², walls 268 m², ground 100 m².
 */
export const HOUSE_AREAS = { RoofSurface: 20 * Math.sqrt(34), WallSurface: 268, GroundSurface: 100 };
export const ORIGIN = { x: 85000, y: 447000 };

const HOUSE_VERTICES: [number, number, number][] = [
  [0, 0, 0], [10, 0, 0], [10, 10, 0], [0, 10, 0],
  [0, 0, 6], [10, 0, 6], [10, 10, 6], [0, 10, 6],
  [0, 5, 9], [10, 5, 9],
  // the window hole in the south wall (y = 0), wound against its wall
  [4, 0, 1], [4, 0, 3], [5, 0, 3], [5, 0, 1],
];
/** Surfaces as rings of vertex indices (outer first), each with its semantic type; outward counter-clockwise. */
const HOUSE_SURFACES: { type: keyof typeof HOUSE_AREAS; rings: number[][] }[] = [
  { type: 'GroundSurface', rings: [[0, 3, 2, 1]] },
  { type: 'WallSurface', rings: [[0, 1, 5, 4], [10, 11, 12, 13]] },
  { type: 'WallSurface', rings: [[2, 3, 7, 6]] },
  { type: 'WallSurface', rings: [[3, 0, 4, 8, 7]] },
  { type: 'WallSurface', rings: [[1, 2, 6, 9, 5]] },
  { type: 'RoofSurface', rings: [[4, 5, 9, 8]] },
  { type: 'RoofSurface', rings: [[6, 7, 8, 9]] },
];
const BLOCK_VERTICES: [number, number, number][] = [
  [30, 0, 0], [38, 0, 0], [38, 8, 0], [30, 8, 0],
  [30, 0, 4], [38, 0, 4], [38, 8, 4], [30, 8, 4],
];
const BLOCK_SURFACES = [[0, 3, 2, 1], [4, 5, 6, 7], [0, 1, 5, 4], [1, 2, 6, 5], [2, 3, 7, 6], [3, 0, 4, 7]];

export interface CityJsonFixtureOptions {
  version?: '1.1' | '2.0';
  /** Replace a vertex index of the house with this one (an out-of-range test). */
  badIndex?: number;
  referenceSystem?: string;
}

/** The house (LoD1 block and LoD2 solid with semantics, as a Building with one BuildingPart) and the block (LoD1 only). */
export function cityJsonFixture(options: CityJsonFixtureOptions = {}): Record<string, unknown> {
  const scale = 0.001;
  const vertices = [...HOUSE_VERTICES, ...BLOCK_VERTICES].map(([x, y, z]) => [Math.round(x / scale), Math.round(y / scale), Math.round(z / scale)]);
  const houseLod2 = HOUSE_SURFACES.map((s) => s.rings.map((r) => [...r]));
  if (options.badIndex !== undefined) houseLod2[1]![0]![2] = options.badIndex;
  const types = [...new Set(HOUSE_SURFACES.map((s) => s.type))];
  const block = (offset: number) => [BLOCK_SURFACES.map((r) => [r.map((i) => i + offset)])];
  // The house's LoD1: the box to the eaves (6 m).
  const houseLod1 = [[[0, 3, 2, 1]], [[4, 5, 6, 7]], [[0, 1, 5, 4]], [[1, 2, 6, 5]], [[2, 3, 7, 6]], [[3, 0, 4, 7]]];
  return {
    type: 'CityJSON',
    version: options.version ?? '2.0',
    transform: { scale: [scale, scale, scale], translate: [ORIGIN.x, ORIGIN.y, 0] },
    metadata: { referenceSystem: options.referenceSystem ?? 'https://www.opengis.net/def/crs/EPSG/0/7415' },
    CityObjects: {
      'house-1': { type: 'Building', attributes: { name: '山墙屋', measuredHeight: 9, yearOfConstruction: 1936, roofType: 'gabled' }, children: ['house-1-0'], geometry: [] },
      'house-1-0': {
        type: 'BuildingPart',
        parents: ['house-1'],
        attributes: { storeysAboveGround: 2 },
        geometry: [
          { type: 'Solid', lod: '1.2', boundaries: [houseLod1] },
          { type: 'Solid', lod: '2.2', boundaries: [houseLod2], semantics: { surfaces: types.map((type) => ({ type })), values: [HOUSE_SURFACES.map((s) => types.indexOf(s.type))] } },
        ],
      },
      'block-2': { type: 'Building', attributes: { function: 'garage' }, geometry: [{ type: 'Solid', lod: '1', boundaries: block(HOUSE_VERTICES.length) }] },
      'lawn-3': { type: 'PlantCover', attributes: {}, geometry: [{ type: 'MultiSurface', lod: '1', boundaries: [[[0, 1, 2, 3]]] }] },
    },
    vertices,
  };
}

/** The same objects as CityJSONSeq text: the header line, then one CityJSONFeature per top-level object. */
export function cityJsonSeqFixture(options: CityJsonFixtureOptions = {}): string {
  const whole = cityJsonFixture(options) as { CityObjects: Record<string, { children?: string[] }>; vertices: number[][] } & Record<string, unknown>;
  const { CityObjects: objects, vertices, ...header } = whole;
  const lines = [JSON.stringify({ ...header, CityObjects: {}, vertices: [] })];
  for (const [id, object] of Object.entries(objects)) {
    if ((object as { parents?: string[] }).parents) continue;
    const members: Record<string, unknown> = { [id]: object };
    for (const child of object.children ?? []) members[child] = objects[child];
    // Each feature carries the whole vertex list here: indices stay valid (a real sequence renumbers per feature).
    lines.push(JSON.stringify({ type: 'CityJSONFeature', id, CityObjects: members, vertices }));
  }
  return `${lines.join('\n')}\n`;
}

function posList(ring: number[], vertices: [number, number, number][]): string {
  const points = [...ring, ring[0]!].map((i) => vertices[i]!);
  return points.map(([x, y, z]) => `${(ORIGIN.x + x).toFixed(3)} ${(ORIGIN.y + y).toFixed(3)} ${z.toFixed(3)}`).join(' ');
}

function gmlPolygon(id: string | undefined, rings: number[][], vertices: [number, number, number][]): string {
  const [outer, ...holes] = rings;
  return `<gml:Polygon${id ? ` gml:id="${id}"` : ''}><gml:exterior><gml:LinearRing><gml:posList srsDimension="3">${posList(outer!, vertices)}</gml:posList></gml:LinearRing></gml:exterior>${holes
    .map((h) => `<gml:interior><gml:LinearRing><gml:posList srsDimension="3">${posList(h, vertices)}</gml:posList></gml:LinearRing></gml:interior>`)
    .join('')}</gml:Polygon>`;
}

export interface CityGmlFixtureOptions {
  srsName?: string;
  /** Write the block's LoD1 solid with gml:pos elements instead of posList. */
  posElements?: boolean;
}

/**
 * CityGML 2.0: the house (bldg:lod2Solid made of xlinks to its boundedBy Roof/Wall/GroundSurface
 * polygons, gml:name, measuredHeight, generic attributes) and the block (an inline bldg:lod1Solid
 * in a BuildingPart).
 */
export function cityGmlFixture(options: CityGmlFixtureOptions = {}): string {
  const srs = options.srsName ?? 'urn:ogc:def:crs:EPSG::7415';
  const surfaces = HOUSE_SURFACES.map((s, i) => ({ ...s, id: `house-1-poly-${i}` }));
  const boundedBy = surfaces
    .map((s, i) => `<bldg:boundedBy><bldg:${s.type} gml:id="house-1-${s.type}-${i}"><bldg:lod2MultiSurface><gml:MultiSurface><gml:surfaceMember>${gmlPolygon(s.id, s.rings, HOUSE_VERTICES)}</gml:surfaceMember></gml:MultiSurface></bldg:lod2MultiSurface></bldg:${s.type}></bldg:boundedBy>`)
    .join('\n');
  const solid = `<bldg:lod2Solid><gml:Solid><gml:exterior><gml:CompositeSurface>${surfaces.map((s) => `<gml:surfaceMember xlink:href="#${s.id}"/>`).join('')}</gml:CompositeSurface></gml:exterior></gml:Solid></bldg:lod2Solid>`;
  const blockPolygon = (ring: number[]) =>
    options.posElements
      ? `<gml:Polygon><gml:exterior><gml:LinearRing>${[...ring, ring[0]!].map((i) => BLOCK_VERTICES[i]!).map(([x, y, z]) => `<gml:pos>${ORIGIN.x + x} ${ORIGIN.y + y} ${z}</gml:pos>`).join('')}</gml:LinearRing></gml:exterior></gml:Polygon>`
      : gmlPolygon(undefined, [ring], BLOCK_VERTICES);
  const block = `<bldg:lod1Solid><gml:Solid><gml:exterior><gml:CompositeSurface>${BLOCK_SURFACES.map((r) => `<gml:surfaceMember>${blockPolygon(r)}</gml:surfaceMember>`).join('')}</gml:CompositeSurface></gml:exterior></gml:Solid></bldg:lod1Solid>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" xmlns:bldg="http://www.opengis.net/citygml/building/2.0" xmlns:gen="http://www.opengis.net/citygml/generics/2.0" xmlns:gml="http://www.opengis.net/gml" xmlns:xlink="http://www.w3.org/1999/xlink">
<gml:boundedBy><gml:Envelope srsName="${srs}" srsDimension="3"><gml:lowerCorner>${ORIGIN.x} ${ORIGIN.y} 0</gml:lowerCorner><gml:upperCorner>${ORIGIN.x + 38} ${ORIGIN.y + 10} 9</gml:upperCorner></gml:Envelope></gml:boundedBy>
<core:cityObjectMember>
<bldg:Building gml:id="house-1">
<gml:name>山墙屋</gml:name>
<gen:stringAttribute name="roofMaterial"><gen:value>tiles</gen:value></gen:stringAttribute>
<gen:intAttribute name="storeys"><gen:value>2</gen:value></gen:intAttribute>
<bldg:roofType>1030</bldg:roofType>
<bldg:yearOfConstruction>1936</bldg:yearOfConstruction>
<bldg:measuredHeight uom="m">9</bldg:measuredHeight>
${solid}
${boundedBy}
</bldg:Building>
</core:cityObjectMember>
<core:cityObjectMember>
<bldg:Building gml:id="block-2">
<bldg:function>garage</bldg:function>
<bldg:consistsOfBuildingPart><bldg:BuildingPart gml:id="block-2-part"><bldg:storeysAboveGround>1</bldg:storeysAboveGround>${block}</bldg:BuildingPart></bldg:consistsOfBuildingPart>
</bldg:Building>
</core:cityObjectMember>
</core:CityModel>
`;
}
