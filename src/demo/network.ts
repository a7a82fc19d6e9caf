/**
 * The demo district's underground network: utilities laid under its streets at plausible
 * lateral positions and depths, with manholes, valves, hydrants and service connections to
 * buildings. Deterministic (it follows the district, no randomness of its own).
 *
 * Cross-section per street (metres from the centre line; negative is west/south):
 *   power −(w/2 − 3), water −(w/2 − 7), storm −4, sewage +4, gas +(w/2 − 7), telecom +(w/2 − 3).
 * Depths (cover to pipe top), assumed typical values (issue 3; GB 50289 not sourced here):
 *   power 0.7 m, telecom 0.8 m, gas 1.0 m, water 1.2 m; storm from 2.0 m and sewage from 2.5 m,
 *   deepening along the flow (0.3 % and 0.2 % grades) to at most 5 m.
 * Foshan has no district heating, so the demo has no heat network; one arterial carries a utility
 * tunnel (综合管廊).
 */
import type { PipelineType, PipeSegment, PointAsset } from '../domain/pipelines.ts';
import { DISTRICT_CODE, localToLonLat, type District, type Street } from './district.ts';

type Local = [number, number];

interface Layout {
  type: PipelineType;
  /** Lateral offset as a function of street width. */
  offsetMetres: (widthMetres: number) => number;
  diameterMillimetres: (street: Street) => number;
  coverMetres: number;
  /** Drainage: grade along the flow (metres per metre) and deepest cover. */
  gradeMetresPerMetre?: number;
  /** Point assets along the line: every this many metres. */
  assetSpacingMetres: number;
  assetKind: PointAsset['kind'];
  material: string;
  pressureClass?: string;
  owner: string;
  /** Branch streets (18 m) carry it too. */
  onBranchStreets: boolean;
}

const MAXIMUM_DRAINAGE_COVER_METRES = 5;

/** Cover at a distance along the street (drainage deepens along its flow), rounded to the centimetre. */
function coverAt(layout: Layout, distanceMetres: number): number {
  const cover = layout.gradeMetresPerMetre ? Math.min(MAXIMUM_DRAINAGE_COVER_METRES, layout.coverMetres + layout.gradeMetresPerMetre * distanceMetres) : layout.coverMetres;
  return Math.round(cover * 100) / 100;
}

const LAYOUTS: Layout[] = [
  { type: 'power', offsetMetres: (w) => -(w / 2 - 3), diameterMillimetres: () => 200, coverMetres: 0.7, assetSpacingMetres: 80, assetKind: 'well', material: 'MPP 电缆保护管', owner: '广东电网佛山供电局', onBranchStreets: true },
  { type: 'water', offsetMetres: (w) => -(w / 2 - 7), diameterMillimetres: (s) => (s.streetClass === 'arterial' ? 600 : s.streetClass === 'secondary' ? 400 : 200), coverMetres: 1.2, assetSpacingMetres: 120, assetKind: 'hydrant', material: '球墨铸铁管', pressureClass: '0.4 MPa', owner: '佛山水业集团', onBranchStreets: true },
  { type: 'drainage-storm', offsetMetres: () => -4, diameterMillimetres: (s) => (s.streetClass === 'arterial' ? 1200 : s.streetClass === 'secondary' ? 800 : 600), coverMetres: 2.0, gradeMetresPerMetre: 0.003, assetSpacingMetres: 40, assetKind: 'manhole', material: '钢筋混凝土管', owner: '禅城区排水管理所', onBranchStreets: true },
  { type: 'drainage-sewage', offsetMetres: () => 4, diameterMillimetres: (s) => (s.streetClass === 'arterial' ? 800 : 500), coverMetres: 2.5, gradeMetresPerMetre: 0.002, assetSpacingMetres: 40, assetKind: 'manhole', material: 'HDPE 双壁波纹管', owner: '禅城区排水管理所', onBranchStreets: true },
  { type: 'gas', offsetMetres: (w) => w / 2 - 7, diameterMillimetres: (s) => (s.streetClass === 'arterial' ? 300 : 160), coverMetres: 1.0, assetSpacingMetres: 200, assetKind: 'valve', material: 'PE100 燃气管', pressureClass: '中压A', owner: '佛山市燃气集团', onBranchStreets: false },
  { type: 'telecom', offsetMetres: (w) => w / 2 - 3, diameterMillimetres: () => 110, coverMetres: 0.8, assetSpacingMetres: 80, assetKind: 'well', material: 'PVC 通信管', owner: '中国电信佛山分公司', onBranchStreets: false },
];

export interface DemoNetwork {
  segments: PipeSegment[];
  assets: PointAsset[];
}

function along(street: Street, distance: number, offset: number): Local {
  const [[x0, y0], [x1, y1]] = street.line;
  const length = Math.hypot(x1 - x0, y1 - y0);
  const ux = (x1 - x0) / length;
  const uy = (y1 - y0) / length;
  // Offset to the right of the direction of travel: for a north-running street, positive is east.
  return [x0 + ux * distance + uy * offset, y0 + uy * distance - ux * offset];
}

