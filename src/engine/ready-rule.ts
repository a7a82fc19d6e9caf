/**
 * When a drawn frame shows the finished picture (CityViewer's `ready`: "what the user sees is
 * complete", no later and no earlier).
 *
 * A frame is complete when, as it was drawn, everything in view was loaded: the globe tiles it drew
 * and the ones that would replace them (Cesium's high and medium load queues empty), and every shown
 * tileset. Cesium builds those queues while it selects the frame's tiles, before it draws them, so a
 * complete frame drew only finished tiles.
 *
 * Something can still change after it: a tileset tile that finished loading in this very frame
 * (and was drawn in it) raises Cesium's tile-load event once the frame is drawn, and its listeners
 * may change the picture for the next frame (a detail layer hides its buildings in the base layer).
 * Other changes come between frames (the store, a response), so the next frame draws them, and
 * whatever is still loading makes the next frame incomplete. So a complete frame in which no tile of
 * a tileset finished loading is the final picture; otherwise the next complete frame is. The rule
 * before 2026-12-06 always waited for two complete frames in a row: when the globe's tiles are the
 * last to come in (under a street), one more frame of 1.5–2 s in software WebGL, 5–7 s on a busy
 * machine, after the picture had stopped changing. (Cesium's own "render requested" flag does not
 * tell: it is also set after every frame that follows a finished request or worker task.)
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
  if (!frame.complete) return false;
  return !frame.tileLoaded || frame.completeBefore >= 1;
}
