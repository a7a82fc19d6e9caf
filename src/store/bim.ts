/**
 * The BIM model (竣工模型) open in the viewer: which model, its load state, the storey tree's
 * isolate and hide per storey and per IFC class, the section plane (剖切), and the picked element.
 * The engine (src/engine/bim-view.ts) turns this into Cesium state; the panel (src/ui/bim/) shows
 * it. The property sets of the picked element are asked of the BIM API by the panel, not kept here.
 */
import type { StoreApi } from 'zustand/vanilla';

/** A model as the BIM API lists it (GET /api/bim/models), what the viewer needs to open it. */
export interface BimModelRef {
  id: string;
  name: string;
  /** The base building whose LoD block it replaces while open. */
  building?: string;
  /** Absolute URL of its tileset.json. */
  tilesetUrl: string;
  /** Absolute URL of the model in the BIM API (…/api/bim/models/<id>). */
  apiUrl: string;
}

export type BimStatus = 'loading' | 'ready' | 'error';

/** The section: off, a horizontal plane (plan cut, keeps what is below) or a vertical one (keeps what is west of it). */
export type BimSectionMode = 'off' | 'horizontal' | 'vertical';

/** A picked element, as its tile says (the rest comes from the API by GlobalId). */
export interface BimPickedElement {
  globalId: string;
  ifcClass: string;
  name: string;
  storey: string;
  storeyId: string;
  material: string;
}

/** Classes hidden when a model opens: spaces are volumes of air that hide the walls inside. */
export const BIM_CLASSES_HIDDEN_BY_DEFAULT = ['IfcSpace'] as const;

export interface BimSlice {
  bimModel?: BimModelRef;
  bimStatus?: BimStatus;
  bimError?: string;
  /** Storey GlobalIds hidden. */
  bimHiddenStoreys: string[];
  /** The one storey shown alone, if any. */
  bimIsolatedStorey?: string;
  /** IFC classes hidden. */
  bimHiddenClasses: string[];
  /** The one IFC class shown alone, if any. */
  bimIsolatedClass?: string;
  bimSection: BimSectionMode;
  /** Where the section plane is across the model's extent, 0 (bottom / west) to 1 (top / east). */
  bimSectionPosition: number;
  bimPicked?: BimPickedElement;
  /** Open a model: the engine hides the building's block, loads the tiles and flies there. */
  openBim(model: BimModelRef): void;
  /** Leave the model: the city view as it was. */
  closeBim(): void;
  setBimStatus(status: BimStatus, error?: string): void;
  toggleBimStorey(storeyId: string): void;
  /** Show one storey alone; the same storey again (or undefined) shows all. */
  isolateBimStorey(storeyId: string | undefined): void;
  toggleBimClass(ifcClass: string): void;
  isolateBimClass(ifcClass: string | undefined): void;
  setBimSection(mode: BimSectionMode): void;
  setBimSectionPosition(position: number): void;
  pickBimElement(element: BimPickedElement | undefined): void;
}

/** Whether an element is shown under the storey and class choices. */
export function bimElementShown(state: Pick<BimSlice, 'bimHiddenStoreys' | 'bimIsolatedStorey' | 'bimHiddenClasses' | 'bimIsolatedClass'>, storeyId: string, ifcClass: string): boolean {
  if (state.bimIsolatedStorey !== undefined && storeyId !== state.bimIsolatedStorey) return false;
  if (state.bimIsolatedClass !== undefined && ifcClass !== state.bimIsolatedClass) return false;
  // An isolated class or storey is shown even when hidden in the lists: isolating says "this one".
  if (state.bimIsolatedStorey === undefined && state.bimHiddenStoreys.includes(storeyId)) return false;
  if (state.bimIsolatedClass === undefined && state.bimHiddenClasses.includes(ifcClass)) return false;
  return true;
}

const toggled = (list: readonly string[], item: string) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);

/** The slice's state with no model open (fresh lists each time). */
function closed(): Omit<BimSlice, `${'open' | 'close' | 'set' | 'toggle' | 'isolate' | 'pick'}${string}`> {
  return {
    bimModel: undefined,
    bimStatus: undefined,
    bimError: undefined,
    bimHiddenStoreys: [],
    bimIsolatedStorey: undefined,
    bimHiddenClasses: [...BIM_CLASSES_HIDDEN_BY_DEFAULT],
    bimIsolatedClass: undefined,
    bimSection: 'off',
    bimSectionPosition: 0.5,
    bimPicked: undefined,
  };
}

export function bimSlice<T extends BimSlice>(set: StoreApi<T>['setState'], get: StoreApi<T>['getState']): BimSlice {
  const setPartial = set as unknown as StoreApi<BimSlice>['setState'];
  return {
    ...closed(),
    openBim: (model) => {
      if (get().bimModel?.id === model.id) return;
      setPartial({ ...closed(), bimModel: model, bimStatus: 'loading' });
    },
    closeBim: () => {
      if (get().bimModel) setPartial(closed());
    },
    setBimStatus: (bimStatus, bimError) => {
      if (get().bimModel) setPartial({ bimStatus, bimError });
    },
    toggleBimStorey: (storeyId) => setPartial({ bimHiddenStoreys: toggled(get().bimHiddenStoreys, storeyId) }),
    isolateBimStorey: (storeyId) => setPartial({ bimIsolatedStorey: storeyId === get().bimIsolatedStorey ? undefined : storeyId }),
    toggleBimClass: (ifcClass) => setPartial({ bimHiddenClasses: toggled(get().bimHiddenClasses, ifcClass) }),
    isolateBimClass: (ifcClass) => setPartial({ bimIsolatedClass: ifcClass === get().bimIsolatedClass ? undefined : ifcClass }),
    setBimSection: (bimSection) => setPartial({ bimSection }),
    setBimSectionPosition: (position) => setPartial({ bimSectionPosition: Math.min(1, Math.max(0, Number.isFinite(position) ? position : 0.5)) }),
    pickBimElement: (bimPicked) => setPartial({ bimPicked }),
  };
}
