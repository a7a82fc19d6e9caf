/**
 * The app store: one zustand store built from slices (layers, selection, ui, underground,
 * analysis, monitoring, thematic, cases, grids, measure, bim). React reads it
 * with hooks; the engine listens with `subscribe`, so per-frame work never re-renders React.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { PipelineType } from '../domain/pipelines.ts';
import type { PropertyDefinitionInfo } from '../domain/property-values.ts';
import type { Language, Placement } from './url-state.ts';
import type { RenderQuality } from '../engine/render-quality.ts';
import { analysisSlice, type AnalysisSlice } from './analysis.ts';
import { monitoringSlice, type MonitoringSlice } from './monitoring.ts';
import { thematicSlice, type ThematicSlice } from './thematic.ts';
import { casesSlice, type CasesSlice } from './cases.ts';
import { gridsSlice, type GridsSlice } from './grids.ts';
import { measureSlice, type MeasureSlice } from './measure.ts';
import { bimSlice, type BimSlice } from './bim.ts';
import { checkupSlice, type CheckupSlice } from './checkup.ts';
import { errorText } from '../domain/error-text.ts';
import type { SceneStyle } from '../domain/thematic/scene-style.ts';

export type LayerKind = 'buildings' | 'pipelines' | 'external';

export interface LocalizedText {
  zh: string;
  en: string;
}

export interface LayerConfig {
  id: string;
  name: LocalizedText | string;
  kind: LayerKind;
  url: string;
  /** Fly to this layer when the app opens without a saved view. */
  flyTo?: boolean;
  /** Property holding the asset ID. Default "id". */
  idProperty?: string;
  /**
   * The buildings layer this one draws finer levels of (e.g. a LoD2 patch of "demo-buildings"):
   * while this layer is shown, the buildings it holds (by ID) are hidden in that one.
   */
  detailOf?: string;
}

export type LayerStatus = 'loading' | 'ready' | 'error';

export interface LayerState {
  config: LayerConfig;
  status: LayerStatus;
  visible: boolean;
  /** Message naming the URL when status is 'error', or the last content failure. */
  error?: string;
  /** The tileset has no georeference (a local frame at the Earth's centre): it needs a placement to be seen. */
  unplaced?: boolean;
  /** Where the user put a tileset that has no georeference. */
  placement?: Placement;
}

export interface PropertyEntry {
  id: string;
  /** As stored (after the schema's offset and scale); vectors and matrices as arrays. */
  value: unknown;
  /** What the metadata schema says of the property, when the tiles have one (3D Tiles 1.1). */
  definition?: PropertyDefinitionInfo;
}

/** Where 3D Tiles 1.1 metadata sits: the tileset, a group of contents, a tile, an implicit subtree, a content. */
export type MetadataLevel = 'tileset' | 'group' | 'tile' | 'subtree' | 'content';

/** The metadata of one level around a selected feature. */
export interface MetadataSection {
  level: MetadataLevel;
  classId?: string;
  className?: string;
  properties: PropertyEntry[];
}

export interface Selection {
  /** Asset ID, or a layer-local key for third-party features without an ID. */
  id: string;
  layerId?: string;
  /** Properties read from the tile metadata; undefined while the feature has not been found yet. */
  properties?: PropertyEntry[];
  /** The layer's metadata around the feature (tileset, group, tile, subtree, content), most general first. */
  metadata?: MetadataSection[];
}

export interface LayersSlice {
  layers: LayerState[];
  setLayers(configs: LayerConfig[]): void;
  setLayerStatus(id: string, status: LayerStatus, error?: string): void;
  setLayerVisible(id: string, visible: boolean): void;
  setLayerUnplaced(id: string, unplaced: boolean): void;
  setLayerPlacement(id: string, placement: Placement | undefined): void;
}

export interface SelectionSlice {
  selection?: Selection;
  hoveredId?: string;
  select(selection: Selection | undefined): void;
  setHovered(id: string | undefined): void;
}

export type BuildingsAppearance = 'show' | 'fade' | 'hide';

export interface UndergroundSlice {
  /** Underground view: translucent ground, camera allowed below the surface. */
  underground: boolean;
  /** Opacity of the ground in the underground view, 0–1. */
  groundOpacity: number;
  buildingsAppearance: BuildingsAppearance;
  /** Pipeline types switched off in the legend. */
  hiddenPipelineTypes: PipelineType[];
  setUnderground(on: boolean): void;
  setGroundOpacity(opacity: number): void;
  setBuildingsAppearance(appearance: BuildingsAppearance): void;
  togglePipelineType(type: PipelineType): void;
}

