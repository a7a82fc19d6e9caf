/**
 * The Cesium side of the app: an offline viewer (no ion, no Bing, no CDN) with the district's
 * ground, the configured tileset layers, hover and click picking, and camera state in the URL.
 * Plain class with destroy(); talks to React only through the store.
 */
import {
  BoundingSphere,
  Cartesian2,
  Cartesian3,
  Cesium3DTileFeature,
  Color,
  type Cesium3DTile,
  type Cesium3DTileset,
  HeadingPitchRange,
  Cartographic,
  JulianDate,
  Math as CesiumMath,
  SceneTransforms,
  ScreenSpaceEventHandler,
  ScreenSpaceEventType,
  Viewer,
  type CustomShader,
} from 'cesium';
import type { AppState, AppStore, LayerConfig } from '../store/index.ts';
import type { CameraView, Placement } from '../store/url-state.ts';
import { AnalysisOverlay } from './analysis-overlay.ts';
import { ImpactRings } from './impact-rings.ts';
import { CaseLayer } from './case-layer.ts';
import { GridLayer } from './grid-layer.ts';
import { ringRadii } from '../domain/emergency/impact.ts';
import { addGroundLayer } from './ground-layer.ts';
import { offlineViewerOptions } from './offline-viewer-options.ts';
import { DESIRED_TILES_ONLY, isFeatureAlive, SELECTED_COLOUR_CSS, TilesetLayer } from './tileset-layer.ts';
import { describedProperties, layerMetadata } from './feature-metadata.ts';
import { cityModelShader } from './surface-style.ts';
import { tileIds } from './lod-levels.ts';
import { trimStaleCommandsAfterRender } from './cesium-command-trim.ts';
import { SensorOverlay, type ClusterPick, type SensorPick } from './sensor-overlay.ts';
import { UndergroundView } from './underground-view.ts';
import { showsFinishedPicture } from './ready-rule.ts';
import { cullSkyOutOfView } from './sky-culling.ts';
import { adaptGlobeDetail, CESIUM_LOAD_TIME_SLICE_MILLISECONDS, globeViewLoaded, setGlobeLoadTimeSlice, SmoothEllipsoidTerrainProvider, SOFTWARE_LOAD_TIME_SLICE_MILLISECONDS } from './globe-detail.ts';
import { applyPlacement, hasNoGeoreference, sphereCentre } from './placement.ts';
import { applyRenderSettings, effectiveQuality, isSoftwareRenderer, RENDER_SETTINGS, webglRendererOf } from './render-quality.ts';
import { isOpenStatus } from '../domain/monitoring/incidents.ts';
import { SENSOR_STATE_COLOURS, type WarningLevel } from '../domain/monitoring/warning.ts';
import { appearanceRule, isThematicActive, type BuildingAppearance, type ThematicState } from '../domain/thematic/appearance.ts';
import type { BuildingAttributes } from '../domain/thematic/themes.ts';
import { errorText } from '../domain/error-text.ts';
import { darkSceneRule } from '../domain/thematic/scene-style.ts';
import { darkBuildingShader, SceneStyleView } from './scene-style.ts';
import { MeasureLayer } from './measure-layer.ts';
import { SwipeCompare } from './swipe-compare.ts';
import { pointerMode } from '../store/measure.ts';
import { BimView } from './bim-view.ts';
import type { SnapTarget } from '../domain/measure.ts';

const HOVER_COLOUR = Color.fromCssColorString('#7fd3ff');
const HIDDEN_BUILDING: BuildingAppearance = Object.freeze({ show: false, alpha: 0 });
const SHOWN_BUILDING: BuildingAppearance = Object.freeze({ show: true, alpha: 1 });
const NONE_HIDDEN: ReadonlySet<string> = new Set();
/** Buildings seen through in the underground view. */
const BUILDINGS_UNDERGROUND_ALPHA = 0.3;
/** Default daylight: 09:30 China Standard Time at the equinox, a low sun that lights the walls. */
const DEFAULT_CLOCK_ISO8601 = '2026-03-21T01:30:00Z';

export interface CityViewerOptions {
  container: HTMLElement;
  store: AppStore;
  /** Layers with URLs already resolved. */
  layers: LayerConfig[];
  groundUrl?: string;
  initialView?: CameraView;
  /** Where to open when there is no initial view: an asset's position (e.g. a deep-linked selection). */
  initialAsset?: Promise<{ lonDegrees: number; latDegrees: number; heightMetres: number } | undefined>;
  clockIso8601?: string;
  /**
   * The layer to frame when there is no initial view and no initial asset (e.g. a tileset the URL
   * added); when it is not given or did not load, the config's `flyTo` layer, else the first layer.
   */
  frameLayerId?: string;
  /** Called when the camera stops moving, with the new view (for the URL). */
  onViewChanged?: (view: CameraView) => void;
}

