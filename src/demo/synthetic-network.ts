/**
 * A synthetic city's underground network for the benchmarks (issue 16 item 5): by default about
 * 10,000 km of pipes, 200,000 segments and 20,000 valves under a square street grid, with the
 * attribute shapes of the demo network (src/demo/network.ts). Deterministic for a seed, and
 * streamed: `syntheticCityNetwork` yields one segment or point asset at a time and keeps nothing
 * but the counters of the street it is on (node IDs are computed, not looked up), so a consumer
 * that stores the items holds the network once.
 *
 * The grid: streets every `blockMetres` (300 m) both ways, in local metres east and north of the
 * origin (EPSG:4547, as the demo district and the tiler's synthetic buildings). Every fourth
 * street is an arterial (50 m wide), the others in between secondary (30 m) and branch (18 m)
 * streets; the boundary streets are arterials. Under them, as in the demo:
 *   - power and telecom (wells every 100 m), storm and sewage drainage (manholes every 37.5 m,
 *     deepening along the flow from each arterial to the next, at most 5 m), under every street
 *     (telecom not under branch streets);
 *   - water under every street: a junction at each crossing, a line valve 20 m after it (and
 *     20 m before the next on arterials and secondary streets), a hydrant mid-block where the
 *     service connections tap;
 *   - gas under arterials and secondary streets, district heating under arterials: a line
 *     valve 20 m after and before each crossing.
 * Same-type mains of crossing streets are joined by a tee at the crossing, so each type is one
 * connected network. Valves are degree-2 nodes on the lines, so a break is isolated by the
 * valves of its block and its neighbours' (about 3–6), not by half the city; about 2 % of the
 * valves are closed (zone boundaries), which isolation reports as already closed. Each
 * pressurised type has sources at the grid's corners (water works as `reservoir`; gas gate
 * stations and heating plants as `tank`, the kinds the analyses treat as sources).
 *
 * Water service connections (two per block of water main, one each side) serve the buildings of
 * the tiler's synthetic city (`syntheticBuildings(1_000_000)` in src/tiling/testing/fixtures.ts:
 * IDs `S<n>`, a 1,000 × 1,000 grid at 25 m from the same origin), so an isolation's buildings
 * out of supply are buildings of that city.
 */
import seedrandom from 'seedrandom';
import { toLonLat, fromLonLat } from '../tiling/crs.ts';
import type { PipelineType, PipeNetwork, PipeSegment, PointAsset } from '../domain/pipelines.ts';
import { DISTRICT_CENTRE } from './district.ts';

export type NetworkItem = { kind: 'segment'; segment: PipeSegment } | { kind: 'asset'; asset: PointAsset };

export interface SyntheticNetworkOptions {
  /** Length of mains to reach, km: the grid grows until it carries at least this much. Default 10,000. */
  kilometres?: number;
  /** Seed of the variation (install years, branch diameters, closed valves). Default 1. */
  seed?: number | string;
  /** Street spacing, metres. Default 300. */
  blockMetres?: number;
  /** Water service connections to the synthetic buildings. Default true. */
  serviceConnections?: boolean;
  /** First part of every ID. Default `SYN`. */
  idPrefix?: string;
}

/** The grid a set of options gives, before generating it. */
export interface SyntheticNetworkPlan {
  /** Streets each way (a multiple of 4, plus 1: arterials at both edges). */
  streetsPerDirection: number;
  blockMetres: number;
  /** Side of the square the grid covers, metres. */
  extentMetres: number;
  /** Length of the mains (tees, service connections and source links not counted), km. */
  mainKilometres: number;
}

type StreetClass = 'arterial' | 'secondary' | 'branch';

interface Layout {
  type: PipelineType;
  code: string;
  classes: readonly StreetClass[];
  offsetMetres: (widthMetres: number) => number;
  shape: (street: StreetClass, random: () => number) => PipeSegment['shape'];
  coverMetres: number;
  gradeMetresPerMetre?: number;
  /** Stations inside a block (metres from its start crossing) and their kind; the crossing is station 0. */
  stations: (street: StreetClass, blockMetres: number) => { at: number; kind: PointAsset['kind'] }[];
  crossingKind: PointAsset['kind'];
  material: string;
  pressureClass?: string;
  owner: string;
  /** The kind of the sources feeding it, if it is a pressurised network. */
  sourceKind?: 'reservoir' | 'tank';
}

