import { describe, expect, it } from 'vitest';
import type { CaseDocument } from '../domain/cases/cases.ts';
import { caseListQuery } from '../api/cases.ts';
import { createAppStore } from './index.ts';
import { casesOnMap } from './cases.ts';
import { formatUrlState, parseUrlState } from './url-state.ts';

const aCase = (id: string, status: CaseDocument['status'] = 'collected', extra: Partial<CaseDocument> = {}): CaseDocument => ({
  id, status, source: 'grid-worker', classId: 'component:0101', gridCode: '44060400100101', description: 'x', lon: 113.12, lat: 23.02, reporter: '网格员 李', assetIds: [],
  createdAt: '2026-12-06T01:00:00.000Z', updatedAt: '2026-12-06T01:00:00.000Z', overdue: false, allowedActions: [], ...extra,
});

describe('cases slice', () => {
  it('a new filter goes back to the first page; the rest of the filter is kept', () => {
    const store = createAppStore();
    expect(store.getState().caseFilter).toEqual({ status: 'open' });
    store.getState().setCaseOffset(40);
    store.getState().setCaseFilter({ grid: '44060400100101' });
    expect(store.getState().caseOffset).toBe(0);
    expect(store.getState().caseFilter).toEqual({ status: 'open', grid: '44060400100101' });
    store.getState().setCaseOffset(20);
    store.getState().setCaseFilter({ overdue: true });
    expect(store.getState().caseOffset).toBe(0);
    expect(store.getState().caseFilter).toEqual({ status: 'open', grid: '44060400100101', overdue: true });
    store.getState().setCaseOffset(-5);
    expect(store.getState().caseOffset).toBe(0);
  });

  it('selecting a case takes its copy from the page; a write replaces it in the page and the selection, keeping the log it had', () => {
    const store = createAppStore();
    store.getState().setCasePage({ offset: 0, hasNext: false, cases: [aCase('AJ1'), aCase('AJ2')] });
    store.getState().selectCase('AJ2');
    expect(store.getState().selectedCase?.id).toBe('AJ2');
    const log = [{ action: 'collect' as const, to: 'collected' as const, by: '网格员 李', at: '2026-12-06T01:00:00.000Z' }];
    store.getState().upsertCase(aCase('AJ2', 'collected', { log }));
    store.getState().upsertCase(aCase('AJ2', 'filed', { allowedActions: ['dispatch'] }));
    expect(store.getState().selectedCase).toMatchObject({ id: 'AJ2', status: 'filed', log });
    expect(store.getState().casePage!.cases.map((c) => c.status)).toEqual(['collected', 'filed']);
    // A case not in the page changes neither the page nor another selection.
    store.getState().upsertCase(aCase('AJ9', 'closed'));
    expect(store.getState().casePage!.cases.map((c) => c.id)).toEqual(['AJ1', 'AJ2']);
    expect(store.getState().selectedCase!.id).toBe('AJ2');
    store.getState().selectCase(undefined);
    expect(store.getState().selectedCase).toBeUndefined();
  });

  it('the map gets the page and the selected case, once each — never more than a page and one', () => {
    const page = { offset: 0, hasNext: true, cases: [aCase('AJ1'), aCase('AJ2')] };
    expect(casesOnMap({ casePage: page, selectedCase: aCase('AJ2') }).map((c) => c.id)).toEqual(['AJ1', 'AJ2']);
    expect(casesOnMap({ casePage: page, selectedCase: aCase('AJ7') }).map((c) => c.id)).toEqual(['AJ1', 'AJ2', 'AJ7']);
    expect(casesOnMap({ casePage: undefined, selectedCase: undefined })).toEqual([]);
  });

  it('a point picked on the map ends the picking; a refresh bumps the revision', () => {
    const store = createAppStore();
    store.getState().setCasePicking(true);
    store.getState().setCasePickedPoint([113.1, 23.0]);
    expect(store.getState().casePicking).toBe(false);
    expect(store.getState().casePickedPoint).toEqual([113.1, 23.0]);
    const revision = store.getState().caseListRevision;
    store.getState().refreshCases();
    expect(store.getState().caseListRevision).toBe(revision + 1);
  });

  it('a change from the stream reads the list again and counts the changes of that case', () => {
    const store = createAppStore();
    const revision = store.getState().caseListRevision;
    store.getState().noteCaseChange('AJ7');
    store.getState().noteCaseChange('AJ7');
    expect(store.getState().caseListRevision).toBe(revision + 2);
    expect(store.getState().lastCaseChange).toEqual({ id: 'AJ7', n: 2 });
    store.getState().noteCaseChange('AJ8');
    expect(store.getState().lastCaseChange).toEqual({ id: 'AJ8', n: 3 });
  });

  it('the list query leaves out empty fields and always names its page', () => {
    expect(caseListQuery({ status: 'open', grid: ' ', department: '区水务局', overdue: false }, 20)).toEqual({ grid: undefined, department: '区水务局', class: undefined, status: 'open', overdue: undefined, limit: 20, offset: 20 });
    expect(caseListQuery({ classId: 'event:0403', overdue: true }, 0, 5)).toMatchObject({ class: 'event:0403', overdue: 'true', limit: 5, offset: 0 });
  });

  it('?case= keeps a case ID (AJ + its number) and refuses anything else', () => {
    expect(parseUrlState('?case=AJ12').caseId).toBe('AJ12');
    for (const bad of ['12', 'AJ0', 'AJ', 'aj12', 'AJ1x', '']) expect(parseUrlState(`?case=${bad}`).caseId).toBeUndefined();
    expect(formatUrlState({ caseId: 'AJ3' }, '?lang=en')).toBe('?lang=en&case=AJ3');
    expect(formatUrlState({ caseId: undefined }, '?case=AJ3&lang=en')).toBe('?lang=en');
  });
});