export class CityViewer {
  readonly viewer: Viewer;
  private readonly layers = new Map<string, TilesetLayer>();
  /** Detail layers (config `detailOf`, see lod-levels.ts): the building IDs each holds. */
  private readonly detailIds = new Map<string, ReadonlySet<string>>();
  private readonly store: AppStore;
  private readonly handler: ScreenSpaceEventHandler;
  private readonly cleanups: (() => void)[] = [];
  private readonly pendingByLayer = new Map<string, number>();
  private readonly analysis: AnalysisOverlay;
  readonly sensors: SensorOverlay;
  readonly impactRings: ImpactRings;
  readonly cases: CaseLayer;
  readonly grids: GridLayer;
  readonly underground: UndergroundView;
  readonly sceneStyle: SceneStyleView;
  readonly measure: MeasureLayer;
  readonly swipe: SwipeCompare;
  readonly bim: BimView;
  /** The rim light of buildings in the dark scene style, made once. */
  private darkShader: CustomShader | undefined;
  /** City-model shaders (roofs and walls apart), original and dark scene style. */
  private cityShaders: Partial<Record<'original' | 'dark', CustomShader>> = {};
  private tints = new Map<string, string>();
  /** Layers with no georeference: the placement applied to each ("" for none). */
  private readonly appliedPlacements = new Map<string, string>();
  /** Most serious open incident level per asset, for the risk theme. */
  private risk = new Map<string, WarningLevel>();
  private hovered: { feature: Cesium3DTileFeature; colour: Color } | undefined;
  private pickedWithoutId: { feature: Cesium3DTileFeature; colour: Color } | undefined;
  private pendingHoverPosition: Cartesian2 | undefined;
  private groundSettled = false;
  private cameraSettled = false;
  private layersSettled = false;
  /** Frames drawn in a row with everything in view loaded (see checkReady and ready-rule.ts). */
  private completeFrames = 0;
  /** A tileset tile finished loading in the frame being drawn (see ready-rule.ts). */
  private tileLoadedThisFrame = false;
  private destroyed = false;

  constructor(private readonly options: CityViewerOptions) {
    this.store = options.store;
    this.viewer = new Viewer(options.container, {
      ...offlineViewerOptions(),
      // The ellipsoid with no refinement past the level that adds detail (see globe-detail.ts).
      terrainProvider: new SmoothEllipsoidTerrainProvider(),
      // Render only when something changes: an unattended display should not burn a core.
      requestRenderMode: true,
      maximumRenderTimeChange: Infinity,
    });
    const scene = this.viewer.scene;
    scene.globe.depthTestAgainstTerrain = false;
    scene.fog.enabled = false;
    this.viewer.clock.currentTime = JulianDate.fromIso8601(options.clockIso8601 ?? DEFAULT_CLOCK_ISO8601);
    this.viewer.clock.shouldAnimate = false;
    this.store.getState().setSoftwareRenderer(isSoftwareRenderer(webglRendererOf(scene.canvas)));
    this.applyRenderQuality();

    this.analysis = new AnalysisOverlay(this.viewer, this.store);
    this.sensors = new SensorOverlay(this.viewer, this.store);
    this.impactRings = new ImpactRings(this.viewer, this.store);
    this.cases = new CaseLayer(this.viewer, this.store);
    this.grids = new GridLayer(this.viewer, this.store);
    this.underground = new UndergroundView(this.viewer);
    this.sceneStyle = new SceneStyleView(this.viewer);
    this.sceneStyle.apply(this.store.getState().sceneStyle, this.store.getState().underground);
    this.measure = new MeasureLayer(this.viewer, this.store, (tileset) => this.snapOfTileset(tileset));
    this.swipe = new SwipeCompare(this.viewer, this.store, () => this.layers);
    this.bim = new BimView(this.viewer, this.store);
    this.handler = new ScreenSpaceEventHandler(scene.canvas);
    this.handler.setInputAction((movement: ScreenSpaceEventHandler.MotionEvent) => this.queueHover(movement.endPosition), ScreenSpaceEventType.MOUSE_MOVE);
    this.handler.setInputAction((click: ScreenSpaceEventHandler.PositionedEvent) => this.onClick(click.position), ScreenSpaceEventType.LEFT_CLICK);
    this.cleanups.push(scene.preRender.addEventListener(() => this.applyQueuedHover()));
    this.cleanups.push(cullSkyOutOfView(this.viewer, () => this.underground.skyHidden() || this.sceneStyle.skyHidden()));
    this.cleanups.push(adaptGlobeDetail(this.viewer, () => this.underground.belowSurface()));
    this.cleanups.push(scene.preRender.addEventListener(() => (this.tileLoadedThisFrame = false)));
    this.cleanups.push(scene.postRender.addEventListener(() => this.checkReady()));
    this.cleanups.push(trimStaleCommandsAfterRender(scene));
    this.cleanups.push(
      this.viewer.camera.moveEnd.addEventListener(() => {
        const view = this.currentView();
        if (view) options.onViewChanged?.(view);
      }),
    );
    this.cleanups.push(this.store.subscribe((state, previous) => {
      // A layer that fails to apply a change says so in the status bar; it never throws into the
      // code that changed the store (a stream update, a React event handler).
      try {
        this.applyStoreChange(state, previous);
      } catch (error) {
        this.store.getState().addMessage(errorText(error));
      }
    }));
    // The view the link names, and the underground view, from the first frame: frames drawn
    // elsewhere first (Cesium's default view of the whole Earth, with its sky) loaded what that
    // view needed, the sky box's six images among them, whose decoding held up the globe's own
    // imagery (createImageBitmap decodes one image after another): under a street the globe's
    // first tiles came 10–20 s later than they could (see README, Performance).
    this.applyLayerAppearance();
    if (options.initialView) this.setView(options.initialView);
  }

