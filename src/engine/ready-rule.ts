/**
 * When a drawn frame shows the finished picture (CityViewer's `ready`: "what the user sees is
 * complete", no later and no earlier).
 *
 * A frame is complete when, as it was drawn, everything in view was loaded: the globe tiles it drew
 * and the ones that would replace them (Cesium's high and medium load queues empty), and every shown
 * tileset.
 *
 * The first complete frame is not yet the finished picture. The globe loads after it draws a frame
 * (`QuadtreePrimitive.endFrame`): what finished in that step (a tile's last imagery, a fill mesh
 * between neighbours) is drawn by the next frame, not this one; and a tileset tile that finished
 * loading in this very frame raises Cesium's tile-load event once the frame is drawn, whose
 * listeners may change the next one (a detail layer hides its buildings in the base layer). Seen in
 * CI under a street: ready at the first complete frame came one frame before the picture was final
 * (e2e/underground-ready.spec.ts). So the finished picture is the second complete frame in a row,
 * and if a tile came in during that one, the next complete frame: at most one frame after the
 * picture stopped changing, which that test checks.
 */
export interface DrawnFrame {
  /** Everything in view was loaded as this frame was drawn. */
  complete: boolean;
  /** A tile of a tileset finished loading in this frame (its load event's listeners may change the next one). */
  tileLoaded: boolean;
  /** Complete frames drawn in a row just before this one. */
  completeBefore: number;
}

/** Whether this frame shows the finished picture. */
export function showsFinishedPicture(frame: DrawnFrame): boolean {
  return frame.complete && frame.completeBefore >= 1 && !frame.tileLoaded;
}
