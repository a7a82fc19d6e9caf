/**
 * An open BIM model (竣工模型) in the scene: its element tileset, flown to when it opens; elements
 * shown or hidden by storey and IFC class and the picked one highlighted, by a 3D Tiles style;
 * the section (剖切, CJJ/T 315) as one clipping plane, horizontal or vertical, moved from the
 * store; leaving it destroys the tileset and puts the camera back. Plain class with destroy():
 * it follows the store's BIM slice (src/store/bim.ts) with `subscribe`. Hiding the building's
 * LoD block is CityViewer's (its buildings style reads `bimModel.building`).
 */
import {
  BoundingSphere,
  Cartesian2,
  Cartesian3,
  Cartographic,
  Cesium3DTileFeature,
  Cesium3DTileStyle,
  Cesium3DTileset,
  ClippingPlane,
  ClippingPlaneCollection,
  Color,
  HeadingPitchRange,
  Math as CesiumMath,
  type Cesium3DTile,
  type StyleExpression,
  type Viewer,
} from 'cesium';
import type { AppState, AppStore } from '../store/index.ts';
import { bimElementShown, type BimModelRef, type BimPickedElement } from '../store/bim.ts';
import { errorText } from '../domain/error-text.ts';

const PICKED_COLOUR = Color.fromCssColorString('#ffc61a');
const SECTION_EDGE_COLOUR = Color.fromCssColorString('#e4002b');
/** How the camera looks at a model that opens: from the south-west, steeply enough to see over its neighbours (the demo plot has 6-storey blocks around it). */
const OPEN_PITCH_RADIANS = CesiumMath.toRadians(-50);
const OPEN_HEADING_RADIANS = CesiumMath.toRadians(35);
const OPEN_RANGE_FACTOR = 3.6;

interface SavedCamera {
  position: Cartesian3;
  heading: number;
  pitch: number;
  roll: number;
}

/** The model's extent around the clipping frame's origin (east-north-up at its bounding sphere's centre), metres. */
interface SectionExtent {
  bottom: number;
  top: number;
  west: number;
  east: number;
}

const text = (feature: Cesium3DTileFeature, name: string): string => {
  const value = feature.getProperty(name) as unknown;
  return value === undefined || value === null ? '' : String(value);
};

export class BimView {
  private tileset: Cesium3DTileset | undefined;
  private model: BimModelRef | undefined;
  private clipping: ClippingPlaneCollection | undefined;
  private extent: SectionExtent | undefined;
  private savedCamera: SavedCamera | undefined;
  private flying = false;
  /** performance.now() when the model was asked for, and when it was first complete on screen. */
  private openedAt = 0;
  private completedAt: number | undefined;
  private readonly cleanups: (() => void)[] = [];
  private destroyed = false;

  constructor(private readonly viewer: Viewer, private readonly store: AppStore) {
    this.cleanups.push(store.subscribe((state, previous) => this.onStoreChange(state, previous)));
    this.cleanups.push(viewer.scene.postRender.addEventListener(() => this.afterFrame()));
  }

  private onStoreChange(state: AppState, previous: AppState): void {
    if (state.bimModel !== previous.bimModel) {
      this.close(previous.bimModel !== undefined && state.bimModel === undefined);
      if (state.bimModel) void this.open(state.bimModel);
      return;
    }
    if (
      state.bimHiddenStoreys !== previous.bimHiddenStoreys ||
      state.bimIsolatedStorey !== previous.bimIsolatedStorey ||
      state.bimHiddenClasses !== previous.bimHiddenClasses ||
      state.bimIsolatedClass !== previous.bimIsolatedClass ||
      state.bimPicked?.globalId !== previous.bimPicked?.globalId
    ) {
      this.applyStyle();
    }
    if (state.bimSection !== previous.bimSection || state.bimSectionPosition !== previous.bimSectionPosition) this.applySection();
  }

