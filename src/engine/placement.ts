/**
 * Tilesets with no georeference: some valid tilesets have no root transform and are in a local
 * frame about the Earth's centre (the 3D Tiles samples MetadataGranularities, SparseImplicitQuadtree,
 * SparseImplicitOctree and MultipleContents are examples). Such a tileset cannot be seen until it is
 * placed: its frame's origin put at a longitude, latitude and height, east-north-up (3D Tiles is z-up).
 */
import { Cartesian3, Cartographic, Math as CesiumMath, Matrix4, Transforms, type BoundingSphere, type Cesium3DTileset } from 'cesium';
import type { Placement } from '../store/url-state.ts';

/**
 * A tileset whose whole bounding volume lies within this distance of the Earth's centre is taken to
 * be in a local frame: every point of it is more than 5,000 km below the surface (the Earth's radius
 * is 6,357–6,378 km), where no real georeferenced model is.
 */
export const LOCAL_FRAME_LIMIT_METRES = 1_000_000;

/** Whether a tileset (before any placement) has no geographic placement of its own. */
export function hasNoGeoreference(tileset: Cesium3DTileset): boolean {
  const sphere = tileset.boundingSphere;
  return Cartesian3.magnitude(sphere.center) + sphere.radius < LOCAL_FRAME_LIMIT_METRES;
}

/** Put a tileset's local frame at a placement (undefined: back where it was, at the Earth's centre). */
export function applyPlacement(tileset: Cesium3DTileset, placement: Placement | undefined): void {
  tileset.modelMatrix = placement
    ? Transforms.eastNorthUpToFixedFrame(Cartesian3.fromDegrees(placement.lonDegrees, placement.latDegrees, placement.heightMetres))
    : Matrix4.clone(Matrix4.IDENTITY);
}

/** Longitude, latitude (degrees) and height (m) of a bounding sphere's centre. */
export function sphereCentre(sphere: BoundingSphere): Placement {
  const c = Cartographic.fromCartesian(sphere.center);
  return { lonDegrees: CesiumMath.toDegrees(c.longitude), latDegrees: CesiumMath.toDegrees(c.latitude), heightMetres: c.height };
}