  private applyStoreChange(state: AppState, previous: AppState): void {
    if (state.selection?.id !== previous.selection?.id) this.applySelection();
    // Until ready, a change that can complete the picture draws a frame, after which readiness is checked.
    if (!state.ready && (state.sensorRevision !== previous.sensorRevision || state.connection !== previous.connection || state.sensorsVisible !== previous.sensorsVisible)) this.viewer.scene.requestRender();
    if (state.incidents !== previous.incidents) this.applyIncidentTints();
    if (
      state.theme !== previous.theme ||
      state.filter !== previous.filter ||
      state.asOfDate !== previous.asOfDate ||
      state.lifecycleDates !== previous.lifecycleDates ||
      state.sceneStyle !== previous.sceneStyle ||
      state.bimModel?.building !== previous.bimModel?.building ||
      (state.theme === 'risk' && state.incidents !== previous.incidents)
    ) {
      this.applyThematic();
    }
    if (state.selectedIncidentId !== previous.selectedIncidentId && state.selectedIncidentId !== undefined) void this.flyToIncident(state.selectedIncidentId);
    if (state.renderQuality !== previous.renderQuality || state.softwareRenderer !== previous.softwareRenderer) this.applyRenderQuality();
    if (
      state.layers !== previous.layers ||
      state.underground !== previous.underground ||
      state.groundOpacity !== previous.groundOpacity ||
      state.buildingsAppearance !== previous.buildingsAppearance ||
      state.hiddenPipelineTypes !== previous.hiddenPipelineTypes ||
      state.swipeMode !== previous.swipeMode
    ) {
      this.applyLayerAppearance();
    }
    if (state.layers !== previous.layers) this.applyPlacements(true);
    if (state.sceneStyle !== previous.sceneStyle || state.underground !== previous.underground) this.sceneStyle.apply(state.sceneStyle, state.underground);
  }

  /** Load the ground and every layer, then go to the initial view. Failures are reported to the store, never thrown. */
  async start(): Promise<void> {
    const groundLoad = this.options.groundUrl
      ? addGroundLayer(this.viewer, this.options.groundUrl).catch((error: unknown) => this.store.getState().addMessage(`ground: ${errorText(error)}`))
      : Promise.resolve();
    void groundLoad.finally(() => {
      this.groundSettled = true;
      this.viewer.scene.requestRender();
    });
    const loads = this.options.layers.map((config) => this.loadLayer(config));
    await Promise.all(loads);
    const asset = await this.options.initialAsset?.catch(() => undefined);
    if (this.destroyed) return;
    this.layersSettled = true;
    if (this.options.initialView) {
      // Set in the constructor; a camera the user moved meanwhile stays where it is.
      this.cameraSettled = true;
    } else if (asset) {
      await this.flyToPosition(asset.lonDegrees, asset.latDegrees, asset.heightMetres);
      this.cameraSettled = true;
    } else {
      // A tileset with no georeference and no placement yet would take the camera to the Earth's centre.
      const loaded = (l: LayerConfig) => this.layers.has(l.id) && this.isPlaced(l.id);
      const target =
        this.options.layers.find((l) => l.id === this.options.frameLayerId && loaded(l)) ??
        this.options.layers.find((l) => l.flyTo && loaded(l)) ??
        this.options.layers.find(loaded);
      const layer = target ? this.layers.get(target.id) : undefined;
      if (layer) {
        await this.flyToSphere(layer.tileset.boundingSphere, CesiumMath.toRadians(-35), 1.6, 1.5);
      }
      this.cameraSettled = true;
    }
    this.applySelection();
    this.viewer.scene.requestRender();
  }

