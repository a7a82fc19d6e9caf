/**
 * An open BIM model (竣工模型) in the scene: its element tileset, flown to when it opens; elements
 * shown or hidden by storey and IFC class and the picked one highlighted, by a 3D Tiles style;
 * the section (剖切, CJJ/T 315) as one clipping plane, horizontal or vertical, moved from the
 * store, drawn in the scene as a translucent rim around the model and an outline,
 * and dragged by that rim along its normal (the camera's controls off while dragging; the store,
 * and so the panel's slider, follow; the math in ./section-drag.ts); leaving it destroys the
 * tileset and puts the camera back. Plain class with destroy():
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
  ColorGeometryInstanceAttribute,
  GeometryInstance,
  HeadingPitchRange,
  Math as CesiumMath,
  Matrix4,
  PerInstanceColorAppearance,
  PlaneGeometry,
  PlaneOutlineGeometry,
  Primitive,
  ScreenSpaceEventHandler,
  ScreenSpaceEventType,
  Transforms,
  TranslationRotationScale,
  type Cesium3DTile,
  type StyleExpression,
  type Viewer,
} from 'cesium';
import type { AppState, AppStore } from '../store/index.ts';
import { bimElementShown, type BimModelRef, type BimPickedElement } from '../store/bim.ts';
import { pointerMode } from '../store/measure.ts';
import { errorText } from '../domain/error-text.ts';
import {
  dragSectionPosition,
  pointOnPlane,
  sectionAxis,
  sectionClippingPlane,
  sectionCoordinate,
  sectionPlaneMatrix,
  sectionRimBands,
  startSectionDrag,
  type Ray,
  type SectionBox,
  type SectionDrag,
  type Vec3,
} from './section-drag.ts';

const PICKED_COLOUR = Color.fromCssColorString('#ffc61a');
const SECTION_EDGE_COLOUR = Color.fromCssColorString('#e4002b');
/**
 * The section plane drawn in the scene: a translucent rim around the model to grab it by, and its
 * outline. The cut itself is left clear (its edges are the clipping's red): anything drawn there
 * would take the clicks on the elements inside, since Cesium draws a primitive that is not
 * pickable into the pick buffer all the same (as nothing).
 */
const SECTION_RIM_COLOUR = SECTION_EDGE_COLOUR.withAlpha(0.45);
/** How much wider than the model the drawn plane is on each side, as a share of the model's size: the rim. */
const SECTION_MARGIN = 0.12;
/** The pick id of the plane's rim and outline (nothing is drawn over the cut: a click through it still picks elements). */
const SECTION_HANDLE = { kind: 'bim-section-plane' } as const;
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

/** The section plane in the scene: the rim to grab it by and its outline, both drawn from the unit square. */
interface SectionPrimitives {
  rim: Primitive;
  outline: Primitive;
}

/** A drag of the section plane in progress. */
interface ActiveDrag {
  drag: SectionDrag;
  /** The pointer's y (CSS pixels) at the grab, and for a drag by screen movement the size of a pixel there and the axis's sense. */
  startY: number;
  metresPerPixel: number;
  axisTowardsCamera: boolean;
  /** The camera controller's enableInputs before the drag, put back after it. */
  inputs: boolean;
}

const text = (feature: Cesium3DTileFeature, name: string): string => {
  const value = feature.getProperty(name) as unknown;
  return value === undefined || value === null ? '' : String(value);
};