const WIDTH_METRES: Record<StreetClass, number> = { arterial: 50, secondary: 30, branch: 18 };
const MAXIMUM_DRAINAGE_COVER_METRES = 5;
const VALVE_SETBACK_METRES = 20;
const CLOSED_VALVE_FRACTION = 0.02;
/** Drainage runs from one arterial to the next: four blocks. */
const DRAINAGE_RUN_BLOCKS = 4;

function every(spacing: number, kind: PointAsset['kind']) {
  return (_street: StreetClass, block: number) => {
    const out: { at: number; kind: PointAsset['kind'] }[] = [];
    const count = Math.max(1, Math.round(block / spacing));
    for (let k = 1; k < count; k++) out.push({ at: (block * k) / count, kind });
    return out;
  };
}

function valvesAtEnds(both: (street: StreetClass) => boolean, middle?: PointAsset['kind']) {
  return (street: StreetClass, block: number) => {
    const out: { at: number; kind: PointAsset['kind'] }[] = [{ at: VALVE_SETBACK_METRES, kind: 'valve' }];
    if (middle) out.push({ at: block / 2, kind: middle });
    if (both(street)) out.push({ at: block - VALVE_SETBACK_METRES, kind: 'valve' });
    return out;
  };
}

const ALL: readonly StreetClass[] = ['arterial', 'secondary', 'branch'];
const MAJOR: readonly StreetClass[] = ['arterial', 'secondary'];

const LAYOUTS: Layout[] = [
  { type: 'power', code: 'DL', classes: ALL, offsetMetres: (w) => -(w / 2 - 3), shape: () => ({ kind: 'circular', diameterMillimetres: 200 }), coverMetres: 0.7, stations: every(100, 'well'), crossingKind: 'well', material: 'MPP 电缆保护管', owner: '合成市供电公司' },
  {
    type: 'water', code: 'JS', classes: ALL, offsetMetres: (w) => -(w / 2 - 7),
    shape: (s, random) => ({ kind: 'circular', diameterMillimetres: s === 'arterial' ? 600 : s === 'secondary' ? 400 : random() < 0.5 ? 150 : 200 }),
    coverMetres: 1.2, stations: valvesAtEnds((s) => s !== 'branch', 'hydrant'), crossingKind: 'junction', material: '球墨铸铁管', pressureClass: '0.4 MPa', owner: '合成市供水集团', sourceKind: 'reservoir',
  },
  {
    type: 'drainage-storm', code: 'YS', classes: ALL, offsetMetres: () => -4,
    shape: (s, random) => (s === 'arterial' ? { kind: 'box', widthMillimetres: 2000, heightMillimetres: 1500 } : { kind: 'circular', diameterMillimetres: s === 'secondary' ? 1000 : random() < 0.5 ? 600 : 800 }),
    coverMetres: 2.0, gradeMetresPerMetre: 0.003, stations: every(37.5, 'manhole'), crossingKind: 'manhole', material: '钢筋混凝土管', owner: '合成市排水管理处',
  },
  {
    type: 'drainage-sewage', code: 'WS', classes: ALL, offsetMetres: () => 4,
    shape: (s) => ({ kind: 'circular', diameterMillimetres: s === 'arterial' ? 1000 : s === 'secondary' ? 800 : 500 }),
    coverMetres: 2.5, gradeMetresPerMetre: 0.002, stations: every(37.5, 'manhole'), crossingKind: 'manhole', material: 'HDPE 双壁波纹管', owner: '合成市排水管理处',
  },
  {
    type: 'gas', code: 'RQ', classes: MAJOR, offsetMetres: (w) => w / 2 - 7, shape: (s) => ({ kind: 'circular', diameterMillimetres: s === 'arterial' ? 300 : 200 }),
    coverMetres: 1.0, stations: valvesAtEnds(() => true), crossingKind: 'junction', material: 'PE100 燃气管', pressureClass: '中压A', owner: '合成市燃气集团', sourceKind: 'tank',
  },
  { type: 'telecom', code: 'TX', classes: MAJOR, offsetMetres: (w) => w / 2 - 3, shape: () => ({ kind: 'circular', diameterMillimetres: 110 }), coverMetres: 0.8, stations: every(100, 'well'), crossingKind: 'well', material: 'PVC 通信管', owner: '合成市通信管道公司' },
  {
    type: 'heat', code: 'RL', classes: ['arterial'], offsetMetres: (w) => w / 2 - 11, shape: () => ({ kind: 'circular', diameterMillimetres: 500 }),
    coverMetres: 1.5, stations: valvesAtEnds(() => true), crossingKind: 'junction', material: '预制直埋保温管', pressureClass: '1.6 MPa', owner: '合成市热电集团', sourceKind: 'tank',
  },
];