  private async loadLayer(config: LayerConfig): Promise<void> {
    const { setLayerStatus } = this.store.getState();
    try {
      const layer = await TilesetLayer.load(this.viewer, config.id, config.url, config.idProperty ?? 'id', {
        onPending: (pending) => {
          this.pendingByLayer.set(config.id, pending);
          let total = 0;
          for (const n of this.pendingByLayer.values()) total += n;
          this.store.getState().setPendingTiles(total);
        },
        onContentFailed: (message) => this.store.getState().setLayerStatus(config.id, 'ready', message),
      }, config.kind === 'pipelines' ? DESIRED_TILES_ONLY : {});
      if (this.destroyed) {
        layer.destroy();
        return;
      }
      this.layers.set(config.id, layer);
      layer.tileset.tileLoad.addEventListener(() => (this.tileLoadedThisFrame = true));
      // A detail layer's buildings are hidden in its base layer as its tiles load (each new ID makes a new set, so the base re-styles).
      if (config.detailOf) {
        this.detailIds.set(config.id, new Set());
        const idProperty = config.idProperty ?? 'id';
        layer.tileset.tileLoad.addEventListener((tile: Cesium3DTile) => {
          const known = this.detailIds.get(config.id) ?? new Set<string>();
          const fresh = tileIds(tile, idProperty).filter((id) => !known.has(id));
          if (fresh.length === 0) return;
          this.detailIds.set(config.id, new Set([...known, ...fresh]));
          this.applyDetailLayers();
          this.viewer.scene.requestRender();
        });
      }
      if (hasNoGeoreference(layer.tileset)) this.store.getState().setLayerUnplaced(config.id, true);
      this.applyPlacements(false);
      setLayerStatus(config.id, 'ready');
      this.applyLayerAppearance();
      this.applyIncidentTints();
      this.applyThematic();
    } catch (error) {
      setLayerStatus(config.id, 'error', errorText(error));
    }
  }

  /** After each frame: keep rendering while anything is loading (request-render mode), and signal readiness once. */
  private checkReady(): void {
    const scene = this.viewer.scene;
    // A hidden tileset loads nothing, so it is never "loaded": only shown layers count.
    let layersLoading = false;
    for (const layer of this.layers.values()) if (layer.tileset.show && !layer.loaded) layersLoading = true;
    // Keep drawing while anything loads, the globe's preloading included (request-render mode).
    if (layersLoading || !scene.globe.tilesLoaded) scene.requestRender();
    // Ready means the picture is complete: the globe tiles in view are in, though Cesium may still
    // be preloading their ancestors (which nobody sees until zooming out).
    const complete = !layersLoading && globeViewLoaded(scene.globe, this.underground.hiddenBeyondMetres());
    const completeBefore = this.completeFrames;
    this.completeFrames = complete ? this.completeFrames + 1 : 0;
    if (!showsFinishedPicture({ complete, tileLoaded: this.tileLoadedThisFrame, completeBefore })) {
      // Complete but not yet final (see ready-rule.ts): draw the next frame.
      if (complete) scene.requestRender();
      return;
    }
    const state = this.store.getState();
    // Sensors are part of the picture when their layer is shown: ready waits for their first load
    // (or for the connection to have failed, which the banner shows), so it means what is seen is complete.
    const sensorsSettled = !state.sensorsVisible || state.connection === 'off' || state.connection === 'stale' || state.sensorRevision > 0;
    if (!state.ready && this.groundSettled && this.cameraSettled && this.layersSettled && sensorsSettled) state.setReady(true);
  }

  /**
   * Layer visibility and the underground view: translucent ground (Cesium globe translucency),
   * the camera allowed below the surface, buildings faded or hidden, pipeline types filtered.
   */
  private applyLayerAppearance(): void {
    const state = this.store.getState();
    this.underground.apply({ enabled: state.underground, groundOpacity: state.groundOpacity });
    for (const layerState of state.layers) {
      const layer = this.layers.get(layerState.config.id);
      if (!layer) continue;
      const isBuildings = layerState.config.kind === 'buildings';
      // The swipe compare of buildings and pipes shows each whole on its own side.
      const comparingLayers = state.swipeMode === 'layers';
      const hiddenUnderground = isBuildings && state.underground && state.buildingsAppearance === 'hide' && !comparingLayers;
      // Pipes lie under the opaque ground: they are drawn (and their tiles loaded) in the underground view only
      // (the swipe compare of buildings and pipes turns it on).
      const pipesAboveGround = layerState.config.kind === 'pipelines' && !state.underground;
      layer.setVisible(layerState.visible && !hiddenUnderground && !pipesAboveGround);
      const alpha = isBuildings && state.underground && state.buildingsAppearance === 'fade' && !comparingLayers ? BUILDINGS_UNDERGROUND_ALPHA : 1;
      layer.setAppearance(alpha, layerState.config.kind === 'pipelines' ? state.hiddenPipelineTypes : []);
    }
    this.applyDetailLayers();
    this.viewer.scene.requestRender();
  }