export class BimView {
  private tileset: Cesium3DTileset | undefined;
  private model: BimModelRef | undefined;
  private clipping: ClippingPlaneCollection | undefined;
  /** The model's extent in the clipping frame, and that frame (east-north-up at its bounding sphere's centre) and its inverse. */
  private extent: SectionBox | undefined;
  private frame: Matrix4 | undefined;
  private frameInverse: Matrix4 | undefined;
  private plane: SectionPrimitives | undefined;
  private dragging: ActiveDrag | undefined;
  /** A drag just ended: the click Cesium may send for the same press is not a pick. */
  private draggedThisPress = false;
  private readonly handler: ScreenSpaceEventHandler;
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
    this.handler = new ScreenSpaceEventHandler(viewer.scene.canvas);
    this.handler.setInputAction((event: ScreenSpaceEventHandler.PositionedEvent) => this.onPointerDown(event.position), ScreenSpaceEventType.LEFT_DOWN);
    this.handler.setInputAction((event: ScreenSpaceEventHandler.MotionEvent) => this.onPointerMove(event.endPosition), ScreenSpaceEventType.MOUSE_MOVE);
    this.handler.setInputAction(() => this.endDrag(), ScreenSpaceEventType.LEFT_UP);
    this.cleanups.push(() => this.handler.destroy());
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
    if (state.bimSection !== previous.bimSection) this.endDrag();
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
    this.frame = Transforms.eastNorthUpToFixedFrame(tileset.boundingSphere.center);
    this.frameInverse = Matrix4.inverseTransformation(this.frame, new Matrix4());
    this.clipping = new ClippingPlaneCollection({ planes: [new ClippingPlane(new Cartesian3(0, 0, -1), 0)], enabled: false, edgeWidth: 2, edgeColor: SECTION_EDGE_COLOUR });
    tileset.clippingPlanes = this.clipping;
    this.plane = this.createPlane();
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
    this.endDrag();
    this.model = undefined;
    this.extent = undefined;
    this.frame = undefined;
    this.frameInverse = undefined;
    this.clipping = undefined;
    if (this.plane) {
      if (!this.viewer.isDestroyed()) for (const primitive of Object.values(this.plane)) this.viewer.scene.primitives.remove(primitive); // destroys them
      this.plane = undefined;
    }
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

  /** The section plane: horizontal keeps what is below it, vertical what is west of it; drawn where it clips. */
  private applySection(): void {
    const { clipping, extent, frame, plane } = this;
    if (!clipping || !extent || !frame) return;
    const { bimSection, bimSectionPosition } = this.store.getState();
    clipping.enabled = bimSection !== 'off';
    if (bimSection !== 'off') {
      const { normal, distance } = sectionClippingPlane(bimSection, extent, bimSectionPosition);
      const clippingPlane = clipping.get(0);
      clippingPlane.normal = new Cartesian3(...normal);
      clippingPlane.distance = distance;
    }
    if (plane) {
      const shown = bimSection !== 'off';
      const matrix = shown ? Matrix4.multiply(frame, Matrix4.fromArray(sectionPlaneMatrix(bimSection, extent, bimSectionPosition, SECTION_MARGIN)), new Matrix4()) : undefined;
      for (const primitive of Object.values(plane)) {
        primitive.show = shown;
        if (matrix) primitive.modelMatrix = matrix;
      }
    }
    this.viewer.scene.requestRender();
  }

  /** The plane drawn in the scene (hidden until a section is on): a rim and an outline of the unit square that applySection places. */
  private createPlane(): SectionPrimitives {
    const square = (colour: Color, id: unknown, placement: Matrix4) =>
      new GeometryInstance({
        geometry: new PlaneGeometry({ vertexFormat: PerInstanceColorAppearance.FLAT_VERTEX_FORMAT }),
        attributes: { color: ColorGeometryInstanceAttribute.fromColor(colour) },
        id,
        modelMatrix: placement,
      });
    const rim = new Primitive({
      geometryInstances: sectionRimBands(SECTION_MARGIN).map(([u, v, width, height]) =>
        square(SECTION_RIM_COLOUR, SECTION_HANDLE, Matrix4.fromTranslationRotationScale(new TranslationRotationScale(new Cartesian3(u, v, 0), undefined, new Cartesian3(width, height, 1)))),
      ),
      appearance: new PerInstanceColorAppearance({ flat: true, translucent: true, closed: false }),
      asynchronous: false,
      show: false,
    });
    const outline = new Primitive({
      geometryInstances: new GeometryInstance({ geometry: new PlaneOutlineGeometry(), attributes: { color: ColorGeometryInstanceAttribute.fromColor(SECTION_EDGE_COLOUR) }, id: SECTION_HANDLE }),
      appearance: new PerInstanceColorAppearance({ flat: true, translucent: false }),
      asynchronous: false,
      show: false,
    });
    const primitives = this.viewer.scene.primitives;
    return { rim: primitives.add(rim) as Primitive, outline: primitives.add(outline) as Primitive };
  }

