/**
 * Grids (网格) in the viewer: whether the grid layer is shown, and the grid whose panel is open
 * (its code; the panel reads the grid and its statistics from the API).
 */
import type { StoreApi } from 'zustand/vanilla';

export interface GridsSlice {
  gridsVisible: boolean;
  selectedGridCode?: string;
  setGridsVisible(visible: boolean): void;
  selectGrid(code: string | undefined): void;
}

type Set_<T> = StoreApi<T>['setState'];

export function gridsSlice<T extends GridsSlice>(set: Set_<T>): GridsSlice {
  const setPartial = set as unknown as Set_<GridsSlice>;
  return {
    gridsVisible: false,
    setGridsVisible: (gridsVisible) => setPartial(gridsVisible ? { gridsVisible } : { gridsVisible, selectedGridCode: undefined }),
    selectGrid: (selectedGridCode) => setPartial({ selectedGridCode }),
  };
}