/** The tiler's synthetic city (syntheticBuildings(1_000_000)): a 1,000 × 1,000 grid at 25 m, IDs S<n>. */
const BUILDING_GRID = { spacingMetres: 25, perRow: 1000, count: 1_000_000, idPrefix: 'S' } as const;

function streetClass(index: number): StreetClass {
  return index % 4 === 0 ? 'arterial' : index % 2 === 0 ? 'secondary' : 'branch';
}

function mainMetresPerStreet(streetClassOf: StreetClass, blocks: number, block: number): number {
  return LAYOUTS.filter((l) => l.classes.includes(streetClassOf)).length * blocks * block;
}

/** The grid for these options: the smallest that carries the length asked for. */
export function syntheticNetworkPlan(options: SyntheticNetworkOptions = {}): SyntheticNetworkPlan {
  const kilometres = options.kilometres ?? 10_000;
  const block = options.blockMetres ?? 300;
  if (!(kilometres > 0) || !(block > 2 * VALVE_SETBACK_METRES)) throw new Error('kilometres must be positive and blockMetres above 40');
  const mainKilometres = (n: number) => {
    let metres = 0;
    for (let i = 0; i < n; i++) metres += 2 * mainMetresPerStreet(streetClass(i), n - 1, block);
    return metres / 1000;
  };
  let n = 5;
  while (mainKilometres(n) < kilometres) n += 4;
  return { streetsPerDirection: n, blockMetres: block, extentMetres: (n - 1) * block, mainKilometres: mainKilometres(n) };
}

/**
 * The network, one segment or point asset at a time. Every node is yielded before the first
 * segment that uses it. Collect it with `collectNetwork` where the whole network is needed (the
 * analyses' graph); count or load it into a store straight from the generator.
 */
