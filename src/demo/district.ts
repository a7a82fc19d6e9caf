/**
 * The demo district: a seeded, deterministic, plausible piece of Foshan's Chancheng district
 * (禅城区, about 113.12°E, 23.02°N), 2 km × 2 km: named streets of three classes, blocks
 * with land use, a stretch of river, and 3,000+ buildings of varied form (slabs, point towers,
 * L-shapes, courtyards, towers on podiums, dense 城中村 village blocks, factories).
 *
 * Geometry is laid out in local metres (x east, y north) around the centre and returned in
 * WGS84 lon/lat through the CGCS2000 3-degree Gauss–Krüger zone of Foshan (EPSG:4547).
 * Pure apart from proj4: no file access; scripts/demo-data.ts writes the output.
 */
import seedrandom from 'seedrandom';
import type { BuildingProperties, BuildingUse } from '../domain/buildings.ts';
import { fromLonLat, toLonLat } from '../tiling/crs.ts';

export const DISTRICT_CENTRE = { lonDegrees: 113.12, latDegrees: 23.02 } as const;
export const DISTRICT_HALF_SIZE_METRES = 1000;
/** Administrative division code of 佛山市禅城区, used as the ID prefix. */
export const DISTRICT_CODE = '440604';
export const DEFAULT_SEED = 'cim-twin-chancheng-v1';

type Position = [number, number];
type LocalRing = Position[];

export type StreetClass = 'arterial' | 'secondary' | 'branch';
export type LandUse = 'residential' | 'commercial' | 'old-town' | 'village' | 'industrial' | 'public' | 'park' | 'water';

export interface Street {
  name: string;
  streetClass: StreetClass;
  widthMetres: number;
  /** Centre line in local metres. */
  line: [Position, Position];
}

export interface Block {
  id: string;
  landUse: LandUse;
  /** Rectangle in local metres: west, south, east, north. */
  bounds: [number, number, number, number];
}

export interface DemoBuilding {
  properties: BuildingProperties;
  /** One or more parts; parts after the first stand on `baseHeightMetres` (a tower on its podium). */
  parts: { rings: LocalRing[]; heightMetres: number; baseHeightMetres: number }[];
}

export interface District {
  streets: Street[];
  blocks: Block[];
  buildings: DemoBuilding[];
}

const NORTH_SOUTH_STREETS = ['岭南大道', '汾江中路', '建新路', '祖庙路', '福贤路', '人民路', '城门头路', '同济路', '文华北路', '佛山大道'];
const EAST_WEST_STREETS = ['季华四路', '季华五路', '绿景路', '锦华路', '普澜路', '卫国路', '同华路', '魁奇路', '升平路', '汾江北路'];
const COMPOUND_PREFIXES = ['绿景', '华远', '季华', '岭南', '祖庙', '同济', '文华', '普君', '朝安', '亲仁', '锦华', '福宁', '魁奇', '澜石', '石湾', '东华', '永安', '升平', '金澜', '南浦', '天海', '保利', '碧桂', '万科'];
const COMPOUND_SUFFIXES = ['花园', '新村', '东苑', '雅居', '华庭', '名苑', '豪庭', '公馆', '小区', '家园'];
const COMMERCIAL_SUFFIXES = ['大厦', '广场', '中心', '国际', '商务楼', '金融中心'];
const VILLAGE_NAMES = ['张槎村', '弼塘村', '塱心村', '大富村', '江湾村', '敦厚村', '莲塘村', '海口村'];
const PUBLIC_NAMES: { name: string; use: BuildingUse }[] = [
  { name: '祖庙街道办事处', use: 'public' },
  { name: '禅城区第一小学', use: 'education' },
  { name: '佛山市第三中学', use: 'education' },
  { name: '禅城区人民医院', use: 'medical' },
  { name: '禅城区图书馆', use: 'public' },
  { name: '石湾镇街道社区卫生服务中心', use: 'medical' },
  { name: '文华幼儿园', use: 'education' },
  { name: '禅城区文化馆', use: 'public' },
  { name: '佛山市消防救援支队祖庙站', use: 'public' },
  { name: '华远实验学校', use: 'education' },
];

/** Grid lines of the street network: local position of each street's centre line. */
function gridLines(random: () => number): number[] {
  const lines: number[] = [];
  const count = 10;
  for (let i = 0; i < count; i++) {
    const even = -DISTRICT_HALF_SIZE_METRES + (2 * DISTRICT_HALF_SIZE_METRES * i) / (count - 1);
    const jitter = i === 0 || i === count - 1 ? 0 : (random() - 0.5) * 40;
    lines.push(even + jitter);
  }
  return lines;
}

