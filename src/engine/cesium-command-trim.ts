/**
 * Let go of the draw commands CesiumJS keeps past the end of last frame's command lists.
 *
 * Each frame, CesiumJS sorts the draw commands into one FrustumCommands per frustum of the
 * multi-frustum (`View.frustumCommandsList`, Scene/View.js `createPotentiallyVisibleSet` and
 * `insertIntoBin`): it resets `indices[pass]` to 0 and writes `commands[pass][index]`, but never
 * shortens the `commands[pass]` arrays (Scene/FrustumCommands.js). Only the translucent pass is
 * truncated (Scene.js `executeTranslucentCommands`). Slots past `indices[pass]` keep the
 * commands of earlier frames, and through them the models: a tile unloaded once out of view
 * (TilesetLayer's trim on camera moveEnd) stays in the heap, its feature tables with it, until
 * a later frame happens to write over its slots. On the 1M-building city that kept ~110 of ~150
 * unloaded tiles alive (issue 16; helper notes, heap-prof/NOTES.md). Worth an upstream CesiumJS
 * issue: View.js could set `commands[pass].length = indices[pass]` after binning.
 *
 * The fields are private to CesiumJS, so they are feature-detected: if a later CesiumJS renames
 * them, the trim finds nothing and does nothing (the heap is merely larger), it never throws.
 * CesiumJS reads only the first `indices[pass]` entries, so shortening the arrays after a frame
 * changes nothing it draws.
 */
import type { Scene } from 'cesium';

/** One FrustumCommands, as far as the trim reads it (Scene/FrustumCommands.js). */
interface FrustumCommandsLike {
  commands: unknown[][];
  indices: number[];
}

function isFrustumCommands(value: unknown): value is FrustumCommandsLike {
  if (typeof value !== 'object' || value === null) return false;
  const { commands, indices } = value as Partial<Record<'commands' | 'indices', unknown>>;
  return Array.isArray(commands) && Array.isArray(indices) && commands.length === indices.length;
}

/**
 * Shorten each pass's command array of a View (its `frustumCommandsList`) to the commands the
 * last frame put there. Anything not shaped like CesiumJS 1.140's View is left alone.
 * @returns the number of stale command slots dropped
 */
export function truncateStaleCommands(view: unknown): number {
  if (typeof view !== 'object' || view === null) return 0;
  const list = (view as { frustumCommandsList?: unknown }).frustumCommandsList;
  if (!Array.isArray(list)) return 0;
  let dropped = 0;
  for (const frustumCommands of list as unknown[]) {
    if (!isFrustumCommands(frustumCommands)) continue;
    const { commands, indices } = frustumCommands;
    for (let pass = 0; pass < commands.length; pass++) {
      const passCommands = commands[pass];
      const used = indices[pass];
      if (!Array.isArray(passCommands) || typeof used !== 'number' || !Number.isInteger(used) || used < 0) continue;
      if (passCommands.length > used) {
        dropped += passCommands.length - used;
        passCommands.length = used;
      }
    }
  }
  return dropped;
}

/**
 * The Views of a scene whose command lists are kept between frames: the default view, and the
 * off-screen view Picking draws for sampleHeight/clampToHeight (both private to CesiumJS).
 */
function viewsOf(scene: Scene): unknown[] {
  const internals = scene as unknown as { _defaultView?: unknown; _picking?: { _pickOffscreenView?: unknown } };
  return [internals._defaultView, internals._picking?._pickOffscreenView];
}

/**
 * After every rendered frame, drop the stale command slots of the scene's views (see the module
 * comment). Returns the function that removes the listener.
 */
export function trimStaleCommandsAfterRender(scene: Scene): () => void {
  return scene.postRender.addEventListener(() => {
    for (const view of viewsOf(scene)) truncateStaleCommands(view);
  });
}
