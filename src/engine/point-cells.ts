/**
 * Many points, in cells of the ground: one PointPrimitiveCollection per cell of `cellDegrees`,
 * all under one PrimitiveCollection (shown or hidden as a whole). Cesium culls each collection by
 * its bounding sphere, so a frame draws only the cells in view. One collection for a whole city's
 * sensors is never culled: every frame paid the vertex work of all of them (85,000 sensors over
 * Hefei's area, the view on one district: 1.88× the frame with the overlay off on SwiftShader).
 *
 * Opaque by default: Cesium's default (opaque and translucent) draws every point twice, and its
 * translucent pass turns on order-independent translucency for the whole frame, which cost more
 * than the points themselves in software WebGL.
 * Plain class; the owner removes `collection` from the scene (which destroys the cells).
 */
import { BlendOption, PointPrimitiveCollection, PrimitiveCollection, type PointPrimitive } from 'cesium';

export class PointCells {
  /** Add this to the scene's primitives. */
  readonly collection = new PrimitiveCollection();
  private readonly cells = new Map<string, PointPrimitiveCollection>();
  private readonly cellOf = new Map<PointPrimitive, string>();

  /**
   * `cellDegrees`: about 2.5 km a side at Hefei's latitude by default, so a district view sees a few
   * dozen cells of a city's sensors. `blendOption`: as PointPrimitiveCollection's (default opaque).
   */
  constructor(private readonly cellDegrees = 0.025, private readonly blendOption: BlendOption = BlendOption.OPAQUE) {}

  private key(lonDegrees: number, latDegrees: number): string {
    return `${Math.floor(lonDegrees / this.cellDegrees)}:${Math.floor(latDegrees / this.cellDegrees)}`;
  }

  /** A point at this place (its `position` is given in the options, in the same place). */
  add(lonDegrees: number, latDegrees: number, options: Parameters<PointPrimitiveCollection['add']>[0]): PointPrimitive {
    const key = this.key(lonDegrees, latDegrees);
    let cell = this.cells.get(key);
    if (!cell) {
      cell = this.collection.add(new PointPrimitiveCollection({ blendOption: this.blendOption })) as PointPrimitiveCollection;
      this.cells.set(key, cell);
    }
    const point = cell.add(options);
    this.cellOf.set(point, key);
    return point;
  }

  /** Remove a point; a cell left empty goes too. False when the point is not one of these. */
  remove(point: PointPrimitive): boolean {
    const key = this.cellOf.get(point);
    if (key === undefined) return false;
    this.cellOf.delete(point);
    const cell = this.cells.get(key)!;
    cell.remove(point);
    if (cell.length === 0) {
      this.cells.delete(key);
      this.collection.remove(cell);
    }
    return true;
  }

  get show(): boolean {
    return this.collection.show;
  }

  set show(value: boolean) {
    this.collection.show = value;
  }

  /** Points held. */
  get length(): number {
    return this.cellOf.size;
  }

  /** Cells holding at least one point. */
  get cellCount(): number {
    return this.cells.size;
  }
}
