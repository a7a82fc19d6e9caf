import { useEffect, useState } from 'react';
import { CASE_PAGE_SIZE, listCases } from '../../api/cases.ts';
import { CASE_CLASSES, CASE_STATUSES, CASE_STATUS_NAMES, caseClass, type CaseStatus } from '../../domain/cases/cases.ts';
import { errorText } from '../../domain/error-text.ts';
import { useApp, useServices } from '../context.ts';
import { openCase, useCaseApi, useCaseDictionary } from './case-api.ts';
import { CaseForm } from './CaseForm.tsx';
import './cases.css';

const CLASSES = [...CASE_CLASSES.values()];

/**
 * 案卷列表: a page of cases from the API (never all of them) under a filter by grid, department,
 * class, status and overdue; a click opens the case and flies there. The page's cases are drawn
 * on the map (engine/case-layer.ts).
 */
export function CaseList() {
  const t = useCaseDictionary();
  const services = useServices();
  const { store } = services;
  const language = useApp((s) => s.language);
  const open = useApp((s) => s.caseListOpen);
  const filter = useApp((s) => s.caseFilter);
  const offset = useApp((s) => s.caseOffset);
  const revision = useApp((s) => s.caseListRevision);
  const page = useApp((s) => s.casePage);
  const selected = useApp((s) => s.selectedCaseId);
  const { base } = useCaseApi();
  const [error, setError] = useState<string>();
  const [formOpen, setFormOpen] = useState(false);
  // Text filters apply on Enter or leaving the field, not on every key.
  const [gridText, setGridText] = useState(filter.grid ?? '');
  const [departmentText, setDepartmentText] = useState(filter.department ?? '');

  useEffect(() => {
    if (!open || !base) return;
    const controller = new AbortController();
    listCases(base, filter, offset, { signal: controller.signal }).then(
      (result) => {
        store.getState().setCasePage({ offset, cases: result.cases, hasNext: result.next !== undefined });
        setError(undefined);
      },
      (caught: unknown) => {
        if (controller.signal.aborted) return;
        setError(errorText(caught));
      },
    );
    return () => controller.abort();
  }, [open, base, filter, offset, revision, store]);

  // Closed, the list draws nothing on the map.
  useEffect(() => {
    if (!open) store.getState().setCasePage(undefined);
  }, [open, store]);

  const setFilter = store.getState().setCaseFilter;
  return (
    <section className="panel case-list" aria-label={t.caseList} data-testid="case-list">
      <h3>
        <button type="button" className="link case-list-toggle" aria-expanded={open} data-testid="case-list-toggle" onClick={() => store.getState().setCaseListOpen(!open)}>
          {open ? '▾' : '▸'} {t.caseList}
        </button>
        {open && page && <span className="count" data-testid="case-count">{page.cases.length}{page.hasNext ? '+' : ''}</span>}
      </h3>
      {open && !base && <p className="muted small">{t.unavailable}</p>}
      {open && base && (
        <>
          <div className="case-filters">
            <input aria-label={t.gridCode} placeholder={t.gridCode} value={gridText} inputMode="numeric" data-testid="case-filter-grid"
              onChange={(e) => setGridText(e.target.value)} onBlur={() => setFilter({ grid: gridText.trim() || undefined })} onKeyDown={(e) => e.key === 'Enter' && setFilter({ grid: gridText.trim() || undefined })} />
            <input aria-label={t.department} placeholder={t.department} value={departmentText} data-testid="case-filter-department"
              onChange={(e) => setDepartmentText(e.target.value)} onBlur={() => setFilter({ department: departmentText.trim() || undefined })} onKeyDown={(e) => e.key === 'Enter' && setFilter({ department: departmentText.trim() || undefined })} />
            <select aria-label={t.caseClass} value={filter.classId ?? ''} data-testid="case-filter-class" onChange={(e) => setFilter({ classId: e.target.value || undefined })}>
              <option value="">{t.allClasses}</option>
              {(['component', 'event'] as const).map((kind) => (
                <optgroup key={kind} label={kind === 'component' ? t.components : t.events}>
                  {CLASSES.filter((c) => c.kind === kind).map((c) => (
                    <option key={c.id} value={c.id}>{c.code} {language === 'zh' ? c.zh : c.en}</option>
                  ))}
                </optgroup>
              ))}
            </select>
            <select aria-label={t.status} value={filter.status ?? 'all'} data-testid="case-filter-status" onChange={(e) => setFilter({ status: e.target.value === 'all' ? undefined : (e.target.value as CaseStatus | 'open') })}>
              <option value="open">{t.statusOpen}</option>
              <option value="all">{t.statusAll}</option>
              {CASE_STATUSES.map((status) => (
                <option key={status} value={status}>{CASE_STATUS_NAMES[status][language]}</option>
              ))}
            </select>
            <label className="small">
              <input type="checkbox" checked={filter.overdue === true} data-testid="case-filter-overdue" onChange={(e) => setFilter({ overdue: e.target.checked || undefined })} /> {t.overdueOnly}
            </label>
          </div>
          <button type="button" className="action" data-testid="case-new" aria-expanded={formOpen} onClick={() => setFormOpen(!formOpen)}>
            {t.newCase}
          </button>
          {formOpen && <CaseForm onDone={() => setFormOpen(false)} />}
          {error && <p className="error" role="alert">{t.listFailed}: {error}</p>}
          {!page && !error && <p className="muted small">{t.loading}</p>}
          {page && page.cases.length === 0 && <p className="muted small">{t.noCases}</p>}
          {page && page.cases.length > 0 && (
            <ol className="case-rows" data-testid="case-rows" data-offset={page.offset}>
              {page.cases.map((c) => {
                const cls = caseClass(c.classId);
                return (
                  <li key={c.id} className={c.id === selected ? 'selected' : undefined}>
                    <button type="button" data-testid="case-row" data-case-id={c.id} data-status={c.status} data-overdue={c.overdue} data-incident-id={c.incidentId} onClick={() => void openCase(services, c.id, { fly: true })}>
                      <span className={`case-dot status-${c.status}${c.overdue ? ' overdue' : ''}`} aria-hidden="true" />
                      <span className="what">
                        <strong>{c.id}</strong> {cls ? (language === 'zh' ? cls.zh : cls.en) : c.classId}
                        <small className="muted">
                          {c.gridCode}
                          {c.incidentId !== undefined && ` · ${t.incident} #${c.incidentId}`}
                          {c.hotlineTicket !== undefined && ` · ${t.hotlineTicketShort} ${c.hotlineTicket}`}
                        </small>
                      </span>
                      <span className="when">
                        <span className={`status ${c.status}`}>{CASE_STATUS_NAMES[c.status][language]}</span>
                        {c.overdue && <span className="overdue-flag">{t.overdue}</span>}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ol>
          )}
          {page && (page.offset > 0 || page.hasNext) && (
            <div className="pager">
              <button type="button" className="link" disabled={page.offset === 0} data-testid="case-previous" onClick={() => store.getState().setCaseOffset(page.offset - CASE_PAGE_SIZE)}>{t.previous}</button>
              <span className="small">{t.page(Math.floor(page.offset / CASE_PAGE_SIZE) + 1)}</span>
              <button type="button" className="link" disabled={!page.hasNext} data-testid="case-next" onClick={() => store.getState().setCaseOffset(page.offset + CASE_PAGE_SIZE)}>{t.next}</button>
            </div>
          )}
        </>
      )}
    </section>
  );
}
