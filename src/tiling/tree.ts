/**
 * The spatial tree of a tileset: a quadtree over feature centroids with additive refinement.
 * Each node holds at most `maximumFeaturesPerTile` features: the most significant (largest)
 * ones of its area, so a distant view shows the landmarks and nearer views add the rest.
 * Pure: works on plain summaries, knows nothing of files or glTF.
 */

export interface FeatureSummary {
  /** Centroid, degrees. */
  lonDegrees: number;
  latDegrees: number;
  /** Footprint bounds, degrees. */
  westDegrees: number;
  southDegrees: number;
  eastDegrees: number;
  northDegrees: number;
  minimumHeightMetres: number;
  maximumHeightMetres: number;
  /** How much leaving this feature out is visible: max(height, √area), metres. */
  sizeMetres: number;
  /** Buildings: the ground footprint (the largest part's area), square metres. */
  footprintSquareMetres?: number;
}

/** [west, south, east, north] in degrees, then minimum and maximum height in metres. */
export type RegionDegrees = [number, number, number, number, number, number];

export interface TreeNode {
  level: number;
  x: number;
  y: number;
  /** Indices into the feature array: the content of this node. */
  featureIndices: number[];
  children: TreeNode[];
  /** Bounds of this node's features and all its descendants'. */
  region: RegionDegrees;
  /** Metres; 0 for leaves. Strictly smaller than the parent's. */
  geometricErrorMetres: number;
}

export interface TreeOptions {
  /** Upper bound on features per tile. Default 500 (py3dtilers' default; see DOMAIN.md). */
  maximumFeaturesPerTile?: number;
  /**
   * Error per metre of a child's ground size, for leaving a whole tile out (see
   * DENSITY_ERROR_PER_METRE, the default, chosen for buildings).
   */
  densityErrorPerMetre?: number;
  /** The geometric error of the tile above this tree's root, if any: the root's is at most half of it. */
  parentGeometricErrorMetres?: number;
}

export const DEFAULT_MAXIMUM_FEATURES_PER_TILE = 500;
/** Past this depth a node splits its list into chunks instead of space, so coincident centroids still terminate. */
const MAXIMUM_SPATIAL_LEVEL = 24;
/** A child's geometric error is at most this fraction of its parent's. */
const CHILD_ERROR_RATIO = 0.5;
const MINIMUM_INTERNAL_ERROR_METRES = 0.01;
/**
 * Error per metre of a child's ground size: leaving out a whole tile of buildings is visible as
 * an empty block. 0.25 makes a 250 m tile of houses load within about 2.4 km at 720 px and the
 * default maximum screen-space error of 16.
 */
const DENSITY_ERROR_PER_METRE = 0.25;
const METRES_PER_DEGREE = 111_320;

function regionGroundSizeMetres(region: RegionDegrees): number {
  const midLatitudeRadians = (((region[1] + region[3]) / 2) * Math.PI) / 180;
  return Math.hypot((region[2] - region[0]) * METRES_PER_DEGREE * Math.cos(midLatitudeRadians), (region[3] - region[1]) * METRES_PER_DEGREE);
}

