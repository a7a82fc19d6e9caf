/**
 * The demo's LoD2 patch (issue 18 §4): one block of the Lingnan old town (禅城老城) given simple
 * pitched roofs, written as a CityJSON 2.0 city model with RoofSurface / WallSurface /
 * GroundSurface semantics, and with each building's LoD1 block beside its LoD2 solid (as the
 * 3D BAG publishes both), so the city-model tiler tiles both levels from one file.
 *
 * - Rectangular houses get a gabled roof (双坡, ridge along the long side) or a hipped roof (四坡),
 *   chosen by the building's ID; the eaves stand at the LoD1 block's height, the ridge above.
 * - Courtyard houses (a footprint with a hole) keep a flat roof round their courtyard.
 * - Each building keeps its ID from the district (one ID per asset), so the LoD2 tiles, the LoD1
 *   tiles, the asset store and the URL all name the same building.
 *
 * Pure apart from proj4 (through the district's coordinate functions): no file access.
 */
import type { District, DemoBuilding } from './district.ts';
import { DISTRICT_CODE } from './district.ts';

type Position = [number, number];
type Point3 = [number, number, number];

/** The block of the old town the patch covers (column 2, row 5 of the district's 9 × 9 grid). */
export const LOD2_PATCH_BLOCK = `${DISTRICT_CODE}-K-25`;
/** Roof pitch of the old-town houses: rise over half the span (about 27°). */
const ROOF_SLOPE = 0.5;

export type RoofType = 'gabled' | 'hipped' | 'flat';

/** The buildings of the patch: those of the patch block's footprint, in the district's order. */
export function lod2PatchBuildings(district: District, blockId = LOD2_PATCH_BLOCK): DemoBuilding[] {
  const block = district.blocks.find((b) => b.id === blockId);
  if (!block) throw new Error(`the district has no block ${blockId}`);
  if (block.landUse !== 'old-town') throw new Error(`block ${blockId} is ${block.landUse}, not old town`);
  const [west, south, east, north] = block.bounds;
  return district.buildings.filter((building) => {
    const ring = building.parts[0]!.rings[0]!;
    return ring.every(([x, y]) => x >= west - 1 && x <= east + 1 && y >= south - 1 && y <= north + 1);
  });
}

/** A surface: its rings (outer first, then holes; not closed) of 3D points, and its semantic type. */
export interface Surface {
  rings: Point3[][];
  type: 'RoofSurface' | 'WallSurface' | 'GroundSurface';
}

const open = (ring: readonly Position[]): Position[] => {
  const n = ring.length;
  return n > 1 && ring[0]![0] === ring[n - 1]![0] && ring[0]![1] === ring[n - 1]![1] ? ring.slice(0, -1) : [...ring];
};
const at = ([x, y]: Position, z: number): Point3 => [x, y, z];
const mid = (a: Position, b: Position): Position => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
const distance = (a: Position, b: Position) => Math.hypot(b[0] - a[0], b[1] - a[1]);

/** Walls of one ring (outer counter-clockwise, holes clockwise): each edge a → b, facing out of the solid. */
function walls(ring: Position[], height: number): Surface[] {
  return ring.map((a, i) => {
    const b = ring[(i + 1) % ring.length]!;
    return { type: 'WallSurface', rings: [[at(a, 0), at(b, 0), at(b, height), at(a, height)]] };
  });
}

function ground(rings: Position[][]): Surface {
  return { type: 'GroundSurface', rings: rings.map((ring) => [...ring].reverse().map((p) => at(p, 0))) };
}

/** A LoD1 block: the footprint (with holes) extruded to `height`, a closed solid. */
export function blockSurfaces(footprint: readonly (readonly Position[])[], height: number): Surface[] {
  const rings = footprint.map(open);
  return [ground(rings), ...rings.flatMap((ring) => walls(ring, height)), { type: 'RoofSurface', rings: rings.map((ring) => ring.map((p) => at(p, height))) }];
}