  /** Levels by distance across layers: a shown detail layer's buildings are hidden in its base layer (lod-levels.ts). */
  private applyDetailLayers(): void {
    const hidden = new Map<string, ReadonlySet<string>>();
    for (const layerState of this.store.getState().layers) {
      const base = layerState.config.detailOf;
      const ids = this.detailIds.get(layerState.config.id);
      if (!base || !ids || !this.layers.get(layerState.config.id)?.tileset.show) continue;
      const earlier = hidden.get(base);
      hidden.set(base, earlier ? new Set([...earlier, ...ids]) : ids);
    }
    for (const [id, layer] of this.layers) layer.setHiddenIds(hidden.get(id) ?? NONE_HIDDEN);
  }

  /**
   * Where a building is drawn in the last rendered frame, by layer: the levels of the drawn tiles
   * that show it ("1", "2" for city models, "" for plain blocks). For tests and automation: more
   * than one entry in all is a doubled building.
   */
  drawnLevelsOf(id: string): Record<string, string[]> {
    const drawn: Record<string, string[]> = {};
    for (const [layerId, layer] of this.layers) {
      const levels = layer.drawnLevelsOf(id);
      if (levels.length > 0) drawn[layerId] = levels;
    }
    return drawn;
  }

  /** Whether a layer can be seen where it is: it has a georeference, or the user placed it. */
  private isPlaced(layerId: string): boolean {
    const state = this.store.getState().layers.find((l) => l.config.id === layerId);
    return !state?.unplaced || state.placement !== undefined;
  }

  /** Put each tileset that has no georeference where the store says; fly to a newly placed one when `fly`. */
  private applyPlacements(fly: boolean): void {
    for (const layerState of this.store.getState().layers) {
      const layer = this.layers.get(layerState.config.id);
      if (!layer || !layerState.unplaced) continue;
      const key = layerState.placement ? JSON.stringify(layerState.placement) : '';
      if ((this.appliedPlacements.get(layerState.config.id) ?? '') === key) continue;
      this.appliedPlacements.set(layerState.config.id, key);
      applyPlacement(layer.tileset, layerState.placement);
      this.viewer.scene.requestRender();
      if (fly && layerState.placement && this.cameraSettled) void this.zoomToLayer(layerState.config.id);
    }
  }

  /** Pixels and samples per frame for the chosen quality (smooth on a software renderer under "auto"). */
  private applyRenderQuality(): void {
    const { renderQuality, softwareRenderer } = this.store.getState();
    applyRenderSettings(this.viewer, RENDER_SETTINGS[effectiveQuality(renderQuality, softwareRenderer ?? false)]);
    setGlobeLoadTimeSlice(this.viewer.scene.globe, softwareRenderer ? SOFTWARE_LOAD_TIME_SLICE_MILLISECONDS : CESIUM_LOAD_TIME_SLICE_MILLISECONDS);
  }

  /** Assets of open incidents whose alarm is on, tinted by level in every layer. */
  private applyIncidentTints(): void {
    const tints = new Map<string, string>();
    const risk = new Map<string, WarningLevel>();
    // Most serious last, so it wins where an asset is in several incidents.
    for (const incident of [...this.store.getState().incidents].reverse()) {
      if (!isOpenStatus(incident.status)) continue;
      for (const assetId of incident.assetIds) {
        tints.set(assetId, SENSOR_STATE_COLOURS[incident.level]);
        risk.set(assetId, incident.level);
      }
    }
    this.tints = tints;
    this.risk = risk;
    for (const layer of this.layers.values()) layer.setTints(tints);
  }

