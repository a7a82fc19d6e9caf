import { useEffect, useState } from 'react';
import { actOnCase, getCase } from '../../api/cases.ts';
import { ApiError } from '../../api/http.ts';
import { CASE_ACTION_NAMES, CASE_SOURCE_NAMES, CASE_STATUS_NAMES, caseClass, type CaseAction } from '../../domain/cases/cases.ts';
import { errorText } from '../../domain/error-text.ts';
import { useApp, useServices } from '../context.ts';
import { beijingTime, useCaseApi, useCaseDictionary } from './case-api.ts';
import { CaseSignIn } from './CaseSignIn.tsx';
import './cases.css';

/**
 * One case (案卷): its class, grid, source and place, its log (who, when, note), and a button for
 * exactly each action its status allows (立案, 派遣, 处置反馈, 核查通过, 返工, 结案), sent to the
 * API; a refusal (409 …) is shown in the server's words.
 */
export function CasePanel() {
  const id = useApp((s) => s.selectedCaseId);
  // Keyed by the case: its note, department and error start afresh with another case.
  return id ? <CaseDetail key={id} id={id} /> : null;
}

function CaseDetail({ id }: { id: string }) {
  const t = useCaseDictionary();
  const services = useServices();
  const { store } = services;
  const language = useApp((s) => s.language);
  const document = useApp((s) => s.selectedCase);
  const { base, operator } = useCaseApi();
  const [note, setNote] = useState('');
  const [department, setDepartment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  // Another desk (or server process) changed this case: the stream says so (a `change` event).
  const changed = useApp((s) => (s.lastCaseChange?.id === id ? s.lastCaseChange.n : 0));
  // A case selected without its log (from the list, the map or a link), or changed elsewhere: read it.
  useEffect(() => {
    if (!base || (document?.log && !changed)) return;
    const controller = new AbortController();
    getCase(base, id, { signal: controller.signal }).then(
      (read) => {
        if (store.getState().selectedCaseId === id) store.getState().upsertCase(read);
      },
      (caught: unknown) => {
        if (!controller.signal.aborted) setError(errorText(caught));
      },
    );
    return () => controller.abort();
  }, [id, base, document?.log, changed, store]);
  const act = async (action: CaseAction) => {
    if (!base || !operator || !document) return;
    setBusy(true);
    setError(undefined);
    try {
      const after = await actOnCase(base, document.id, { action, note: note.trim() || undefined, department: action === 'dispatch' ? department.trim() : undefined }, operator);
      store.getState().upsertCase(after);
      store.getState().refreshCases();
      setNote('');
    } catch (caught) {
      setError(`${t.actionFailed}: ${errorText(caught)}`);
      // Refused for its status (another operator acted first): show the case as it is now.
      if (caught instanceof ApiError && caught.status === 409) {
        const now = await getCase(base, document.id).catch(() => undefined);
        if (now) store.getState().upsertCase(now);
      }
    } finally {
      setBusy(false);
    }
  };
  const cls = document ? caseClass(document.classId) : undefined;
  return (
    <aside className="panel detail-panel case-panel" data-testid="case-panel" data-case-id={id} aria-label={`${t.cases} ${id}`}>
      <header>
        <div>
          <h2>
            <span className={`case-dot status-${document?.status ?? 'collected'}${document?.overdue ? ' overdue' : ''}`} aria-hidden="true" /> {t.cases} {id}
          </h2>
          {document && <div className="subtitle">{cls ? `${cls.code} ${language === 'zh' ? cls.zh : cls.en}` : document.classId} · {CASE_SOURCE_NAMES[document.source][language]}</div>}
        </div>
        <button type="button" className="icon" onClick={() => store.getState().selectCase(undefined)} aria-label="×">×</button>
      </header>
      {!document && !error && <p className="muted small">{t.loading}</p>}
      {document && (
        <>
          <table className="properties">
            <tbody>
              <tr>
                <th scope="row">{t.status}</th>
                <td data-testid="case-status" data-status={document.status} data-overdue={document.overdue}>
                  {CASE_STATUS_NAMES[document.status][language]}
                  {document.overdue && <span className="overdue-flag">{t.overdue}</span>}
                </td>
              </tr>
              <tr><th scope="row">{t.gridCode}</th><td data-testid="case-grid">{document.gridCode}</td></tr>
              {document.department && <tr><th scope="row">{t.department}</th><td data-testid="case-department">{document.department}</td></tr>}
              {document.dueAt && <tr><th scope="row">{t.deadline}</th><td>{beijingTime(document.dueAt)}</td></tr>}
              <tr><th scope="row">{t.description}</th><td data-testid="case-description">{document.description}</td></tr>
              {document.address && <tr><th scope="row">{t.address}</th><td>{document.address}</td></tr>}
              <tr><th scope="row">{t.place}</th><td>{document.lon.toFixed(6)}, {document.lat.toFixed(6)}</td></tr>
              <tr><th scope="row">{t.reporter}</th><td>{document.reporter} · {beijingTime(document.createdAt)}</td></tr>
              {document.hotlineTicket && <tr><th scope="row">{t.hotlineTicket}</th><td>{document.hotlineTicket}</td></tr>}
              {document.incidentId && (
                <tr>
                  <th scope="row">{t.incident}</th>
                  <td data-testid="case-incident">
                    <button type="button" className="link" onClick={() => store.getState().selectIncident(Number(document.incidentId))}>#{document.incidentId}</button>
                  </td>
                </tr>
              )}
              {document.assetIds.length > 0 && (
                <tr>
                  <th scope="row">{t.assets}</th>
                  <td data-testid="case-assets">
                    {document.assetIds.map((assetId) => (
                      <button key={assetId} type="button" className="link asset" onClick={() => store.getState().select({ id: assetId })}>{assetId}</button>
                    ))}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          {document.allowedActions.length > 0 && (operator ? (
            <div className="case-actions">
              <input aria-label={t.note} placeholder={t.note} value={note} data-testid="case-note" onChange={(e) => setNote(e.target.value)} maxLength={2000} />
              {document.allowedActions.includes('dispatch') && (
                <input aria-label={t.departmentFor} placeholder={t.departmentFor} value={department} data-testid="case-dispatch-department" onChange={(e) => setDepartment(e.target.value)} maxLength={100} />
              )}
              <div className="actions" data-testid="case-actions">
                {document.allowedActions.map((action) => (
                  <button key={action} type="button" disabled={busy} data-testid={`case-action-${action}`} onClick={() => void act(action)}>
                    {CASE_ACTION_NAMES[action][language]}
                  </button>
                ))}
              </div>
            </div>
          ) : (
            <CaseSignIn />
          ))}
        </>
      )}
      {error && <p className="error" role="alert" data-testid="case-error">{error}</p>}
      {document?.log && (
        <>
          <h3>{t.log}</h3>
          <ol className="timeline" data-testid="case-log">
            {document.log.map((entry, i) => (
              <li key={i} data-action={entry.action} data-by={entry.by}>
                <span className="when">{beijingTime(entry.at)}</span>{' '}
                {entry.action === 'collect' || entry.action === 'import' ? t.actionNames[entry.action] : CASE_ACTION_NAMES[entry.action][language]}
                {entry.department && ` → ${entry.department}`} · {entry.by}
                {entry.note && <span className="note"> · {entry.note}</span>}
              </li>
            ))}
          </ol>
        </>
      )}
    </aside>
  );
}