  private async open(model: BimModelRef): Promise<void> {
    this.model = model;
    this.openedAt = performance.now();
    this.completedAt = undefined;
    const camera = this.viewer.camera;
    this.savedCamera ??= { position: Cartesian3.clone(camera.positionWC), heading: camera.heading, pitch: camera.pitch, roll: camera.roll };
    let tileset: Cesium3DTileset;
    try {
      tileset = await Cesium3DTileset.fromUrl(model.tilesetUrl, { enablePick: true, maximumScreenSpaceError: 8 });
    } catch (error) {
      if (this.model === model) this.store.getState().setBimStatus('error', `${model.tilesetUrl}: ${errorText(error)}`);
      return;
    }
    if (this.destroyed || this.model !== model) {
      tileset.destroy();
      return;
    }
    this.tileset = tileset;
    this.viewer.scene.primitives.add(tileset);
    this.extent = sectionExtent(tileset);
    this.clipping = new ClippingPlaneCollection({ planes: [new ClippingPlane(new Cartesian3(0, 0, -1), 0)], enabled: false, edgeWidth: 2, edgeColor: SECTION_EDGE_COLOUR });
    tileset.clippingPlanes = this.clipping;
    this.applyStyle();
    this.applySection();
    this.flying = true;
    const sphere = tileset.boundingSphere;
    this.viewer.camera.flyToBoundingSphere(new BoundingSphere(sphere.center, sphere.radius), {
      offset: new HeadingPitchRange(OPEN_HEADING_RADIANS, OPEN_PITCH_RADIANS, sphere.radius * OPEN_RANGE_FACTOR),
      duration: 1.2,
      complete: () => this.endFlight(),
      cancel: () => this.endFlight(),
    });
    this.viewer.scene.requestRender();
  }

  private endFlight(): void {
    this.flying = false;
    this.viewer.scene.requestRender();
  }

  /** Remove the model; with `restoreCamera`, fly back to where the user was before opening it. */
  private close(restoreCamera: boolean): void {
    this.model = undefined;
    this.extent = undefined;
    this.clipping = undefined;
    if (this.tileset) {
      if (!this.viewer.isDestroyed() && !this.tileset.isDestroyed()) this.viewer.scene.primitives.remove(this.tileset); // destroys it (and its clipping planes)
      this.tileset = undefined;
    }
    const saved = this.savedCamera;
    this.savedCamera = undefined;
    if (restoreCamera && saved && !this.viewer.isDestroyed()) {
      this.viewer.camera.flyTo({ destination: saved.position, orientation: { heading: saved.heading, pitch: saved.pitch, roll: saved.roll }, duration: 1 });
    }
    if (!this.viewer.isDestroyed()) this.viewer.scene.requestRender();
  }

  /** After each frame: keep drawing while the model loads; say when it is first complete. */
  private afterFrame(): void {
    const tileset = this.tileset;
    if (!tileset || tileset.isDestroyed()) return;
    if (!tileset.tilesLoaded || this.flying) {
      this.viewer.scene.requestRender();
      return;
    }
    if (this.completedAt === undefined) {
      this.completedAt = performance.now();
      this.store.getState().setBimStatus('ready');
    }
  }

  /** The storey and class choices and the picked element, as one style re-applied to every tile. */
  private applyStyle(): void {
    const tileset = this.tileset;
    if (!tileset) return;
    const state = this.store.getState();
    const choices = { bimHiddenStoreys: state.bimHiddenStoreys, bimIsolatedStorey: state.bimIsolatedStorey, bimHiddenClasses: state.bimHiddenClasses, bimIsolatedClass: state.bimIsolatedClass };
    const picked = state.bimPicked?.globalId;
    const style = new Cesium3DTileStyle();
    style.show = { evaluate: (feature: Cesium3DTileFeature) => bimElementShown(choices, text(feature, 'storeyId'), text(feature, 'ifcClass')) } as unknown as StyleExpression;
    style.color = {
      evaluateColor: (feature: Cesium3DTileFeature, result?: Color) => Color.clone(picked !== undefined && text(feature, 'id') === picked ? PICKED_COLOUR : Color.WHITE, result),
    } as unknown as StyleExpression;
    tileset.style = style;
    this.viewer.scene.requestRender();
  }