  // --- dragging the section plane -------------------------------------------------------

  /** The pointer's ray in the clipping frame. */
  private localRay(position: Cartesian2): Ray | undefined {
    const inverse = this.frameInverse;
    const ray = this.viewer.camera.getPickRay(position);
    if (!inverse || !ray) return undefined;
    const origin = Matrix4.multiplyByPoint(inverse, ray.origin, new Cartesian3());
    const direction = Matrix4.multiplyByPointAsVector(inverse, ray.direction, new Cartesian3());
    return { origin: [origin.x, origin.y, origin.z], direction: [direction.x, direction.y, direction.z] };
  }

  /** Whether the section plane's rim is drawn at this window position (a pick: a render pass). */
  private handleAt(position: Cartesian2): boolean {
    const picked = this.viewer.scene.pick(position) as { id?: unknown } | undefined;
    return picked?.id === SECTION_HANDLE;
  }

  /** A press on the plane's rim, with the model open and no other pointer tool: start dragging it, the camera held still. */
  private onPointerDown(position: Cartesian2): void {
    this.draggedThisPress = false;
    const { extent, plane } = this;
    const state = this.store.getState();
    const mode = state.bimSection;
    if (!extent || !plane || mode === 'off' || pointerMode(state) !== 'bim' || this.dragging) return;
    const ray = this.localRay(position);
    if (!ray || !this.handleAt(position)) return;
    const matrix = sectionPlaneMatrix(mode, extent, state.bimSectionPosition, SECTION_MARGIN);
    const drag = startSectionDrag(mode, extent, state.bimSectionPosition, ray, pointOnPlane(matrix, 0, 0));
    const scene = this.viewer.scene;
    const camera: Vec3 = [ray.origin[0], ray.origin[1], ray.origin[2]];
    const distance = Math.hypot(drag.grab[0] - camera[0], drag.grab[1] - camera[1], drag.grab[2] - camera[2]);
    const pixel = this.viewer.camera.frustum.getPixelDimensions(scene.drawingBufferWidth, scene.drawingBufferHeight, distance, scene.drawingBufferWidth / Math.max(1, scene.canvas.clientWidth), new Cartesian2());
    const axis = sectionAxis(mode);
    const controller = scene.screenSpaceCameraController;
    this.dragging = {
      drag,
      startY: position.y,
      metresPerPixel: pixel.y,
      axisTowardsCamera: axis[0] * (camera[0] - drag.grab[0]) + axis[1] * (camera[1] - drag.grab[1]) + axis[2] * (camera[2] - drag.grab[2]) > 0,
      inputs: controller.enableInputs,
    };
    controller.enableInputs = false;
    scene.canvas.style.cursor = 'grabbing';
    document.body.dataset.bimSectionDrag = 'dragging';
  }

  private onPointerMove(position: Cartesian2): void {
    const active = this.dragging;
    if (!active) return;
    const ray = this.localRay(position);
    if (!ray) return;
    const next = dragSectionPosition(active.drag, ray, { pixelsUp: active.startY - position.y, metresPerPixel: active.metresPerPixel, axisTowardsCamera: active.axisTowardsCamera });
    if (next === undefined) return;
    this.draggedThisPress = true;
    this.store.getState().setBimSectionPosition(next);
  }

  /** End a drag: the camera's controls as they were. */
  private endDrag(): void {
    const active = this.dragging;
    if (!active) return;
    this.dragging = undefined;
    if (!this.viewer.isDestroyed()) {
      this.viewer.scene.screenSpaceCameraController.enableInputs = active.inputs;
      this.viewer.scene.canvas.style.cursor = '';
    }
    delete document.body.dataset.bimSectionDrag;
  }