export interface Bounds {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** The region (degrees, metres) holding every feature's extent; empty input gives the empty region (±Infinity). */
export function featuresRegion(features: Iterable<Pick<FeatureSummary, 'westDegrees' | 'southDegrees' | 'eastDegrees' | 'northDegrees' | 'minimumHeightMetres' | 'maximumHeightMetres'>>): RegionDegrees {
  const region: RegionDegrees = [Infinity, Infinity, -Infinity, -Infinity, Infinity, -Infinity];
  for (const f of features) {
    region[0] = Math.min(region[0], f.westDegrees);
    region[1] = Math.min(region[1], f.southDegrees);
    region[2] = Math.max(region[2], f.eastDegrees);
    region[3] = Math.max(region[3], f.northDegrees);
    region[4] = Math.min(region[4], f.minimumHeightMetres);
    region[5] = Math.max(region[5], f.maximumHeightMetres);
  }
  return region;
}

/** The box around the features' positions (their summary points), which the quadtree divides. */
export function positionBounds(features: readonly Pick<FeatureSummary, 'lonDegrees' | 'latDegrees'>[]): Bounds {
  const bounds: Bounds = { west: Infinity, south: Infinity, east: -Infinity, north: -Infinity };
  for (const f of features) {
    bounds.west = Math.min(bounds.west, f.lonDegrees);
    bounds.south = Math.min(bounds.south, f.latDegrees);
    bounds.east = Math.max(bounds.east, f.lonDegrees);
    bounds.north = Math.max(bounds.north, f.latDegrees);
  }
  return bounds;
}

export function buildQuadtree(features: readonly FeatureSummary[], options: TreeOptions = {}): TreeNode | undefined {
  const maximum = options.maximumFeaturesPerTile ?? DEFAULT_MAXIMUM_FEATURES_PER_TILE;
  if (!(maximum >= 1)) throw new Error('maximumFeaturesPerTile must be at least 1');
  if (features.length === 0) return undefined;
  const all = features.map((_, i) => i);
  const bounds = positionBounds(features);
  // Largest first, so each node takes the most significant features of its area.
  all.sort((a, b) => features[b]!.sizeMetres - features[a]!.sizeMetres || a - b);
  const root = buildNode(features, all, bounds, 0, 0, 0, maximum);
  assignGeometricError(features, root, options.parentGeometricErrorMetres ?? Infinity, options.densityErrorPerMetre ?? DENSITY_ERROR_PER_METRE);
  return root;
}

function buildNode(features: readonly FeatureSummary[], sortedIndices: number[], bounds: Bounds, level: number, x: number, y: number, maximum: number): TreeNode {
  const own = sortedIndices.slice(0, maximum);
  const rest = sortedIndices.slice(maximum);
  const children: TreeNode[] = [];
  if (rest.length > 0) {
    if (level < MAXIMUM_SPATIAL_LEVEL) {
      const midLon = (bounds.west + bounds.east) / 2;
      const midLat = (bounds.south + bounds.north) / 2;
      const quadrants: number[][] = [[], [], [], []];
      for (const i of rest) {
        const f = features[i]!;
        quadrants[(f.lonDegrees >= midLon ? 1 : 0) + (f.latDegrees >= midLat ? 2 : 0)]!.push(i);
      }
      quadrants.forEach((indices, q) => {
        if (indices.length === 0) return;
        const east = q & 1;
        const north = q >> 1;
        const childBounds: Bounds = {
          west: east ? midLon : bounds.west,
          east: east ? bounds.east : midLon,
          south: north ? midLat : bounds.south,
          north: north ? bounds.north : midLat,
        };
        children.push(buildNode(features, indices, childBounds, level + 1, 2 * x + east, 2 * y + north, maximum));
      });
    } else {
      for (let start = 0, k = 0; start < rest.length; start += maximum, k++) {
        children.push(buildNode(features, rest.slice(start, start + maximum), bounds, level + 1, 2 * x + k, 2 * y, maximum));
      }
    }
  }
  const region = featuresRegion(own.map((i) => features[i]!));
  for (const child of children) {
    for (let k = 0; k < 6; k++) {
      region[k] = k === 0 || k === 1 || k === 4 ? Math.min(region[k]!, child.region[k]!) : Math.max(region[k]!, child.region[k]!);
    }
  }
  return { level, x, y, featureIndices: own, children, region, geometricErrorMetres: 0 };
}

/** A node's error is the size of the largest feature its descendants add, capped below its parent's. */
function assignGeometricError(features: readonly FeatureSummary[], node: TreeNode, parentError: number, densityErrorPerMetre: number): number {
  let largestBelow = 0;
  for (const child of node.children) {
    for (const i of child.featureIndices) largestBelow = Math.max(largestBelow, features[i]!.sizeMetres);
    // Many small buildings missing together read as a missing block, not as one small error.
    largestBelow = Math.max(largestBelow, densityErrorPerMetre * regionGroundSizeMetres(child.region));
  }
  if (node.children.length === 0) node.geometricErrorMetres = 0;
  // Internal nodes need a positive error or runtimes would never refine into their children.
  else node.geometricErrorMetres = Math.min(Math.max(largestBelow, MINIMUM_INTERNAL_ERROR_METRES), parentError * CHILD_ERROR_RATIO);
  for (const child of node.children) assignGeometricError(features, child, node.geometricErrorMetres, densityErrorPerMetre);
  return node.geometricErrorMetres;
}

/** Centre of the bounds of some features, degrees: the origin of their tile's local frame. */
export function boundsCentre(features: Iterable<FeatureSummary>): { lonDegrees: number; latDegrees: number } {
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  for (const f of features) {
    west = Math.min(west, f.westDegrees);
    south = Math.min(south, f.southDegrees);
    east = Math.max(east, f.eastDegrees);
    north = Math.max(north, f.northDegrees);
  }
  return { lonDegrees: (west + east) / 2, latDegrees: (south + north) / 2 };
}

/** Every node, parents before children. */
export function* walkTree(root: TreeNode): Generator<TreeNode> {
  const stack = [root];
  while (stack.length) {
    const node = stack.pop()!;
    yield node;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
}