export interface UiSlice {
  language: Language;
  /** Tiles requested or being processed, over all layers. */
  pendingTiles: number;
  /** The initial view has loaded. */
  ready: boolean;
  /** Errors to show (other than per-layer ones), newest last. */
  messages: string[];
  /** The render quality chosen ("auto" follows the renderer). */
  renderQuality: RenderQuality;
  /** WebGL runs on a software rasteriser (no GPU); undefined until the engine has looked. */
  softwareRenderer?: boolean;
  /** The scene's colours: the original ones, or the dark style of wall screens (深色/科技). */
  sceneStyle: SceneStyle;
  setSceneStyle(style: SceneStyle): void;
  setLanguage(language: Language): void;
  setRenderQuality(quality: RenderQuality): void;
  setSoftwareRenderer(software: boolean): void;
  setPendingTiles(count: number): void;
  setReady(ready: boolean): void;
  addMessage(message: string): void;
  dismissMessage(index: number): void;
}

export type AppState = LayersSlice & SelectionSlice & UiSlice & UndergroundSlice & AnalysisSlice & MonitoringSlice & ThematicSlice & CasesSlice & GridsSlice & MeasureSlice & BimSlice & CheckupSlice;
type Slice<T> = (set: StoreApi<AppState>['setState'], get: StoreApi<AppState>['getState']) => T;

const layersSlice: Slice<LayersSlice> = (set) => ({
  layers: [],
  setLayers: (configs) => set({ layers: configs.map((config) => ({ config, status: 'loading', visible: true })) }),
  setLayerStatus: (id, status, error) =>
    set((s) => ({ layers: s.layers.map((l) => (l.config.id === id ? { ...l, status, error: error !== undefined ? errorText(error) : status === 'error' ? l.error : undefined } : l)) })),
  setLayerVisible: (id, visible) => set((s) => ({ layers: s.layers.map((l) => (l.config.id === id ? { ...l, visible } : l)) })),
  setLayerUnplaced: (id, unplaced) => set((s) => ({ layers: s.layers.map((l) => (l.config.id === id ? { ...l, unplaced } : l)) })),
  setLayerPlacement: (id, placement) => set((s) => ({ layers: s.layers.map((l) => (l.config.id === id ? { ...l, placement } : l)) })),
});

const selectionSlice: Slice<SelectionSlice> = (set) => ({
  selection: undefined,
  hoveredId: undefined,
  select: (selection) => set({ selection }),
  setHovered: (hoveredId) => set({ hoveredId }),
});

const undergroundSlice: Slice<UndergroundSlice> = (set) => ({
  underground: false,
  groundOpacity: 0.35,
  buildingsAppearance: 'fade',
  hiddenPipelineTypes: [],
  setUnderground: (underground) => set({ underground }),
  setGroundOpacity: (groundOpacity) => set({ groundOpacity: Math.min(1, Math.max(0, groundOpacity)) }),
  setBuildingsAppearance: (buildingsAppearance) => set({ buildingsAppearance }),
  togglePipelineType: (type) =>
    set((s) => ({ hiddenPipelineTypes: s.hiddenPipelineTypes.includes(type) ? s.hiddenPipelineTypes.filter((t) => t !== type) : [...s.hiddenPipelineTypes, type] })),
});

const MAXIMUM_MESSAGES = 5;

const uiSlice: Slice<UiSlice> = (set) => ({
  language: 'zh',
  pendingTiles: 0,
  ready: false,
  messages: [],
  renderQuality: 'auto',
  softwareRenderer: undefined,
  sceneStyle: 'original',
  setSceneStyle: (sceneStyle) => set({ sceneStyle }),
  setLanguage: (language) => set({ language }),
  setRenderQuality: (renderQuality) => set({ renderQuality }),
  setSoftwareRenderer: (softwareRenderer) => set({ softwareRenderer }),
  setPendingTiles: (pendingTiles) => set({ pendingTiles }),
  setReady: (ready) => set({ ready }),
  addMessage: (message) => set((s) => ({ messages: [...s.messages, errorText(message)].slice(-MAXIMUM_MESSAGES) })),
  dismissMessage: (index) => set((s) => ({ messages: s.messages.filter((_, i) => i !== index) })),
});

export function createAppStore(): StoreApi<AppState> {
  return createStore<AppState>()((set, get) => ({ ...layersSlice(set, get), ...selectionSlice(set, get), ...uiSlice(set, get), ...undergroundSlice(set, get), ...analysisSlice(set, get), ...monitoringSlice(set, get), ...thematicSlice(set), ...casesSlice(set, get), ...gridsSlice(set), ...measureSlice(set, get), ...bimSlice(set, get), ...checkupSlice(set) }));
}

export type AppStore = StoreApi<AppState>;

export function useAppState<T>(store: AppStore, selector: (state: AppState) => T): T {
  return useStore(store, selector);
}