  /**
   * Thematic view of the buildings layers: theme colours, the attribute filter and the 4D
   * date, evaluated per feature by a 3D Tiles style (no geometry is rebuilt).
   */
  private applyThematic(): void {
    const state = this.store.getState();
    const thematic: ThematicState = { theme: state.theme, filter: state.filter, asOfDate: state.asOfDate, lifecycleDates: state.lifecycleDates, risk: this.risk };
    // With no theme, the dark scene style shades the buildings by height; a theme's colours win.
    const themeRule = isThematicActive(thematic) ? appearanceRule(thematic) : state.sceneStyle === 'dark' ? darkSceneRule : undefined;
    // An open BIM model stands in for its building's LoD block.
    const bimBuilding = state.bimModel?.building;
    const rule = bimBuilding === undefined ? themeRule : (attributes: BuildingAttributes) => (attributes.id === bimBuilding ? HIDDEN_BUILDING : (themeRule?.(attributes) ?? SHOWN_BUILDING));
    const shader = state.sceneStyle === 'dark' ? (this.darkShader ??= darkBuildingShader()) : undefined;
    for (const layerState of state.layers) {
      if (layerState.config.kind !== 'buildings') continue;
      const layer = this.layers.get(layerState.config.id);
      layer?.setAppearanceRule(rule);
      const dark = state.sceneStyle === 'dark';
      const layerShader = layer?.cityModel ? (this.cityShaders[dark ? 'dark' : 'original'] ??= cityModelShader(dark)) : shader;
      if (layer && layer.tileset.customShader !== layerShader) layer.tileset.customShader = layerShader;
    }
  }

  /**
   * How the building with this ID is drawn: shown (tile loaded, layer shown, the style shows it),
   * its colour and alpha; undefined when no loaded tile holds it. For tests and automation.
   */
  buildingAppearance(id: string): { shown: boolean; colour: string; alpha: number } | undefined {
    // Where a detail layer draws the building, its base layer hides it: the drawn one answers.
    let hidden: { shown: boolean; colour: string; alpha: number } | undefined;
    for (const [layerId, layer] of this.layers) {
      if (this.store.getState().layers.find((l) => l.config.id === layerId)?.config.kind !== 'buildings') continue;
      const appearance = layer.featureAppearance(id);
      if (appearance?.shown) return appearance;
      hidden ??= appearance;
    }
    return hidden;
  }

  /** What the analysis overlay draws (for tests and automation). */
  analysisMarks(): { points: number; segments: number } {
    return this.analysis.marks();
  }

  /** The CSS colour an asset is tinted with for an incident, if any (for tests and automation). */
  incidentTintOf(assetId: string): string | undefined {
    return this.tints.get(assetId);
  }

  /** Fly to an incident's location, close enough to see the assets around it. */
  flyToIncident(id: number): Promise<void> {
    const incident = this.store.getState().incidents.find((i) => i['@iot.id'] === id);
    if (!incident) return Promise.resolve();
    const [lon, lat] = incident.location.coordinates;
    // Close enough to see the innermost impact ring whole.
    return this.flyToPosition(lon, lat, Math.max(40, ringRadii(incident.type)[0] ?? 40));
  }

  /**
   * The current view as a PNG data URL: a frame is drawn and read back at once (the drawing
   * buffer is not kept between frames), so the image is what is on screen now. It is drawn at
   * high quality whatever the screen uses: an exported image is read, not animated.
   */
  snapshot(): string {
    const changed = applyRenderSettings(this.viewer, RENDER_SETTINGS.high);
    // The drawing buffer takes the new scale at a resize (the render loop's, or this one).
    if (changed) this.viewer.resize();
    this.viewer.scene.requestRender();
    this.viewer.render();
    const image = this.viewer.scene.canvas.toDataURL('image/png');
    if (changed) this.applyRenderQuality();
    return image;
  }

  // --- camera ---------------------------------------------------------------------------

  currentView(): CameraView | undefined {
    const camera = this.viewer.camera;
    const position = camera.positionCartographic;
    if (!position) return undefined;
    return {
      lonDegrees: CesiumMath.toDegrees(position.longitude),
      latDegrees: CesiumMath.toDegrees(position.latitude),
      heightMetres: position.height,
      headingDegrees: CesiumMath.toDegrees(camera.heading),
      pitchDegrees: CesiumMath.toDegrees(camera.pitch),
    };
  }

  setView(view: CameraView): void {
    this.viewer.camera.setView({
      destination: Cartesian3.fromDegrees(view.lonDegrees, view.latDegrees, view.heightMetres),
      orientation: { heading: CesiumMath.toRadians(view.headingDegrees), pitch: CesiumMath.toRadians(view.pitchDegrees), roll: 0 },
    });
    this.viewer.scene.requestRender();
  }

  private flyToSphere(sphere: BoundingSphere, pitchRadians: number, rangeFactor: number, durationSeconds: number): Promise<void> {
    return new Promise((resolve) => {
      this.viewer.camera.flyToBoundingSphere(sphere, {
        offset: new HeadingPitchRange(0, pitchRadians, sphere.radius * rangeFactor),
        duration: durationSeconds,
        complete: () => resolve(),
        cancel: () => resolve(),
      });
    });
  }