function streetClassFor(i: number, count: number): StreetClass {
  if (i === 0 || i === count - 1 || i === Math.floor(count / 2)) return 'arterial';
  return i % 2 === 0 ? 'secondary' : 'branch';
}

const STREET_WIDTH_METRES: Record<StreetClass, number> = { arterial: 50, secondary: 30, branch: 18 };
const SIDEWALK_METRES = 6;

/** Land use of block (column, row) on the 9 × 9 grid; row 0 is the south. */
function landUseFor(column: number, row: number, random: () => number): LandUse {
  if (row === 7) return column === 3 || column === 6 ? 'park' : 'water'; // 汾江 with two riverside parks
  if (column <= 1 && row <= 1) return 'industrial';
  if (column >= 4 && column <= 5 && row >= 3 && row <= 5) return 'commercial';
  if (column >= 1 && column <= 3 && row >= 4 && row <= 6) return 'old-town';
  if ((column >= 6 && row <= 2) || (column === 8 && row >= 3 && row <= 5) || (column <= 1 && row >= 2 && row <= 3)) return 'village';
  if ((column === 4 && row === 1) || (column === 7 && row === 8)) return 'park';
  if ((column + 3 * row) % 11 === 0) return 'public';
  return random() < 0.08 ? 'public' : 'residential';
}

function rectangle(x: number, y: number, width: number, depth: number): LocalRing {
  return [[x, y], [x + width, y], [x + width, y + depth], [x, y + depth], [x, y]];
}

/** An L: a width × depth rectangle with its north-east corner cut away. */
function lShape(x: number, y: number, width: number, depth: number, wingWidth: number, wingDepth: number): LocalRing {
  return [[x, y], [x + width, y], [x + width, y + wingDepth], [x + wingWidth, y + wingDepth], [x + wingWidth, y + depth], [x, y + depth], [x, y]];
}

/** Rotate a ring about a point by a small angle (radians). */
function rotate(ring: LocalRing, cx: number, cy: number, angle: number): LocalRing {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return ring.map(([x, y]) => [cx + (x - cx) * c - (y - cy) * s, cy + (x - cx) * s + (y - cy) * c]);
}

class DistrictBuilder {
  readonly buildings: DemoBuilding[] = [];
  private readonly random: () => number;
  private readonly addressCounters = new Map<string, number>();

  constructor(seed: string, private readonly streetsNear: (x: number, y: number) => Street) {
    this.random = seedrandom(seed);
  }

  rand(min: number, max: number): number {
    return min + this.random() * (max - min);
  }

