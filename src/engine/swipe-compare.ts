/**
 * The swipe compare (卷帘对比): a vertical split of the view (`scene.splitPosition`), each
 * tileset drawn on one side (`Cesium3DTileset.splitDirection`, as Cesium's "3D Tiles Compare"
 * sandcastle). Two dates of the 4D view need two instances of the buildings tileset: the
 * layer's own on the left (as of the 4D view's date, or as tiled), a second one on the right
 * styled as of the compare date with the same appearance rule (src/domain/thematic/appearance.ts).
 * Two layers: the buildings on the left, the pipelines on the right (in the underground view,
 * with the buildings not faded). Listens to the store; plain class with destroy().
 */
import { SplitDirection, type Cesium3DTileset, type Viewer } from 'cesium';
import type { AppState, AppStore } from '../store/index.ts';
import { appearanceRule } from '../domain/thematic/appearance.ts';
import { errorText } from '../domain/error-text.ts';
import { TilesetLayer } from './tileset-layer.ts';

export class SwipeCompare {
  /** The second buildings tileset of the dates compare. */
  private compare: TilesetLayer | undefined;
  /** The compare being loaded, and for which layer. */
  private loadingFor: string | undefined;
  private readonly cleanups: (() => void)[] = [];
  private destroyed = false;

  constructor(
    private readonly viewer: Viewer,
    private readonly store: AppStore,
    /** The city viewer's loaded layers by ID. */
    private readonly layers: () => ReadonlyMap<string, TilesetLayer>,
  ) {
    this.cleanups.push(
      store.subscribe((state, previous) => {
        if (
          state.swipeMode !== previous.swipeMode ||
          state.swipePosition !== previous.swipePosition ||
          state.swipeDate !== previous.swipeDate ||
          state.lifecycleDates !== previous.lifecycleDates ||
          state.theme !== previous.theme ||
          state.filter !== previous.filter ||
          state.layers !== previous.layers ||
          state.underground !== previous.underground ||
          state.buildingsAppearance !== previous.buildingsAppearance
        ) {
          this.apply();
        }
      }),
      viewer.scene.postRender.addEventListener(() => this.checkReady()),
    );
  }

  /** The layer a tileset belongs to, when it is the compare's (picks on the right side select its features). */
  layerOf(tileset: Cesium3DTileset): TilesetLayer | undefined {
    return this.compare?.tileset === tileset ? this.compare : undefined;
  }

  /** Apply the store's swipe state: split directions, the compare tileset and its style. Also after a layer loads. */
  apply(): void {
    if (this.destroyed) return;
    const state = this.store.getState();
    const scene = this.viewer.scene;
    const mode = state.swipeMode;
    const buildings = this.layerOfKind(state, 'buildings');
    if (mode !== 'dates') this.dropCompare();
    for (const [id, layer] of this.layers()) {
      const kind = state.layers.find((l) => l.config.id === id)?.config.kind;
      layer.tileset.splitDirection = mode === undefined ? SplitDirection.NONE : kind === 'buildings' ? SplitDirection.LEFT : mode === 'layers' && kind === 'pipelines' ? SplitDirection.RIGHT : SplitDirection.NONE;
    }
    if (mode === undefined) {
      scene.splitPosition = 0.5;
      scene.requestRender();
      return;
    }
    scene.splitPosition = state.swipePosition;
    if (mode === 'dates' && buildings) {
      if (this.compare === undefined && this.loadingFor === undefined) void this.loadCompare(buildings);
      if (this.compare) {
        // Shown as the layer is (read from the store: the city viewer may apply the same change after this).
        const visible = state.layers.find((l) => l.config.id === buildings.id)?.visible ?? true;
        this.compare.setVisible(visible && !(state.underground && state.buildingsAppearance === 'hide'));
        this.compare.tileset.splitDirection = SplitDirection.RIGHT;
        this.compare.setAppearanceRule(appearanceRule({ theme: state.theme, filter: state.filter, asOfDate: state.swipeDate, lifecycleDates: state.lifecycleDates }));
      }
    }
    if (mode === 'layers' && state.swipeStatus !== 'ready') state.setSwipeStatus('ready');
    scene.requestRender();
  }

  private layerOfKind(state: AppState, kind: 'buildings' | 'pipelines'): TilesetLayer | undefined {
    const config = state.layers.find((l) => l.config.kind === kind && this.layers().has(l.config.id));
    return config ? this.layers().get(config.config.id) : undefined;
  }

  private async loadCompare(buildings: TilesetLayer): Promise<void> {
    this.loadingFor = buildings.id;
    this.store.getState().setSwipeStatus('loading');
    try {
      const layer = await TilesetLayer.load(this.viewer, `${buildings.id}#compare`, buildings.url, buildings.idProperty, { onPending: () => {}, onContentFailed: () => {} });
      // Closed (or destroyed) while loading: not wanted any more.
      if (this.destroyed || this.store.getState().swipeMode !== 'dates' || this.loadingFor !== buildings.id) {
        layer.destroy();
        return;
      }
      this.compare = layer;
    } catch (error) {
      this.store.getState().setSwipeStatus('error');
      this.store.getState().addMessage(`swipe: ${errorText(error)}`);
      return;
    } finally {
      this.loadingFor = undefined;
    }
    this.apply();
  }

  private dropCompare(): void {
    this.loadingFor = undefined;
    if (!this.compare) return;
    this.compare.destroy();
    this.compare = undefined;
  }

  /** Which side each layer is drawn on (for tests and automation). */
  sides(): Record<string, 'left' | 'right' | 'both'> {
    const side = (direction: SplitDirection) => (direction === SplitDirection.LEFT ? 'left' : direction === SplitDirection.RIGHT ? 'right' : 'both');
    const sides: Record<string, 'left' | 'right' | 'both'> = {};
    for (const [id, layer] of this.layers()) sides[id] = side(layer.tileset.splitDirection);
    if (this.compare) sides[this.compare.id] = side(this.compare.tileset.splitDirection);
    return sides;
  }

  /** Ready once the compare side's tiles in view are in (request-render mode: keep drawing until then). */
  private checkReady(): void {
    const state = this.store.getState();
    if (state.swipeMode !== 'dates' || !this.compare || state.swipeStatus === 'ready') return;
    if (!this.compare.loaded) {
      this.viewer.scene.requestRender();
      return;
    }
    state.setSwipeStatus('ready');
  }

  destroy(): void {
    this.destroyed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.dropCompare();
  }
}