export function* syntheticCityNetwork(options: SyntheticNetworkOptions = {}): Generator<NetworkItem> {
  const plan = syntheticNetworkPlan(options);
  const { streetsPerDirection: n, blockMetres: block } = plan;
  const prefix = options.idPrefix ?? 'SYN';
  const random = seedrandom(String(options.seed ?? 1));
  const [centreX, centreY] = fromLonLat('EPSG:4547')(DISTRICT_CENTRE.lonDegrees, DISTRICT_CENTRE.latDegrees);
  const toGeographic = toLonLat('EPSG:4547');
  const lonLat = (x: number, y: number): [number, number] => {
    const [lon, lat] = toGeographic(centreX + x, centreY + y);
    return [Math.round(lon * 1e8) / 1e8, Math.round(lat * 1e8) / 1e8];
  };
  const pad = (k: number) => String(k).padStart(3, '0');
  /** Street `i` running north (V) or east (H). */
  const streetCode = (vertical: boolean, i: number) => `${vertical ? 'V' : 'H'}${pad(i)}`;
  const nodeId = (layout: Layout, vertical: boolean, i: number, blockIndex: number, station: number) => `${prefix}-N${layout.code}-${streetCode(vertical, i)}-${pad(blockIndex)}-${station}`;
  /** The node of a main at a crossing: station 0 of the block that starts there. */
  const crossingId = (layout: Layout, vertical: boolean, i: number, crossing: number) => nodeId(layout, vertical, i, crossing, 0);
  /** Local metres of a point `along` metres down street `i`, `offset` metres to the right of travel. */
  const local = (vertical: boolean, i: number, along: number, offset: number): [number, number] => (vertical ? [i * block + offset, along] : [along, i * block - offset]);
  const cover = (layout: Layout, along: number) => {
    if (!layout.gradeMetresPerMetre) return layout.coverMetres;
    const run = along % (DRAINAGE_RUN_BLOCKS * block);
    return Math.round(Math.min(MAXIMUM_DRAINAGE_COVER_METRES, layout.coverMetres + layout.gradeMetresPerMetre * run) * 100) / 100;
  };
  const carries = (layout: Layout, i: number) => layout.classes.includes(streetClass(i));
  const point = (id: string, kind: PointAsset['kind'], layout: Layout, [x, y]: [number, number], depth: number, diameterMetres: number): PointAsset => {
    const [lonDegrees, latDegrees] = lonLat(x, y);
    const asset: PointAsset = { id, kind, type: layout.type, lonDegrees, latDegrees, groundElevationMetres: 0 };
    if (kind === 'manhole' || kind === 'well') asset.depthMetres = Math.round((depth + diameterMetres + 0.3) * 100) / 100;
    if (kind === 'valve') asset.valveState = random() < CLOSED_VALVE_FRACTION ? 'closed' : 'open';
    return asset;
  };
  const segment = (id: string, layout: Layout, shape: PipeSegment['shape'], from: [string, [number, number], number], to: [string, [number, number], number], installYear: number): PipeSegment => {
    const s: PipeSegment = {
      id,
      type: layout.type,
      shape,
      path: [lonLat(...from[1]), lonLat(...to[1])],
      fromNodeId: from[0],
      toNodeId: to[0],
      start: { depthMetres: from[2] },
      end: { depthMetres: to[2] },
      material: layout.material,
      installYear,
      owner: layout.owner,
      status: 'in-service',
    };
    if (layout.pressureClass) s.pressureClass = layout.pressureClass;
    return s;
  };
  const height = (shape: PipeSegment['shape']) => (shape.kind === 'circular' ? shape.diameterMillimetres : shape.heightMillimetres) / 1000;
  const serviceConnections = options.serviceConnections !== false;
  let connections = 0;

  // The mains, street by street: north-running streets, then east-running ones (with the tees to the first).
  for (const vertical of [true, false]) {
    for (let i = 0; i < n; i++) {
      const cls = streetClass(i);
      const width = WIDTH_METRES[cls];
      for (const layout of LAYOUTS) {
        if (!carries(layout, i)) continue;
        const offset = layout.offsetMetres(width);
        // One install decade per street and type, a year within it per block: streets were laid in campaigns.
        const decade = 1980 + Math.floor(random() * 5) * 10;
        for (let b = 0; b < n - 1; b++) {
          const shape = layout.shape(cls, random);
          const start = b * block;
          const stations = [{ at: 0, kind: layout.crossingKind }, ...layout.stations(cls, block)];
          const ids = stations.map((_, k) => nodeId(layout, vertical, i, b, k));
          const installYear = decade + Math.floor(random() * 10);
          // Station 0 (this block's crossing) came with the block before; the next crossing comes now, before the segment to it.
          for (let k = b === 0 ? 0 : 1; k < stations.length; k++) {
            const along = start + stations[k]!.at;
            yield { kind: 'asset', asset: point(ids[k]!, stations[k]!.kind, layout, local(vertical, i, along, offset), cover(layout, along), height(shape)) };
          }
          yield { kind: 'asset', asset: point(crossingId(layout, vertical, i, b + 1), layout.crossingKind, layout, local(vertical, i, start + block, offset), cover(layout, start + block), height(shape)) };
          for (let k = 0; k < stations.length; k++) {
            const a = start + stations[k]!.at;
            const z = k + 1 < stations.length ? start + stations[k + 1]!.at : start + block;
            const toId = k + 1 < stations.length ? ids[k + 1]! : crossingId(layout, vertical, i, b + 1);
            yield {
              kind: 'segment',
              segment: segment(`${prefix}-${layout.code}-${streetCode(vertical, i)}-${pad(b)}-${k}`, layout, shape, [ids[k]!, local(vertical, i, a, offset), cover(layout, a)], [toId, local(vertical, i, z, offset), cover(layout, z)], installYear),
            };
          }
          // Service connections tap the hydrant mid-block: one to a building on each side of the street.
          if (serviceConnections && layout.type === 'water') {
            const tap = stations.findIndex((s) => s.kind === 'hydrant');
            const along = start + stations[tap]!.at;
            for (const side of [-1, 1]) {
              const [x, y] = local(vertical, i, along, offset + side * (width / 2 + 10));
              const col = Math.round(x / BUILDING_GRID.spacingMetres);
              const row = Math.round(y / BUILDING_GRID.spacingMetres);
              const inGrid = col >= 0 && row >= 0 && col < BUILDING_GRID.perRow && row * BUILDING_GRID.perRow + col < BUILDING_GRID.count;
              const at: [number, number] = inGrid ? [col * BUILDING_GRID.spacingMetres + 4, row * BUILDING_GRID.spacingMetres + 4] : [x, y];
              const id = `${prefix}-SC-${String(++connections).padStart(6, '0')}`;
              const asset: PointAsset = { id, kind: 'service-connection', type: 'water', lonDegrees: 0, latDegrees: 0, groundElevationMetres: 0 };
              [asset.lonDegrees, asset.latDegrees] = lonLat(...at);
              if (inGrid) asset.buildingId = `${BUILDING_GRID.idPrefix}${row * BUILDING_GRID.perRow + col}`;
              yield { kind: 'asset', asset };
              const connection = segment(`${prefix}-JSJH-${String(connections).padStart(6, '0')}`, layout, { kind: 'circular', diameterMillimetres: random() < 0.7 ? 100 : 150 }, [ids[tap]!, local(vertical, i, along, offset), 1.5], [id, at, 1.2], installYear + Math.floor(random() * 15));
              connection.material = '钢塑复合管';
              delete connection.pressureClass;
              yield { kind: 'segment', segment: connection };
            }
          }
        }
        // Tees: an east-running main meets the north-running mains of its type at each crossing.
        if (!vertical) {
          for (let c = 0; c < n; c++) {
            if (!carries(layout, c)) continue;
            const crossOffset = layout.offsetMetres(WIDTH_METRES[streetClass(c)]);
            const here = local(false, i, c * block, offset);
            const there = local(true, c, i * block, crossOffset);
            const shape = layout.shape(streetClass(c) === 'branch' || cls === 'branch' ? 'branch' : cls === 'secondary' || streetClass(c) === 'secondary' ? 'secondary' : 'arterial', random);
            yield {
              kind: 'segment',
              segment: segment(`${prefix}-${layout.code}T-${streetCode(false, i)}-${pad(c)}`, layout, shape, [crossingId(layout, true, c, i), there, cover(layout, i * block)], [crossingId(layout, false, i, c), here, cover(layout, c * block)], decade),
            };
          }
        }
      }
    }
  }

  // Sources of the pressurised networks at the grid's corners, 100 m out, each joined to the corner crossing.
  for (const layout of LAYOUTS) {
    if (!layout.sourceKind) continue;
    const corners: [number, number][] = [[0, 0], [n - 1, 0], [0, n - 1], [n - 1, n - 1]];
    for (const [k, [i, j]] of corners.entries()) {
      const offset = layout.offsetMetres(WIDTH_METRES.arterial);
      const at = local(true, i, j * block, offset);
      const out: [number, number] = [at[0] + (i === 0 ? -100 : 100), at[1] + (j === 0 ? -100 : 100)];
      const id = `${prefix}-${layout.code}-SRC-${k + 1}`;
      const [lonDegrees, latDegrees] = lonLat(...out);
      yield { kind: 'asset', asset: { id, kind: layout.sourceKind, type: layout.type, lonDegrees, latDegrees, groundElevationMetres: 0 } };
      yield { kind: 'segment', segment: segment(`${prefix}-${layout.code}-SRC-${k + 1}-L`, layout, layout.shape('arterial', random), [id, out, layout.coverMetres], [crossingId(layout, true, i, j), at, layout.coverMetres], 1990) };
    }
  }
}

/** Hold a streamed network whole: the form the analyses' graph and the pipe tiler take. */
export function collectNetwork(items: Iterable<NetworkItem>): PipeNetwork {
  const network: PipeNetwork = { segments: [], assets: [] };
  for (const item of items) {
    if (item.kind === 'segment') network.segments.push(item.segment);
    else network.assets.push(item.asset);
  }
  return network;
}
