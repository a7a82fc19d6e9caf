/**
 * Where the lifeline simulator puts its sensors in the demo district, bound to real asset IDs:
 *  - methane (%LEL) in drainage manholes and telecom wells (adjacent underground spaces) and in
 *    gas valve wells;
 *  - pressure (MPa) at water hydrants and valves, flow (m³/h) at some water valves;
 *  - level (% of well depth) in storm-drain manholes;
 *  - settlement (mm) at road monitoring points along the arterial streets;
 *  - tilt (‰) on some of the oldest buildings.
 */
import type { District } from '../demo/district.ts';
import { DISTRICT_CODE, localToLonLat } from '../demo/district.ts';
import type { PipeNetwork, PipelineType } from '../domain/pipelines.ts';

export type SimulatedProperty = 'methane' | 'water-pressure' | 'water-flow' | 'drainage-level' | 'settlement' | 'building-tilt';

export const OBSERVED_PROPERTIES: Record<SimulatedProperty, { unit: { name: string; symbol: string; definition: string }; zh: string; sensor: string }> = {
  methane: { unit: { name: 'percent of lower explosive limit', symbol: '%LEL', definition: 'urn:cim-twin:unit:percent-LEL' }, zh: '可燃气体浓度（甲烷）', sensor: '激光甲烷探测仪' },
  'water-pressure': { unit: { name: 'megapascal', symbol: 'MPa', definition: 'http://qudt.org/vocab/unit/MegaPA' }, zh: '供水管网压力', sensor: '管网压力计' },
  'water-flow': { unit: { name: 'cubic metre per hour', symbol: 'm³/h', definition: 'http://qudt.org/vocab/unit/M3-PER-HR' }, zh: '供水流量', sensor: '电磁流量计' },
  'drainage-level': { unit: { name: 'percent of well depth', symbol: '%', definition: 'urn:cim-twin:unit:percent-of-well-depth' }, zh: '排水管井液位', sensor: '雷达液位计' },
  settlement: { unit: { name: 'millimetre', symbol: 'mm', definition: 'http://qudt.org/vocab/unit/MilliM' }, zh: '道路累计沉降', sensor: '静力水准仪' },
  'building-tilt': { unit: { name: 'per mille', symbol: '‰', definition: 'urn:cim-twin:unit:per-mille' }, zh: '房屋倾斜率', sensor: '双轴倾角计' },
};

export interface SensorSite {
  /** Stable key: property@asset. */
  key: string;
  property: SimulatedProperty;
  assetId: string;
  assetKind: string;
  pipelineType?: PipelineType;
  lonDegrees: number;
  latDegrees: number;
  /** For drainage: how far down its network it sits, 0–1 (deeper wells fill first in a storm). */
  downstream?: number;
}

function every<T>(items: T[], step: number): T[] {
  return items.filter((_, i) => i % step === 0);
}

