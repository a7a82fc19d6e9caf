/**
 * The cases (案卷) in the viewer: the list's filter and the page shown (the API pages; the
 * viewer never holds all cases), the selected case with its log, the day's statistics for the
 * daily overview and the KPI strip, the point picked on the map for a new case, and the operator
 * signed in for the case API when it is on another origin than the monitoring server.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { CaseDailyStatistics, CaseDocument } from '../domain/cases/cases.ts';
import type { CaseListFilter } from '../api/cases.ts';
import type { Operator } from './monitoring.ts';

export interface CasePage {
  /** Offset of the page's first case. */
  offset: number;
  cases: CaseDocument[];
  /** More cases matched after this page. */
  hasNext: boolean;
}

export interface CasesSlice {
  /** The list is open (the case API is then read). */
  caseListOpen: boolean;
  caseFilter: CaseListFilter;
  /** The page asked for; the list reads it when it or the filter changes. */
  caseOffset: number;
  casePage?: CasePage;
  /** Bumped to read the page again (after a write). */
  caseListRevision: number;
  selectedCaseId?: string;
  /** The selected case as last read or written, with its log. */
  selectedCase?: CaseDocument;
  caseStatistics?: CaseDailyStatistics;
  /** Picking the place of a new case on the map. */
  casePicking: boolean;
  casePickedPoint?: [number, number];
  /** The operator for the case API's origin, when it is not the monitoring server's. */
  caseOperator?: Operator;
  /** The last case another desk (or server process) made or moved on, from the stream; `n` counts them. */
  lastCaseChange?: { id: string; n: number };
  setCaseListOpen(open: boolean): void;
  setCaseFilter(change: Partial<CaseListFilter>): void;
  setCaseOffset(offset: number): void;
  setCasePage(page: CasePage | undefined): void;
  refreshCases(): void;
  /** The stream says a case changed: the list, the figures and (if it is open) the case are read again. */
  noteCaseChange(id: string): void;
  selectCase(id: string | undefined): void;
  /** A case read or written: it replaces its copy in the page and the selection. */
  upsertCase(document: CaseDocument): void;
  setCaseStatistics(statistics: CaseDailyStatistics | undefined): void;
  setCasePicking(picking: boolean): void;
  setCasePickedPoint(point: [number, number] | undefined): void;
  setCaseOperator(operator: Operator | undefined): void;
}

type Set_<T> = StoreApi<T>['setState'];
type Get<T> = StoreApi<T>['getState'];

/** The cases to draw on the map: the page's and the selected one (never more than a page and one). */
export function casesOnMap(state: Pick<CasesSlice, 'casePage' | 'selectedCase'>): CaseDocument[] {
  const cases = [...(state.casePage?.cases ?? [])];
  const selected = state.selectedCase;
  if (selected && !cases.some((c) => c.id === selected.id)) cases.push(selected);
  return cases;
}

export function casesSlice<T extends CasesSlice>(set: Set_<T>, get: Get<T>): CasesSlice {
  const setPartial = set as unknown as Set_<CasesSlice>;
  return {
    caseListOpen: false,
    caseFilter: { status: 'open' },
    caseOffset: 0,
    caseListRevision: 0,
    casePicking: false,
    setCaseListOpen: (caseListOpen) => setPartial({ caseListOpen }),
    // A new filter starts from its first page.
    setCaseFilter: (change) => setPartial({ caseFilter: { ...get().caseFilter, ...change }, caseOffset: 0 }),
    setCaseOffset: (offset) => setPartial({ caseOffset: Math.max(0, Math.floor(offset)) }),
    setCasePage: (casePage) => setPartial({ casePage }),
    refreshCases: () => setPartial({ caseListRevision: get().caseListRevision + 1 }),
    noteCaseChange: (id) => setPartial({ caseListRevision: get().caseListRevision + 1, lastCaseChange: { id, n: (get().lastCaseChange?.n ?? 0) + 1 } }),
    selectCase: (selectedCaseId) => {
      const current = get().selectedCase;
      const known = get().casePage?.cases.find((c) => c.id === selectedCaseId);
      setPartial({ selectedCaseId, selectedCase: selectedCaseId === undefined ? undefined : current?.id === selectedCaseId ? current : known });
    },
    upsertCase: (document) => {
      const { casePage, selectedCaseId, selectedCase } = get();
      const inPage = casePage?.cases.some((c) => c.id === document.id);
      setPartial({
        casePage: casePage && inPage ? { ...casePage, cases: casePage.cases.map((c) => (c.id === document.id ? { ...document, log: document.log ?? c.log } : c)) } : casePage,
        selectedCase: selectedCaseId === document.id ? { ...document, log: document.log ?? selectedCase?.log } : selectedCase,
      });
    },
    setCaseStatistics: (caseStatistics) => setPartial({ caseStatistics }),
    setCasePicking: (casePicking) => setPartial({ casePicking }),
    setCasePickedPoint: (casePickedPoint) => setPartial({ casePickedPoint, casePicking: false }),
    setCaseOperator: (caseOperator) => setPartial({ caseOperator }),
  };
}
