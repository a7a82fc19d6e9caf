/**
 * Locating an incident and who it affects: impact rings per incident type, the buildings in
 * each ring with an estimated occupancy (floor area × a per-use density), and the pipes, valves,
 * manholes and other assets nearby. Rings and densities are configurable (impact-rules.json,
 * every value assumed). Pure.
 */
import { localProjection } from '../geometry.ts';
import type { PipeNetwork, PipelineType, PointAssetKind } from '../pipelines.ts';
import type { IncidentType } from '../monitoring/incidents.ts';
import rulesFile from './impact-rules.json' with { type: 'json' };

export interface ImpactRules {
  /** Ring radii per incident type, metres, innermost first. */
  ringsMetres: Record<string, number[]>;
  /** Persons per m² of floor area, by building use. */
  personsPerSquareMetre: Record<string, number>;
  /** Storey height used when a building has a height but no floor count. */
  storeyHeightMetres: number;
}

export const DEFAULT_IMPACT_RULES: ImpactRules = {
  ringsMetres: Object.fromEntries(Object.entries(rulesFile.ringsMetres).map(([type, ring]) => [type, ring.radii])),
  personsPerSquareMetre: Object.fromEntries(Object.entries(rulesFile.personsPerSquareMetre).filter(([, v]) => typeof v === 'number')) as Record<string, number>,
  storeyHeightMetres: rulesFile.storeyHeightMetres,
};

/** What impact analysis needs of a building (the search index has it). */
export interface ImpactBuilding {
  id: string;
  name?: string;
  lonDegrees: number;
  latDegrees: number;
  use?: string;
  floors?: number;
  heightMetres?: number;
  footprintSquareMetres?: number;
}

export interface AffectedBuilding {
  id: string;
  name?: string;
  use?: string;
  floors?: number;
  distanceMetres: number;
  /** Estimated people inside (floor area × density); undefined without a footprint. */
  occupancy?: number;
}

export interface ImpactRing {
  /** Inner and outer radius, metres: a building belongs to the innermost ring it is in. */
  innerMetres: number;
  outerMetres: number;
  buildings: AffectedBuilding[];
  /** Sum of the estimated occupancy of its buildings (those with an estimate). */
  occupancy: number;
}

export function ringRadii(type: IncidentType, rules: ImpactRules = DEFAULT_IMPACT_RULES): number[] {
  const radii = rules.ringsMetres[type] ?? [50, 100];
  return [...radii].sort((a, b) => a - b);
}

/** Floors: the recorded count, else the height over the storey height (at least 1). */
export function floorsOf(building: Pick<ImpactBuilding, 'floors' | 'heightMetres'>, rules: ImpactRules = DEFAULT_IMPACT_RULES): number | undefined {
  if (building.floors !== undefined && building.floors > 0) return building.floors;
  if (building.heightMetres !== undefined && building.heightMetres > 0) return Math.max(1, Math.round(building.heightMetres / rules.storeyHeightMetres));
  return undefined;
}

/** Estimated occupancy: footprint × floors × the use's density (the 'other' density for an unknown use). */
export function estimateOccupancy(building: ImpactBuilding, rules: ImpactRules = DEFAULT_IMPACT_RULES): number | undefined {
  const floors = floorsOf(building, rules);
  if (building.footprintSquareMetres === undefined || floors === undefined) return undefined;
  const density = rules.personsPerSquareMetre[building.use ?? 'other'] ?? rules.personsPerSquareMetre['other'] ?? 0;
  return Math.round(building.footprintSquareMetres * floors * density);
}

/** The buildings in each ring around a place, nearest first within a ring. */
export function buildingsInRings(buildings: Iterable<ImpactBuilding>, lonDegrees: number, latDegrees: number, radiiMetres: readonly number[], rules: ImpactRules = DEFAULT_IMPACT_RULES): ImpactRing[] {
  const radii = [...radiiMetres].sort((a, b) => a - b);
  const rings: ImpactRing[] = radii.map((outer, i) => ({ innerMetres: i === 0 ? 0 : radii[i - 1]!, outerMetres: outer, buildings: [], occupancy: 0 }));
  const { toLocal } = localProjection(lonDegrees, latDegrees);
  for (const building of buildings) {
    const distanceMetres = Math.hypot(...toLocal(building.lonDegrees, building.latDegrees));
    // Innermost ring containing it: within its outer radius (the bound belongs to the ring inside).
    const ring = rings.find((r) => distanceMetres <= r.outerMetres);
    if (!ring) continue;
    const occupancy = estimateOccupancy(building, rules);
    const floors = floorsOf(building, rules);
    const entry: AffectedBuilding = { id: building.id, distanceMetres };
    if (building.name) entry.name = building.name;
    if (building.use) entry.use = building.use;
    if (floors !== undefined) entry.floors = floors;
    if (occupancy !== undefined) entry.occupancy = occupancy;
    ring.buildings.push(entry);
    ring.occupancy += occupancy ?? 0;
  }
  for (const ring of rings) ring.buildings.sort((a, b) => a.distanceMetres - b.distanceMetres || a.id.localeCompare(b.id));
  return rings;
}

export interface NearbyAsset {
  id: string;
  /** 'segment' for a pipe, else the point asset's kind. */
  kind: 'segment' | PointAssetKind;
  type: PipelineType;
  distanceMetres: number;
}

/** Distance from the origin to the segment a–b in local metres. */
function distanceToSegment(a: [number, number], b: [number, number]): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, -(a[0] * dx + a[1] * dy) / lengthSquared));
  return Math.hypot(a[0] + t * dx, a[1] + t * dy);
}

/** Pipes (nearest point of their path), valves, manholes and other point assets within a radius, nearest first. */
export function assetsNear(network: PipeNetwork, lonDegrees: number, latDegrees: number, radiusMetres: number): NearbyAsset[] {
  const { toLocal } = localProjection(lonDegrees, latDegrees);
  const found: NearbyAsset[] = [];
  for (const segment of network.segments) {
    let nearest = Infinity;
    const local = segment.path.map(([lon, lat]) => toLocal(lon, lat));
    for (let i = 0; i + 1 < local.length; i++) nearest = Math.min(nearest, distanceToSegment(local[i]!, local[i + 1]!));
    if (nearest <= radiusMetres) found.push({ id: segment.id, kind: 'segment', type: segment.type, distanceMetres: nearest });
  }
  for (const asset of network.assets) {
    if (asset.kind === 'junction') continue;
    const distanceMetres = Math.hypot(...toLocal(asset.lonDegrees, asset.latDegrees));
    if (distanceMetres <= radiusMetres) found.push({ id: asset.id, kind: asset.kind, type: asset.type, distanceMetres });
  }
  return found.sort((a, b) => a.distanceMetres - b.distanceMetres || a.id.localeCompare(b.id));
}