  /** Fly to an asset at a position (from the search index) so that it fills a good part of the view. */
  flyToPosition(lonDegrees: number, latDegrees: number, heightMetres: number): Promise<void> {
    const centre = Cartesian3.fromDegrees(lonDegrees, latDegrees, heightMetres / 2);
    const radius = Math.max(heightMetres, 30);
    return this.flyToSphere(new BoundingSphere(centre, radius), CesiumMath.toRadians(-40), 3.2, 1.2);
  }

  zoomToLayer(layerId: string): Promise<void> {
    const layer = this.layers.get(layerId);
    return layer && this.isPlaced(layerId) ? this.flyToSphere(layer.tileset.boundingSphere, CesiumMath.toRadians(-35), 1.6, 1.2) : Promise.resolve();
  }

  /** Where a layer's bounding sphere is centred (for tests and automation). */
  layerCentre(layerId: string): Placement | undefined {
    const layer = this.layers.get(layerId);
    return layer ? sphereCentre(layer.tileset.boundingSphere) : undefined;
  }

  /** Longitude and latitude (degrees) of the ground at the centre of the view, else under the camera. */
  viewCentre(): [number, number] {
    const canvas = this.viewer.scene.canvas;
    const ground = this.groundPosition(new Cartesian2(canvas.clientWidth / 2, canvas.clientHeight / 2));
    if (ground) return ground;
    const position = this.viewer.camera.positionCartographic;
    return [CesiumMath.toDegrees(position.longitude), CesiumMath.toDegrees(position.latitude)];
  }

  // --- picking --------------------------------------------------------------------------

  private layerOf(feature: Cesium3DTileFeature): TilesetLayer | undefined {
    for (const layer of this.layers.values()) if (layer.tileset === feature.tileset) return layer;
    return this.swipe.layerOf(feature.tileset);
  }

  /** What a measurement point on this tileset snaps to: a building, a pipe or another model. */
  private snapOfTileset(tileset: Cesium3DTileset): SnapTarget {
    if (this.swipe.layerOf(tileset)) return 'building';
    for (const [id, layer] of this.layers) {
      if (layer.tileset !== tileset) continue;
      const kind = this.store.getState().layers.find((l) => l.config.id === id)?.config.kind;
      return kind === 'buildings' ? 'building' : kind === 'pipelines' ? 'pipe' : 'other';
    }
    return 'other';
  }

  private pickFeature(position: Cartesian2): Cesium3DTileFeature | undefined {
    const picked = this.measure.hiddenWhile(() => this.viewer.scene.pick(position) as unknown);
    return picked instanceof Cesium3DTileFeature ? picked : undefined;
  }

  /** Mouse moves are coalesced: at most one pick per frame (a pick costs a render pass). */
  private queueHover(position: Cartesian2): void {
    this.pendingHoverPosition = Cartesian2.clone(position, this.pendingHoverPosition);
    this.viewer.scene.requestRender();
  }

  private applyQueuedHover(): void {
    const position = this.pendingHoverPosition;
    if (!position) return;
    this.pendingHoverPosition = undefined;
    const feature = this.pickFeature(position);
    if (feature === this.hovered?.feature) return;
    this.clearHover();
    if (feature) {
      this.hovered = { feature, colour: Color.clone(feature.color) };
      feature.color = Color.clone(HOVER_COLOUR);
      this.store.getState().setHovered(this.layerOf(feature)?.featureId(feature));
    } else this.store.getState().setHovered(undefined);
  }

  private clearHover(): void {
    if (this.hovered) {
      const { feature, colour } = this.hovered;
      if (isFeatureAlive(feature)) feature.color = colour;
      this.hovered = undefined;
    }
  }

  /**
   * Every click on the map comes here and goes where the pointer mode says (read once, before
   * any handler changes it): measuring and picking a case's place select nothing.
   */
  private onClick(position: Cartesian2): void {
    const mode = pointerMode(this.store.getState());
    if (mode === 'measure') {
      this.measure.click(position);
      return;
    }
    if (mode === 'bim') {
      this.bim.click(position);
      return;
    }
    // A case's place, or (selecting) a click on a case's point.
    this.cases.click(position);
    if (mode === 'case-pick') return;
    this.pickAndSelect(position, mode);
  }

  private pickAndSelect(position: Cartesian2, mode: 'select' | 'section'): void {
    const state = this.store.getState();
    if (mode === 'section') {
      // Drawing a section line: clicks put its ends on the ground.
      const ground = this.groundPosition(position);
      if (ground) state.addSectionPoint(ground);
      return;
    }
    const picked = this.measure.hiddenWhile(() => this.viewer.scene.pick(position) as { id?: SensorPick | ClusterPick } | undefined);
    if (picked?.id?.kind === 'sensor') {
      state.selectSensor(picked.id.datastreamId);
      return;
    }
    if (picked?.id?.kind === 'sensor-cluster') {
      // A cluster: go closer, where it splits into its sensors.
      const height = Math.max(250, this.viewer.camera.positionCartographic.height / 3);
      void this.flyToPosition(picked.id.lonDegrees, picked.id.latDegrees, height / 3.2);
      return;
    }
    const feature = this.pickFeature(position);
    this.selectFeature(feature, position);
  }