function streetLength(street: Street): number {
  const [[x0, y0], [x1, y1]] = street.line;
  return Math.hypot(x1 - x0, y1 - y0);
}

/** Positions along a street where other streets cross it (distances from its start). */
function crossings(street: Street, streets: readonly Street[]): number[] {
  const [[x0, y0], [x1]] = street.line;
  const northSouth = x0 === x1;
  return streets
    .filter((other) => (other.line[0][0] === other.line[1][0]) !== northSouth)
    .map((other) => (northSouth ? other.line[0][1] - y0 : other.line[0][0] - x0))
    .sort((a, b) => a - b);
}

export function generateNetwork(district: District): DemoNetwork {
  const toLonLat = localToLonLat();
  const segments: PipeSegment[] = [];
  const assets: PointAsset[] = [];
  const counters = new Map<string, number>();
  const nextId = (prefix: string) => {
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return `${DISTRICT_CODE}-${prefix}-${String(n).padStart(5, '0')}`;
  };
  const TYPE_CODES: Record<PipelineType, string> = { water: 'JS', 'drainage-storm': 'YS', 'drainage-sewage': 'WS', gas: 'RQ', heat: 'RL', power: 'DL', telecom: 'TX', industrial: 'GY', 'utility-tunnel': 'GL', unknown: 'BM' };
  /** Mains by type, as local polylines, for service connections. */
  const mains: { type: PipelineType; street: Street; offset: number; nodeAt: (distance: number) => string; stations: number[] }[] = [];

  for (const street of district.streets) {
    const length = streetLength(street);
    const cross = crossings(street, district.streets);
    for (const layout of LAYOUTS) {
      if (street.streetClass === 'branch' && !layout.onBranchStreets) continue;
      const offset = layout.offsetMetres(street.widthMetres);
      // Stations: both ends, every crossing, and assets at the layout's spacing.
      const stationSet = new Set<number>([0, length, ...cross.filter((d) => d > 0 && d < length)]);
      for (let d = layout.assetSpacingMetres; d < length; d += layout.assetSpacingMetres) stationSet.add(Math.round(d));
      const stations = [...stationSet].sort((a, b) => a - b);
      const code = TYPE_CODES[layout.type];
      const nodeIds = stations.map(() => nextId(`N${code}`));
      stations.forEach((d, i) => {
        const [lonDegrees, latDegrees] = toLonLat(along(street, d, offset));
        const isCrossing = cross.includes(d) || d === 0 || d === length;
        const kind: PointAsset['kind'] = layout.type.startsWith('drainage') || layout.type === 'power' || layout.type === 'telecom' ? layout.assetKind : isCrossing ? 'valve' : layout.assetKind;
        const depth = coverAt(layout, d);
        const asset: PointAsset = { id: nodeIds[i]!, kind, type: layout.type, lonDegrees, latDegrees, groundElevationMetres: 0 };
        if (kind === 'manhole' || kind === 'well') asset.depthMetres = Math.round((depth + layout.diameterMillimetres(street) / 1000 + 0.3) * 100) / 100;
        if (kind === 'valve') asset.valveState = 'open';
        assets.push(asset);
      });
      for (let i = 0; i + 1 < stations.length; i++) {
        const d0 = stations[i]!;
        const d1 = stations[i + 1]!;
        const segment: PipeSegment = {
          id: nextId(code),
          type: layout.type,
          shape: { kind: 'circular', diameterMillimetres: layout.diameterMillimetres(street) },
          path: [toLonLat(along(street, d0, offset)), toLonLat(along(street, d1, offset))],
          // Drainage flows along the street's direction (northwards and eastwards, towards the river and the outfall).
          fromNodeId: nodeIds[i]!,
          toNodeId: nodeIds[i + 1]!,
          start: { depthMetres: coverAt(layout, d0) },
          end: { depthMetres: coverAt(layout, d1) },
          material: layout.material,
          installYear: 1995 + ((i * 7 + code.charCodeAt(0)) % 28),
          owner: layout.owner,
          status: 'in-service',
        };
        if (layout.pressureClass) segment.pressureClass = layout.pressureClass;
        segments.push(segment);
      }
      mains.push({ type: layout.type, street, offset, stations, nodeAt: (d) => nodeIds[stations.indexOf(d)]! });
    }
  }

  // Tees at crossings: the same type on crossing streets is joined by a short connector, so each
  // type forms one connected network (what valve isolation and tracing need).
  const byType = new Map<PipelineType, typeof mains>();
  for (const main of mains) byType.set(main.type, [...(byType.get(main.type) ?? []), main]);
  for (const [type, typeMains] of byType) {
    const northSouth = typeMains.filter((m) => m.street.line[0][0] === m.street.line[1][0]);
    const eastWest = typeMains.filter((m) => m.street.line[0][0] !== m.street.line[1][0]);
    for (const a of northSouth) {
      for (const b of eastWest) {
        const stationOnA = b.street.line[0][1] - a.street.line[0][1];
        const stationOnB = a.street.line[0][0] - b.street.line[0][0];
        if (!a.stations.includes(stationOnA) || !b.stations.includes(stationOnB)) continue;
        const from = along(a.street, stationOnA, a.offset);
        const to = along(b.street, stationOnB, b.offset);
        const layout = LAYOUTS.find((l) => l.type === type)!;
        segments.push({
          id: nextId(`${TYPE_CODES[type]}T`),
          type,
          shape: { kind: 'circular', diameterMillimetres: Math.min(layout.diameterMillimetres(a.street), layout.diameterMillimetres(b.street)) },
          path: [toLonLat(from), toLonLat(to)],
          fromNodeId: a.nodeAt(stationOnA),
          toNodeId: b.nodeAt(stationOnB),
          start: { depthMetres: coverAt(layout, stationOnA) },
          end: { depthMetres: coverAt(layout, stationOnB) },
          material: layout.material,
          owner: layout.owner,
          status: 'in-service',
        });
      }
    }
  }

  // One utility tunnel (综合管廊) under the middle arterial running north–south.
  const arterial = district.streets.find((s) => s.streetClass === 'arterial' && s.line[0][0] === s.line[1][0] && Math.abs(s.line[0][0]) < 300);
  if (arterial) {
    const length = streetLength(arterial);
    const stations = [0, ...crossings(arterial, district.streets).filter((d) => d > 0 && d < length), length];
    const nodeIds = stations.map(() => nextId('NGL'));
    stations.forEach((d, i) => {
      const [lonDegrees, latDegrees] = toLonLat(along(arterial, d, 0));
      assets.push({ id: nodeIds[i]!, kind: 'well', type: 'utility-tunnel', lonDegrees, latDegrees, groundElevationMetres: 0, depthMetres: 7 });
    });
    for (let i = 0; i + 1 < stations.length; i++) {
      segments.push({
        id: nextId('GL'),
        type: 'utility-tunnel',
        shape: { kind: 'box', widthMillimetres: 4000, heightMillimetres: 3500 },
        path: [toLonLat(along(arterial, stations[i]!, 0)), toLonLat(along(arterial, stations[i + 1]!, 0))],
        fromNodeId: nodeIds[i]!,
        toNodeId: nodeIds[i + 1]!,
        start: { depthMetres: 3 },
        end: { depthMetres: 3 },
        material: '现浇钢筋混凝土',
        installYear: 2019,
        owner: '佛山市城市管廊运营公司',
        status: 'in-service',
      });
    }
  }

  // Water service connections (给水接户管) from the nearest water main to each building of the
  // high-rise, commercial and public blocks: the link from a main to the buildings it serves.
  const waterMains = mains.filter((m) => m.type === 'water');
  for (const building of district.buildings) {
    const use = building.properties.use;
    if (use === 'residential' && building.properties.floors < 10) continue;
    const outer = building.parts[0]!.rings[0]!;
    const cx = outer.reduce((s, p) => s + p[0], 0) / outer.length;
    const cy = outer.reduce((s, p) => s + p[1], 0) / outer.length;
    let best: { main: (typeof waterMains)[number]; distance: number; station: number } | undefined;
    for (const main of waterMains) {
      const [[x0, y0], [x1]] = main.street.line;
      const northSouth = x0 === x1;
      const lateral = northSouth ? Math.abs(cx - (x0 + main.offset)) : Math.abs(cy - (y0 - main.offset));
      if (!best || lateral < best.distance) {
        const position = northSouth ? cy - y0 : cx - x0;
        const station = main.stations.reduce((a, b) => (Math.abs(b - position) < Math.abs(a - position) ? b : a));
        best = { main, distance: lateral, station };
      }
    }
    if (!best || best.distance > 150) continue;
    const tap = along(best.main.street, best.station, best.main.offset);
    const connectionId = nextId('SC');
    const [lonDegrees, latDegrees] = toLonLat([cx, cy]);
    assets.push({ id: connectionId, kind: 'service-connection', type: 'water', lonDegrees, latDegrees, groundElevationMetres: 0, buildingId: building.properties.id });
    segments.push({
      id: nextId('JSJH'),
      type: 'water',
      shape: { kind: 'circular', diameterMillimetres: use === 'residential' ? 100 : 150 },
      path: [toLonLat(tap), toLonLat([cx, cy])],
      fromNodeId: best.main.nodeAt(best.station),
      toNodeId: connectionId,
      // Tapped low on the main and kept below the gas and cable runs it crosses on its way.
      start: { depthMetres: 1.5 },
      end: { depthMetres: 1.2 },
      material: '钢塑复合管',
      installYear: building.properties.yearBuilt,
      owner: '佛山水业集团',
      status: 'in-service',
    });
  }
  return { segments, assets };
}

export { pathLengthMetres } from '../domain/geometry.ts';