  int(min: number, max: number): number {
    return Math.floor(this.rand(min, max + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  private address(x: number, y: number): string {
    const street = this.streetsNear(x, y);
    const [[x0, y0], [x1, y1]] = street.line;
    const along = x0 === x1 ? y - Math.min(y0, y1) : x - Math.min(x0, x1);
    const side = x0 === x1 ? (x > x0 ? 0 : 1) : y > y0 ? 0 : 1;
    let number = Math.max(1, Math.round(along / 12)) * 2 - side;
    const key = `${street.name}${number}`;
    const seen = this.addressCounters.get(key) ?? 0;
    this.addressCounters.set(key, seen + 1);
    const suffix = seen === 0 ? '' : `之${seen}`;
    if (number <= 0) number = 1;
    return `广东省佛山市禅城区${street.name}${number}号${suffix}`;
  }

  add(
    name: string,
    use: BuildingUse,
    floors: number,
    yearBuilt: number,
    rings: LocalRing[],
    options: { storeyMetres?: number; tower?: { rings: LocalRing[]; floors: number } } = {},
  ): void {
    const storey = options.storeyMetres ?? (use === 'residential' ? 3.0 : use === 'industrial' ? 6.0 : 4.2);
    const outer = rings[0]!;
    const cx = outer.reduce((s, p) => s + p[0], 0) / outer.length;
    const cy = outer.reduce((s, p) => s + p[1], 0) / outer.length;
    const podiumHeight = Math.round(floors * storey * 10) / 10;
    const towerFloors = options.tower?.floors ?? 0;
    const totalFloors = floors + towerFloors;
    const totalHeight = Math.round((podiumHeight + towerFloors * 3.3) * 10) / 10;
    const id = `${DISTRICT_CODE}-B-${String(this.buildings.length + 1).padStart(6, '0')}`;
    const parts: DemoBuilding['parts'] = [{ rings, heightMetres: podiumHeight, baseHeightMetres: 0 }];
    if (options.tower) parts.push({ rings: options.tower.rings, heightMetres: totalHeight, baseHeightMetres: podiumHeight });
    this.buildings.push({
      properties: { id, name, address: this.address(cx, cy), use, heightMetres: totalHeight, floors: totalFloors, yearBuilt },
      parts,
    });
  }
}

/** Generate the demo district. Same seed, same district, byte for byte. */
export function generateDistrict(seed: string = DEFAULT_SEED): District {
  const random = seedrandom(`${seed}/streets`);
  const xs = gridLines(random);
  const ys = gridLines(random);
  const streets: Street[] = [];
  const extent = DISTRICT_HALF_SIZE_METRES + 60;
  xs.forEach((x, i) => {
    const streetClass = streetClassFor(i, xs.length);
    streets.push({ name: NORTH_SOUTH_STREETS[i]!, streetClass, widthMetres: STREET_WIDTH_METRES[streetClass], line: [[x, -extent], [x, extent]] });
  });
  ys.forEach((y, i) => {
    const streetClass = streetClassFor(i, ys.length);
    streets.push({ name: EAST_WEST_STREETS[i]!, streetClass, widthMetres: STREET_WIDTH_METRES[streetClass], line: [[-extent, y], [extent, y]] });
  });
  const nearestStreet = (x: number, y: number): Street => {
    let best = streets[0]!;
    let bestDistance = Infinity;
    for (const street of streets) {
      const [[x0, y0], [x1]] = street.line;
      const distance = x0 === x1 ? Math.abs(x - x0) : Math.abs(y - y0);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = street;
      }
    }
    return best;
  };
  const builder = new DistrictBuilder(`${seed}/buildings`, nearestStreet);
  const blocks: Block[] = [];
  let publicIndex = 0;
  for (let column = 0; column < xs.length - 1; column++) {
    for (let row = 0; row < ys.length - 1; row++) {
      const west = xs[column]! + streets[column]!.widthMetres / 2 + SIDEWALK_METRES;
      const east = xs[column + 1]! - streets[column + 1]!.widthMetres / 2 - SIDEWALK_METRES;
      const south = ys[row]! + streets[xs.length + row]!.widthMetres / 2 + SIDEWALK_METRES;
      const north = ys[row + 1]! - streets[xs.length + row + 1]!.widthMetres / 2 - SIDEWALK_METRES;
      const landUse = landUseFor(column, row, random);
      const block: Block = { id: `${DISTRICT_CODE}-K-${column}${row}`, landUse, bounds: [west, south, east, north] };
      blocks.push(block);
      const fill = BLOCK_FILLERS[landUse];
      if (landUse === 'public') {
        fill(builder, block, PUBLIC_NAMES[publicIndex % PUBLIC_NAMES.length]!);
        publicIndex++;
      } else fill(builder, block, undefined);
    }
  }
  return { streets, blocks, buildings: builder.buildings };
}

type BlockFiller = (b: DistrictBuilder, block: Block, publicBuilding: { name: string; use: BuildingUse } | undefined) => void;

function compoundName(b: DistrictBuilder): string {
  return `${b.pick(COMPOUND_PREFIXES)}${b.pick(COMPOUND_SUFFIXES)}`;
}

const fillResidential: BlockFiller = (b, block) => {
  const [west, south, east, north] = block.bounds;
  const highRise = b.chance(0.6);
  const compound = compoundName(b);
  const year = highRise ? b.int(2003, 2023) : b.int(1988, 2005);
  let number = 1;
  if (highRise) {
    // Point towers and slabs in rows, with a clubhouse.
    for (let y = south + 8; y + 22 < north; y += b.rand(40, 50)) {
      for (let x = west + 8; x + 22 < east; x += b.rand(38, 46)) {
        const slab = b.chance(0.5);
        const width = slab ? b.rand(30, 36) : b.rand(20, 26);
        const depth = slab ? b.rand(14, 17) : b.rand(20, 24);
        if (x + width > east - 4 || y + depth > north - 4) continue;
        const ring = b.chance(0.25) ? lShape(x, y, width, depth, width * 0.55, depth * 0.5) : rectangle(x, y, width, depth);
        b.add(`${compound}${number++}座`, 'residential', b.int(18, 33), year + b.int(0, 2), [ring]);
      }
    }
    b.add(`${compound}会所`, 'commercial', 2, year, [rectangle(east - 30, south + 4, 24, 14)]);
  } else {
    // 1990s six- to nine-storey walk-up slabs in parallel rows (多层住宅).
    for (let y = south + 6; y + 12 < north; y += b.rand(24, 28)) {
      for (let x = west + 6; x + 40 < east; x += b.rand(52, 60)) {
        const width = b.rand(40, 50);
        if (x + width > east - 4) continue;
        b.add(`${compound}${number++}栋`, 'residential', b.int(6, 9), year + b.int(0, 3), [rectangle(x, y, width, b.rand(11, 13))]);
      }
    }
  }
};

const fillCommercial: BlockFiller = (b, block) => {
  const [west, south, east, north] = block.bounds;
  const midX = (west + east) / 2;
  const midY = (south + north) / 2;
  const prefix = b.pick(COMPOUND_PREFIXES);
  // Two towers on podiums and a mall with an atrium (a courtyard footprint).
  const podiumFloors = b.int(4, 6);
  for (const [x0, x1] of [[west + 6, midX - 6], [midX + 6, east - 6]] as const) {
    const y0 = south + 6;
    const y1 = midY - 6;
    const podium = rectangle(x0, y0, x1 - x0, y1 - y0);
    const tx = x0 + (x1 - x0) / 2 - 16;
    const ty = y0 + (y1 - y0) / 2 - 16;
    b.add(`${prefix}${b.pick(COMMERCIAL_SUFFIXES)}`, b.chance(0.6) ? 'office' : 'commercial', podiumFloors, b.int(2006, 2022), [podium], {
      tower: { rings: [rectangle(tx, ty, 32, 32)], floors: b.int(20, 48) },
    });
  }
  const mall = rectangle(west + 10, midY + 6, east - west - 20, north - midY - 16);
  const atrium = rectangle(midX - 25, midY + 30, 50, Math.max(10, north - midY - 64)).reverse() as LocalRing;
  b.add(`${prefix}购物中心`, 'commercial', b.int(4, 6), b.int(2008, 2020), [mall, atrium]);
};

const fillOldTown: BlockFiller = (b, block) => {
  const [west, south, east, north] = block.bounds;
  const street = b.pick(['东华里', '福禄里', '升平街', '莲花巷', '公正路', '筷子路', '仁寿里', '松风里']);
  let number = 1;
  // Lingnan shophouses and courtyard houses in back-to-back rows along narrow lanes.
  for (let y = south + 2; y + 10 < north; y += b.rand(15, 18)) {
    for (let x = west + 2; x + 8 < east; ) {
      const width = b.rand(8, 14);
      const depth = b.rand(10, 13);
      if (x + width > east - 1 || y + depth > north - 1) break;
      const cx = x + width / 2;
      const cy = y + depth / 2;
      let rings: LocalRing[];
      if (width > 12 && b.chance(0.35)) {
        rings = [rectangle(x, y, width, depth), rectangle(x + 3, y + 3, width - 6, depth - 6).reverse() as LocalRing];
      } else rings = [rectangle(x, y, width, depth)];
      const angle = b.rand(-0.03, 0.03);
      const use: BuildingUse = y < south + 20 ? 'mixed' : 'residential';
      b.add(`${street}${number++}号`, use, b.int(2, 5), b.int(1952, 1995), rings.map((r) => rotate(r, cx, cy, angle)));
      x += width + b.rand(1.5, 3);
    }
  }
};

const fillVillage: BlockFiller = (b, block) => {
  const [west, south, east, north] = block.bounds;
  const village = b.pick(VILLAGE_NAMES);
  let lane = 1;
  // 城中村: dense "handshake" buildings (握手楼), 5–8 floors, gaps of a few metres.
  for (let y = south + 3; y + 9 < north; y += b.rand(13, 15), lane++) {
    let number = 1;
    for (let x = west + 3; x + 7 < east; ) {
      const width = b.rand(7.5, 10.5);
      const depth = b.rand(9, 11);
      if (x + width > east - 2 || y + depth > north - 2) break;
      b.add(`${village}${lane}巷${number++}号`, 'residential', b.int(5, 8), b.int(1992, 2012), [rectangle(x, y, width, depth)]);
      x += width + b.rand(1.8, 3.2);
    }
  }
};

const fillIndustrial: BlockFiller = (b, block) => {
  const [west, south, east, north] = block.bounds;
  const park = `${b.pick(COMPOUND_PREFIXES)}工业园`;
  let number = 1;
  for (let y = south + 10; y + 30 < north; y += b.rand(50, 60)) {
    for (let x = west + 10; x + 40 < east; x += b.rand(70, 80)) {
      const width = b.rand(50, 62);
      const depth = b.rand(30, 40);
      if (x + width > east - 6 || y + depth > north - 6) continue;
      const ring = b.chance(0.3) ? lShape(x, y, width, depth, width * 0.6, depth * 0.45) : rectangle(x, y, width, depth);
      b.add(`${park}${number++}号厂房`, 'industrial', b.int(1, 4), b.int(1985, 2012), [ring]);
    }
  }
};

const fillPublic: BlockFiller = (b, block, publicBuilding) => {
  const [west, south, east, north] = block.bounds;
  const info = publicBuilding ?? { name: '社区服务中心', use: 'public' as BuildingUse };
  // A main L-shaped building, a courtyard hall, and the rest of the block as housing.
  b.add(info.name, info.use, b.int(4, 7), b.int(1975, 2019), [lShape(west + 10, south + 10, 90, 70, 30, 22)]);
  b.add(`${info.name}综合楼`, info.use, b.int(3, 5), b.int(1990, 2020), [rectangle(west + 110, south + 10, 50, 44), rectangle(west + 124, south + 22, 22, 20).reverse() as LocalRing]);
  fillResidential(b, { ...block, bounds: [west, south + 100, east, north] }, undefined);
};

const BLOCK_FILLERS: Record<LandUse, BlockFiller> = {
  residential: fillResidential,
  commercial: fillCommercial,
  'old-town': fillOldTown,
  village: fillVillage,
  industrial: fillIndustrial,
  public: fillPublic,
  park: () => undefined,
  water: () => undefined,
};

/** Local metres → [lon, lat] degrees, through CGCS2000 GK zone 38 (EPSG:4547). */
export function localToLonLat(): (p: Position) => Position {
  const [centreX, centreY] = fromLonLat('EPSG:4547')(DISTRICT_CENTRE.lonDegrees, DISTRICT_CENTRE.latDegrees);
  const toGeographic = toLonLat('EPSG:4547');
  return ([x, y]) => {
    const [lon, lat] = toGeographic(centreX + x, centreY + y);
    return [Math.round(lon * 1e8) / 1e8, Math.round(lat * 1e8) / 1e8];
  };
}

/** Local metres → EPSG:4547 easting/northing, for writing the district in a projected CRS. */
export function localToGaussKruger(): (p: Position) => Position {
  const [centreX, centreY] = fromLonLat('EPSG:4547')(DISTRICT_CENTRE.lonDegrees, DISTRICT_CENTRE.latDegrees);
  return ([x, y]) => [Math.round((centreX + x) * 1000) / 1000, Math.round((centreY + y) * 1000) / 1000];
}

/** Buildings as GeoJSON features: one per part, parts of a building share its ID (the tiler joins them). */
/**
 * One GeoJSON feature per building part. `stageOf` adds each building's current lifecycle stage
 * (the tiles carry it for styling; the records themselves stay in the lifecycle API).
 */
export function buildingFeatures(district: District, convert: (p: Position) => Position, stageOf?: (id: string) => string | undefined): object[] {
  const features: object[] = [];
  for (const building of district.buildings) {
    const stage = stageOf?.(building.properties.id);
    // The tallest part first, so the joined building keeps the full height's properties.
    const parts = [...building.parts].reverse();
    for (const part of parts) {
      const { heightMetres: _h, baseHeightMetres: _b, ...rest } = building.properties;
      const properties: Record<string, unknown> = { ...rest, height: part.heightMetres };
      if (stage !== undefined) properties.stage = stage;
      if (part.baseHeightMetres > 0) properties.min_height = part.baseHeightMetres;
      features.push({ type: 'Feature', properties, geometry: { type: 'Polygon', coordinates: part.rings.map((ring) => ring.map(convert)) } });
    }
  }
  return features;
}

/** Streets (lines with widths) and blocks (polygons with land use) for drawing the ground. */
export function groundFeatures(district: District, convert: (p: Position) => Position): object[] {
  const streets = district.streets.map((street) => ({
    type: 'Feature',
    properties: { kind: 'street', name: street.name, streetClass: street.streetClass, widthMetres: street.widthMetres },
    geometry: { type: 'LineString', coordinates: street.line.map(convert) },
  }));
  const blocks = district.blocks.map((block) => {
    const [w, s, e, n] = block.bounds;
    return {
      type: 'Feature',
      properties: { kind: 'block', id: block.id, landUse: block.landUse },
      geometry: { type: 'Polygon', coordinates: [rectangle(w, s, e - w, n - s).map(convert)] },
    };
  });
  return [...blocks, ...streets];
}