/**
 * A pitched roof on a four-cornered footprint (counter-clockwise), eaves at `eave`: gabled
 * (two slopes, gable walls at the short ends) or hipped (four slopes, the ridge shortened by half
 * the span at each end). A closed solid with the ground, walls and roof.
 */
export function pitchedSurfaces(footprint: readonly Position[], eave: number, roof: 'gabled' | 'hipped'): { surfaces: Surface[]; ridge: number } {
  let c = open(footprint);
  if (c.length !== 4) throw new Error(`a pitched roof needs a four-cornered footprint, not ${c.length} corners`);
  // The first edge along the ridge (the long side).
  if (distance(c[0]!, c[1]!) < distance(c[1]!, c[2]!)) c = [c[1]!, c[2]!, c[3]!, c[0]!];
  const [c0, c1, c2, c3] = c as [Position, Position, Position, Position];
  const span = distance(c1, c2);
  const length = distance(c0, c1);
  const ridge = eave + (span / 2) * ROOF_SLOPE;
  let a = mid(c3, c0);
  let b = mid(c1, c2);
  const surfaces: Surface[] = [ground([c])];
  if (roof === 'gabled') {
    surfaces.push(
      { type: 'WallSurface', rings: [[at(c0, 0), at(c1, 0), at(c1, eave), at(c0, eave)]] },
      { type: 'WallSurface', rings: [[at(c1, 0), at(c2, 0), at(c2, eave), at(b, ridge), at(c1, eave)]] },
      { type: 'WallSurface', rings: [[at(c2, 0), at(c3, 0), at(c3, eave), at(c2, eave)]] },
      { type: 'WallSurface', rings: [[at(c3, 0), at(c0, 0), at(c0, eave), at(a, ridge), at(c3, eave)]] },
      { type: 'RoofSurface', rings: [[at(c0, eave), at(c1, eave), at(b, ridge), at(a, ridge)]] },
      { type: 'RoofSurface', rings: [[at(c2, eave), at(c3, eave), at(a, ridge), at(b, ridge)]] },
    );
  } else {
    // Hips at the slope of the roof; a near-square footprint keeps a short ridge.
    const inset = Math.min(span / 2, length / 2 - 0.5) / length;
    const along = (p: Position, t: number): Position => [p[0] + (c1[0] - c0[0]) * t, p[1] + (c1[1] - c0[1]) * t];
    a = along(a, inset);
    b = along(b, -inset);
    surfaces.push(
      ...walls(c, eave),
      { type: 'RoofSurface', rings: [[at(c0, eave), at(c1, eave), at(b, ridge), at(a, ridge)]] },
      { type: 'RoofSurface', rings: [[at(c1, eave), at(c2, eave), at(b, ridge)]] },
      { type: 'RoofSurface', rings: [[at(c2, eave), at(c3, eave), at(a, ridge), at(b, ridge)]] },
      { type: 'RoofSurface', rings: [[at(c3, eave), at(c0, eave), at(a, ridge)]] },
    );
  }
  return { surfaces, ridge };
}

/** The roof a building of the patch gets: flat round a courtyard, else gabled or hipped by its ID (one in three hipped). */
export function roofTypeOf(building: DemoBuilding): RoofType {
  const part = building.parts[0]!;
  if (part.rings.length > 1 || open(part.rings[0]!).length !== 4) return 'flat';
  const serial = Number.parseInt(building.properties.id.slice(-6), 10);
  return serial % 3 === 0 ? 'hipped' : 'gabled';
}

export interface Lod2Building {
  id: string;
  roof: RoofType;
  /** The LoD1 block's height (the eaves), metres. */
  eaveMetres: number;
  /** The highest point, metres. */
  ridgeMetres: number;
  lod1: Surface[];
  lod2: Surface[];
}