  /** Longitude and latitude (degrees) of the ground under a window position. */
  groundPosition(position: Cartesian2): [number, number] | undefined {
    const scene = this.viewer.scene;
    const ray = this.viewer.camera.getPickRay(position);
    const cartesian = (ray && scene.globe.pick(ray, scene)) ?? this.viewer.camera.pickEllipsoid(position, scene.globe.ellipsoid);
    if (!cartesian) return undefined;
    const c = Cartographic.fromCartesian(cartesian);
    return [CesiumMath.toDegrees(c.longitude), CesiumMath.toDegrees(c.latitude)];
  }

  /** Window position (CSS pixels in the canvas) of a place: for tests and automation that click on the map. */
  screenPositionOf(lonDegrees: number, latDegrees: number, heightMetres = 0): { x: number; y: number } | undefined {
    const p = SceneTransforms.worldToWindowCoordinates(this.viewer.scene, Cartesian3.fromDegrees(lonDegrees, latDegrees, heightMetres));
    return p ? { x: p.x, y: p.y } : undefined;
  }

  /**
   * Select a picked feature (undefined clears the selection). With the window position it was
   * picked at, a city model's picked surface type (roof, wall…) goes first in its properties.
   */
  selectFeature(feature: Cesium3DTileFeature | undefined, position?: Cartesian2): void {
    const { select } = this.store.getState();
    this.clearPickedWithoutId();
    if (!feature) {
      select(undefined);
      return;
    }
    const layer = this.layerOf(feature);
    // The hover tint would hide the selection colour on the feature under the mouse.
    if (this.hovered?.feature === feature) this.hovered.colour = Color.WHITE.clone();
    const properties = describedProperties(feature);
    const metadata = layerMetadata(feature);
    const id = layer?.featureId(feature);
    // Only after the feature is read: the surface pick switches the tileset's feature table for a frame.
    const surfaceType = position && layer ? layer.pickSurfaceType(position) : undefined;
    if (surfaceType !== undefined) properties.unshift({ id: 'surfaceType', value: surfaceType });
    if (id !== undefined) {
      select({ id, layerId: layer?.id, properties, metadata });
    } else {
      // Third-party features without an ID: tint the feature itself.
      this.pickedWithoutId = { feature, colour: Color.clone(feature.color) };
      feature.color = Color.fromCssColorString(SELECTED_COLOUR_CSS);
      select({ id: `${layer?.id ?? 'layer'}#${feature.featureId}`, layerId: layer?.id, properties, metadata });
    }
  }

  private clearPickedWithoutId(): void {
    if (this.pickedWithoutId) {
      const { feature, colour } = this.pickedWithoutId;
      if (isFeatureAlive(feature)) feature.color = colour;
      this.pickedWithoutId = undefined;
    }
  }

  /** Highlight the selection in every layer; read its properties once its tile is loaded. */
  private applySelection(): void {
    const selection = this.store.getState().selection;
    for (const layer of this.layers.values()) layer.setSelectedId(selection?.id);
    if (selection && !selection.properties) this.resolveSelectionProperties(selection.id);
  }

  private resolveSelectionProperties(id: string): void {
    const attempt = (): boolean => {
      const current = this.store.getState().selection;
      if (!current || current.id !== id || current.properties) return true;
      for (const layer of this.layers.values()) {
        const feature = layer.findLoadedFeature(id);
        if (feature) {
          this.store.getState().select({ id, layerId: layer.id, properties: describedProperties(feature), metadata: layerMetadata(feature) });
          return true;
        }
      }
      return false;
    };
    if (attempt()) return;
    const remove = this.viewer.scene.postRender.addEventListener(() => {
      if (attempt()) {
        remove();
        const index = this.cleanups.indexOf(remove);
        if (index >= 0) this.cleanups.splice(index, 1);
      }
    });
    this.cleanups.push(remove);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.analysis.destroy();
    this.sensors.destroy();
    this.impactRings.destroy();
    this.cases.destroy();
    this.grids.destroy();
    this.underground.destroy();
    this.sceneStyle.destroy();
    this.measure.destroy();
    this.swipe.destroy();
    this.bim.destroy();
    if (!this.handler.isDestroyed()) this.handler.destroy();
    for (const layer of this.layers.values()) layer.destroy();
    this.layers.clear();
    if (!this.viewer.isDestroyed()) this.viewer.destroy();
  }
}