  /** The section plane: horizontal keeps what is below it, vertical what is west of it. */
  private applySection(): void {
    const { clipping, extent } = this;
    if (!clipping || !extent) return;
    const { bimSection, bimSectionPosition } = this.store.getState();
    clipping.enabled = bimSection !== 'off';
    const plane = clipping.get(0);
    if (bimSection === 'horizontal') {
      plane.normal = new Cartesian3(0, 0, -1);
      plane.distance = extent.bottom + (extent.top - extent.bottom) * bimSectionPosition;
    } else if (bimSection === 'vertical') {
      plane.normal = new Cartesian3(-1, 0, 0);
      plane.distance = extent.west + (extent.east - extent.west) * bimSectionPosition;
    }
    this.viewer.scene.requestRender();
  }

  /** A click inside the model (pointer mode 'bim'): pick an element, or nothing. */
  click(position: Cartesian2): void {
    const picked = this.viewer.scene.pick(position) as unknown;
    const { pickBimElement } = this.store.getState();
    if (!(picked instanceof Cesium3DTileFeature) || !this.tileset || picked.tileset !== this.tileset) {
      pickBimElement(undefined);
      return;
    }
    pickBimElement(elementOf(picked));
  }

  /** Whether the tileset is this model's (for the city viewer's hover and picking). */
  owns(tileset: unknown): boolean {
    return tileset !== undefined && tileset === this.tileset;
  }

  // --- for tests, benchmarks and automation -----------------------------------------------

  /** A loaded element's drawn state: shown and its colour; undefined if no loaded tile has it. */
  elementAppearance(globalId: string): { shown: boolean; colour: string } | undefined {
    const feature = this.findElement(globalId);
    if (!feature) return undefined;
    return { shown: feature.show, colour: feature.color.toCssHexString() };
  }

  /** The loaded elements (GlobalId, class, storey), e.g. to find a wall to click. */
  loadedElements(): BimPickedElement[] {
    const elements: BimPickedElement[] = [];
    this.forEachFeature((feature) => {
      elements.push(elementOf(feature));
      return false;
    });
    return elements;
  }

  /** Milliseconds from asking for the model to its first complete frame; undefined until then. */
  openMilliseconds(): number | undefined {
    return this.completedAt === undefined ? undefined : this.completedAt - this.openedAt;
  }

  /**
   * A window position (CSS pixels) where an element of this class is drawn and nothing of the
   * page lies over the canvas, searched outward from the model's centre on screen; for tests and
   * automation that click on an element as a user would. Each probe is a pick (a render pass).
   */
  findOnScreen(ifcClass: string, stepPixels = 12, maximumProbes = 400): { x: number; y: number; globalId: string } | undefined {
    const tileset = this.tileset;
    if (!tileset) return undefined;
    const scene = this.viewer.scene;
    const centre = scene.cartesianToCanvasCoordinates(tileset.boundingSphere.center);
    if (!centre) return undefined;
    const rect = scene.canvas.getBoundingClientRect();
    for (let probe = 0, ring = 0; probe < maximumProbes && ring < 60; ring++) {
      for (let i = -ring; i <= ring; i++) {
        for (const [dx, dy] of [[i, -ring], [i, ring], [-ring, i], [ring, i]] as const) {
          if (ring > 0 && Math.abs(dx) !== ring && Math.abs(dy) !== ring) continue;
          const position = new Cartesian2(centre.x + dx * stepPixels, centre.y + dy * stepPixels);
          if (position.x < 0 || position.y < 0 || position.x >= rect.width || position.y >= rect.height) continue;
          if (document.elementFromPoint(rect.left + position.x, rect.top + position.y) !== scene.canvas) continue;
          probe++;
          const picked = scene.pick(position) as unknown;
          if (picked instanceof Cesium3DTileFeature && picked.tileset === tileset && text(picked, 'ifcClass') === ifcClass && picked.show) {
            return { x: rect.left + position.x, y: rect.top + position.y, globalId: text(picked, 'id') };
          }
        }
      }
    }
    return undefined;
  }