/** Both levels of one building, in local metres. */
export function lod2Building(building: DemoBuilding): Lod2Building {
  const part = building.parts[0]!;
  const eave = building.properties.heightMetres;
  const roof = roofTypeOf(building);
  const lod1 = blockSurfaces(part.rings, eave);
  if (roof === 'flat') return { id: building.properties.id, roof, eaveMetres: eave, ridgeMetres: eave, lod1, lod2: lod1 };
  const { surfaces, ridge } = pitchedSurfaces(part.rings[0]!, eave, roof);
  return { id: building.properties.id, roof, eaveMetres: eave, ridgeMetres: Math.round(ridge * 100) / 100, lod1, lod2: surfaces };
}

const SEMANTIC_SURFACES = [{ type: 'RoofSurface' }, { type: 'WallSurface' }, { type: 'GroundSurface' }] as const;
const SEMANTIC_INDEX = { RoofSurface: 0, WallSurface: 1, GroundSurface: 2 } as const;

/**
 * The patch as a CityJSON 2.0 document in EPSG:4547 (CGCS2000 3-degree GK zone 38, the district's
 * CRS), millimetre vertices. `convert` takes local metres to EPSG:4547; `stageOf` adds each
 * building's lifecycle stage, as the LoD1 source has it.
 */
export function lod2CityJson(buildings: readonly DemoBuilding[], convert: (p: Position) => Position, stageOf?: (id: string) => string | undefined): object {
  const scale = 0.001;
  const converted = new Map<string, Position>();
  const project = (x: number, y: number): Position => {
    const key = `${x},${y}`;
    let p = converted.get(key);
    if (!p) converted.set(key, (p = convert([x, y])));
    return p;
  };
  const models = buildings.map(lod2Building);
  let minimumX = Infinity;
  let minimumY = Infinity;
  for (const model of models) for (const s of model.lod1) for (const ring of s.rings) for (const [x, y] of ring) {
    const [e, n] = project(x, y);
    minimumX = Math.min(minimumX, e);
    minimumY = Math.min(minimumY, n);
  }
  const translate = [Math.floor(minimumX), Math.floor(minimumY), 0];
  const vertices: [number, number, number][] = [];
  const vertexIndex = new Map<string, number>();
  const index = ([x, y, z]: Point3): number => {
    const [e, n] = project(x, y);
    const v: [number, number, number] = [Math.round((e - translate[0]!) / scale), Math.round((n - translate[1]!) / scale), Math.round(z / scale)];
    const key = v.join(',');
    let i = vertexIndex.get(key);
    if (i === undefined) {
      i = vertices.length;
      vertices.push(v);
      vertexIndex.set(key, i);
    }
    return i;
  };
  const solid = (lod: string, surfaces: Surface[]) => ({
    type: 'Solid',
    lod,
    boundaries: [surfaces.map((s) => s.rings.map((ring) => ring.map(index)))],
    semantics: { surfaces: SEMANTIC_SURFACES, values: [surfaces.map((s) => SEMANTIC_INDEX[s.type])] },
  });
  const cityObjects: Record<string, object> = {};
  buildings.forEach((building, i) => {
    const model = models[i]!;
    const { id, heightMetres, ...rest } = building.properties;
    const stage = stageOf?.(id);
    cityObjects[id] = {
      type: 'Building',
      attributes: {
        ...rest,
        // The LoD1 block's height, as the LoD1 tiles have it: the same building reads the same at both levels.
        height: heightMetres,
        ...(stage !== undefined ? { stage } : {}),
        measuredHeight: model.ridgeMetres,
        eaveHeight: model.eaveMetres,
        roofType: model.roof,
      },
      geometry: [solid('1', model.lod1), solid('2', model.lod2)],
    };
  });
  return {
    type: 'CityJSON',
    version: '2.0',
    transform: { scale: [scale, scale, scale], translate },
    metadata: {
      referenceSystem: 'https://www.opengis.net/def/crs/EPSG/0/4547',
      title: '禅城区示范片区 岭南老城 LoD2 (generated demo data)',
    },
    CityObjects: cityObjects,
    vertices,
  };
}
