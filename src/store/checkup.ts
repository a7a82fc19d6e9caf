/**
 * The city check-up panel (城市体检): whether it is open, and the area it shows (a district,
 * street, community or unit grid code; undefined: the panel picks the first district).
 */
import type { StoreApi } from 'zustand/vanilla';

export interface CheckupSlice {
  checkupOpen: boolean;
  checkupCode?: string;
  openCheckup(code?: string): void;
  closeCheckup(): void;
}

type Set_<T> = StoreApi<T>['setState'];

export function checkupSlice<T extends CheckupSlice>(set: Set_<T>): CheckupSlice {
  const setPartial = set as unknown as Set_<CheckupSlice>;
  return {
    checkupOpen: false,
    openCheckup: (checkupCode) => setPartial({ checkupOpen: true, checkupCode }),
    closeCheckup: () => setPartial({ checkupOpen: false }),
  };
}