  /** The model's bounding sphere on screen as a box (CSS pixels in the canvas); undefined if not in view. */
  screenBox(): { left: number; top: number; right: number; bottom: number } | undefined {
    const tileset = this.tileset;
    if (!tileset) return undefined;
    const { center, radius } = tileset.boundingSphere;
    const camera = this.viewer.camera;
    const centre = this.viewer.scene.cartesianToCanvasCoordinates(center);
    if (!centre) return undefined;
    // The sphere's apparent radius: a point one radius above its centre, in the camera's up direction.
    const rim = this.viewer.scene.cartesianToCanvasCoordinates(Cartesian3.add(center, Cartesian3.multiplyByScalar(camera.upWC, radius, new Cartesian3()), new Cartesian3()));
    const r = rim ? Math.hypot(rim.x - centre.x, rim.y - centre.y) : 0;
    return { left: centre.x - r, top: centre.y - r, right: centre.x + r, bottom: centre.y + r };
  }

  /** Whether a tileset of this model is in the scene (for tests: leaving destroys it). */
  hasTileset(): boolean {
    return this.tileset !== undefined && !this.tileset.isDestroyed();
  }

  private findElement(globalId: string): Cesium3DTileFeature | undefined {
    let found: Cesium3DTileFeature | undefined;
    this.forEachFeature((feature) => {
      if (text(feature, 'id') !== globalId) return false;
      found = feature;
      return true;
    });
    return found;
  }

  private forEachFeature(visit: (feature: Cesium3DTileFeature) => boolean): void {
    const tileset = this.tileset;
    if (!tileset) return;
    const stack: Cesium3DTile[] = [tileset.root];
    while (stack.length) {
      const tile = stack.pop()!;
      const content = (tile as unknown as { contentReady: boolean }).contentReady ? tile.content : undefined;
      if (content) for (let i = 0; i < content.featuresLength; i++) if (visit(content.getFeature(i))) return;
      stack.push(...tile.children);
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.close(false);
  }
}

function elementOf(feature: Cesium3DTileFeature): BimPickedElement {
  return { globalId: text(feature, 'id'), ifcClass: text(feature, 'ifcClass'), name: text(feature, 'name'), storey: text(feature, 'storey'), storeyId: text(feature, 'storeyId'), material: text(feature, 'material') };
}

/**
 * The model's extent in the clipping planes' frame: a tileset whose root has no transform clips
 * in east-north-up axes at its bounding sphere's centre. From the root's bounding region.
 */
function sectionExtent(tileset: Cesium3DTileset): SectionExtent {
  const centre = Cartographic.fromCartesian(tileset.boundingSphere.center);
  const radius = tileset.boundingSphere.radius;
  const region = (tileset.root as unknown as { boundingVolume?: { rectangle?: { west: number; east: number }; minimumHeight?: number; maximumHeight?: number } }).boundingVolume;
  if (!region?.rectangle || region.minimumHeight === undefined || region.maximumHeight === undefined) return { bottom: -radius, top: radius, west: -radius, east: radius };
  const metresPerRadian = 6_378_137 * Math.cos(centre.latitude);
  return {
    bottom: region.minimumHeight - centre.height,
    top: region.maximumHeight - centre.height,
    west: (region.rectangle.west - centre.longitude) * metresPerRadian,
    east: (region.rectangle.east - centre.longitude) * metresPerRadian,
  };
}