/** The sensor sites of the demo district (about 1,400). */
export function planSites(district: District, network: PipeNetwork): SensorSite[] {
  const sites: SensorSite[] = [];
  const add = (property: SimulatedProperty, asset: { id: string; kind: string; type?: PipelineType; lonDegrees: number; latDegrees: number; depthMetres?: number }) =>
    sites.push({ key: `${property}@${asset.id}`, property, assetId: asset.id, assetKind: asset.kind, pipelineType: asset.type, lonDegrees: asset.lonDegrees, latDegrees: asset.latDegrees });
  const of = (kind: string, type: PipelineType) => network.assets.filter((a) => a.kind === kind && a.type === type);

  for (const a of every(of('manhole', 'drainage-sewage'), 6)) add('methane', a);
  for (const a of every(of('manhole', 'drainage-storm'), 6)) add('methane', a);
  for (const a of every(of('well', 'telecom'), 6)) add('methane', a);
  for (const a of of('valve', 'gas')) add('methane', a);
  for (const a of of('hydrant', 'water')) add('water-pressure', a);
  for (const a of every(of('valve', 'water'), 2)) add('water-pressure', a);
  for (const a of every(of('valve', 'water'), 5)) add('water-flow', a);
  const storm = of('manhole', 'drainage-storm');
  const maximumDepth = Math.max(...storm.map((a) => a.depthMetres ?? 0));
  for (const a of every(storm, 5)) {
    add('drainage-level', a);
    sites[sites.length - 1]!.downstream = (a.depthMetres ?? 0) / maximumDepth;
  }

  const toLonLat = localToLonLat();
  let point = 0;
  for (const street of district.streets.filter((s) => s.streetClass !== 'branch')) {
    const [[x0, y0], [x1, y1]] = street.line;
    const length = Math.hypot(x1 - x0, y1 - y0);
    for (let d = 100; d < length; d += 250) {
      const [lon, lat] = toLonLat([x0 + ((x1 - x0) * d) / length, y0 + ((y1 - y0) * d) / length]) as [number, number];
      point++;
      add('settlement', { id: `${DISTRICT_CODE}-CJ-${String(point).padStart(5, '0')}`, kind: 'road-monitoring-point', lonDegrees: lon, latDegrees: lat });
    }
  }

  const oldest = [...district.buildings].filter((b) => b.properties.floors >= 4).sort((a, b) => a.properties.yearBuilt - b.properties.yearBuilt || a.properties.id.localeCompare(b.properties.id)).slice(0, 24);
  for (const building of oldest) {
    const ring = building.parts[0]!.rings[0]!;
    const cx = ring.reduce((s, p) => s + p[0]!, 0) / ring.length;
    const cy = ring.reduce((s, p) => s + p[1]!, 0) / ring.length;
    const [lon, lat] = toLonLat([cx, cy]) as [number, number];
    add('building-tilt', { id: building.properties.id, kind: 'building', lonDegrees: lon, latDegrees: lat });
  }
  return sites;
}

/**
 * More sensors than the district has sites, for load tests: copies of the sites a few metres
 * apart, on the same assets (a dense deployment has several sensors per manhole).
 */
export function scaleSites(sites: SensorSite[], count: number): SensorSite[] {
  if (count <= sites.length) return sites.slice(0, count);
  const scaled = [...sites];
  for (let copy = 1; scaled.length < count; copy++) {
    for (const site of sites) {
      if (scaled.length >= count) break;
      scaled.push({ ...site, key: `${site.key}#${copy}`, lonDegrees: site.lonDegrees + copy * 0.00002, latDegrees: site.latDegrees + copy * 0.00001 });
    }
  }
  return scaled;
}

/**
 * Spacing of the district-sized patches of a city-scale deployment: 85,000 sensors are 49 copies
 * of the district's 1,739, in 7 × 7 patches over about 38 km × 38 km, a Hefei-sized city.
 */
export const CITY_PATCH_SPACING_METRES = 6000;

/**
 * A city's sensors, for city-scale tests (85,000: Hefei's lifeline platform): the district's
 * sites, then copies of them in district-sized patches on a square grid `spacingMetres` apart,
 * nearest patches first, the demo district one of them (the first). A copy's asset id is the
 * original's with "~<patch>" (the assets of the other patches are not in the demo's tiles).
 */
export function citySites(sites: SensorSite[], count: number, spacingMetres = CITY_PATCH_SPACING_METRES): SensorSite[] {
  if (count <= sites.length || sites.length === 0) return sites.slice(0, count);
  const patches = Math.ceil(count / sites.length);
  const side = Math.ceil(Math.sqrt(patches));
  const low = -Math.floor((side - 1) / 2);
  const offsets: [number, number][] = [];
  for (let i = low; i < low + side; i++) for (let j = low; j < low + side; j++) offsets.push([i, j]);
  offsets.sort((a, b) => Math.hypot(...a) - Math.hypot(...b) || a[0] - b[0] || a[1] - b[1]);
  const latitudeRadians = (sites[0]!.latDegrees * Math.PI) / 180;
  const degreesEast = spacingMetres / (111_320 * Math.cos(latitudeRadians));
  const degreesNorth = spacingMetres / 110_574;
  const out = [...sites];
  for (let patch = 1; out.length < count; patch++) {
    const [i, j] = offsets[patch]!;
    for (const site of sites) {
      if (out.length >= count) break;
      out.push({ ...site, key: `${site.key}~${patch}`, assetId: `${site.assetId}~${patch}`, lonDegrees: site.lonDegrees + i * degreesEast, latDegrees: site.latDegrees + j * degreesNorth });
    }
  }
  return out;
}