  /** A click inside the model (pointer mode 'bim'): pick an element, or nothing; not the end of a drag of the section plane. */
  click(position: Cartesian2): void {
    if (this.draggedThisPress) {
      this.draggedThisPress = false;
      return;
    }
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

  /**
   * The section plane: its mode, position, the clipping plane's distance (metres along its normal
   * in the clipping frame, as Cesium has it) and whether a drag is under way; for tests.
   */
  sectionState(): { mode: AppState['bimSection']; position: number; enabled: boolean; distance: number | undefined; dragging: boolean; planeShown: boolean } {
    const { bimSection, bimSectionPosition } = this.store.getState();
    const clipping = this.clipping;
    return {
      mode: bimSection,
      position: bimSectionPosition,
      enabled: clipping?.enabled ?? false,
      distance: clipping && clipping.length > 0 ? clipping.get(0).distance : undefined,
      dragging: this.dragging !== undefined,
      planeShown: this.plane?.rim.show ?? false,
    };
  }

  /**
   * A window position (CSS pixels) on the section plane's rim where a press grabs it (searched
   * along the rim, each probe a pick), and where that point of the plane would be on screen with
   * the plane at `target` (0 to 1): for tests and automation that drag it as a user would.
   */
  sectionHandleOnScreen(target: number, probesPerBand = 9): { x: number; y: number; to: { x: number; y: number } } | undefined {
    const { extent, frame, plane } = this;
    const { bimSection, bimSectionPosition } = this.store.getState();
    if (!extent || !frame || !plane || bimSection === 'off') return undefined;
    const scene = this.viewer.scene;
    const rect = scene.canvas.getBoundingClientRect();
    const matrix = sectionPlaneMatrix(bimSection, extent, bimSectionPosition, SECTION_MARGIN);
    const axis = sectionAxis(bimSection);
    const shift = sectionCoordinate(bimSection, extent, target) - sectionCoordinate(bimSection, extent, bimSectionPosition);
    const onCanvas = (local: Vec3) => scene.cartesianToCanvasCoordinates(Matrix4.multiplyByPoint(frame, new Cartesian3(...local), new Cartesian3()));
    for (const [u, v, width, height] of sectionRimBands(SECTION_MARGIN)) {
      for (let i = 0; i < probesPerBand; i++) {
        const along = (i + 0.5) / probesPerBand - 0.5;
        const point = pointOnPlane(matrix, width > height ? u + along * width : u, width > height ? v : v + along * height);
        const position = onCanvas(point);
        if (!position || position.x < 0 || position.y < 0 || position.x >= rect.width || position.y >= rect.height) continue;
        if (document.elementFromPoint(rect.left + position.x, rect.top + position.y) !== scene.canvas || !this.handleAt(position)) continue;
        const moved = onCanvas([point[0] + axis[0] * shift, point[1] + axis[1] * shift, point[2] + axis[2] * shift]);
        if (!moved) continue;
        return { x: rect.left + position.x, y: rect.top + position.y, to: { x: rect.left + moved.x, y: rect.top + moved.y } };
      }
    }
    return undefined;
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
function sectionExtent(tileset: Cesium3DTileset): SectionBox {
  const centre = Cartographic.fromCartesian(tileset.boundingSphere.center);
  const radius = tileset.boundingSphere.radius;
  const region = (tileset.root as unknown as { boundingVolume?: { rectangle?: { west: number; east: number; south: number; north: number }; minimumHeight?: number; maximumHeight?: number } }).boundingVolume;
  if (!region?.rectangle || region.minimumHeight === undefined || region.maximumHeight === undefined) return { bottom: -radius, top: radius, west: -radius, east: radius, south: -radius, north: radius };
  const metresPerRadianEast = 6_378_137 * Math.cos(centre.latitude);
  const metresPerRadianNorth = 6_378_137;
  return {
    bottom: region.minimumHeight - centre.height,
    top: region.maximumHeight - centre.height,
    west: (region.rectangle.west - centre.longitude) * metresPerRadianEast,
    east: (region.rectangle.east - centre.longitude) * metresPerRadianEast,
    south: (region.rectangle.south - centre.latitude) * metresPerRadianNorth,
    north: (region.rectangle.north - centre.latitude) * metresPerRadianNorth,
  };
}
