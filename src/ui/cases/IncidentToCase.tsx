import { useState } from 'react';
import { createCase, listCases } from '../../api/cases.ts';
import { INCIDENT_TYPE_NAMES, isOpenStatus } from '../../domain/monitoring/incidents.ts';
import { errorText } from '../../domain/error-text.ts';
import type { IncidentDocument } from '../../monitoring/types.ts';
import { useApp, useServices } from '../context.ts';
import { openCase, useCaseApi, useCaseDictionary } from './case-api.ts';
import { CaseSignIn } from './CaseSignIn.tsx';
import './cases.css';

/** Degrees around an incident within which its case is looked for (its case is placed at the incident's place). */
const CASE_SEARCH_DEGREES = 0.0005;
/** A case made this long before its incident was raised (clocks of two servers apart) still counts as its case. */
const CLOCK_SKEW_MS = 60_000;

/**
 * 转为案卷: an open monitoring incident becomes a case (source monitoring) with its ID, type (the
 * class follows from it), assets and place; the grid follows from the place (the server's grid
 * store) unless the operator gives a code, and the description may be edited. An incident that
 * already has a case (GET /api/cases?incidentId=&bbox= around its place, made after it was raised;
 * looked up on the button and again before creating) opens that case instead of making a second.
 */
export function IncidentToCase({ incident }: { incident: IncidentDocument }) {
  const t = useCaseDictionary();
  const services = useServices();
  const { store } = services;
  const language = useApp((s) => s.language);
  const { base, operator } = useCaseApi();
  const [open, setOpen] = useState(false);
  const [gridCode, setGridCode] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [created, setCreated] = useState<string>();
  const [existing, setExisting] = useState<string>();
  if (!base || !isOpenStatus(incident.status)) return null;
  const [lon, lat] = incident.location.coordinates;
  const incidentId = String(incident['@iot.id']);
  /** The case already made from this incident, if any: then it is opened, and none is made. */
  const findExisting = async (): Promise<string | undefined> => {
    const bbox: [number, number, number, number] = [lon - CASE_SEARCH_DEGREES, lat - CASE_SEARCH_DEGREES, lon + CASE_SEARCH_DEGREES, lat + CASE_SEARCH_DEGREES];
    const page = await listCases(base, { incidentId, bbox }, 0, { limit: 5 });
    // Incident IDs are per monitoring server and start again with a new database: a case made before this incident was raised is another incident's.
    const raised = Date.parse(incident.raisedAt);
    const found = page.cases.find((c) => c.source === 'monitoring' && c.incidentId === incidentId && !(Date.parse(c.createdAt) < raised - CLOCK_SKEW_MS));
    if (!found) return undefined;
    setExisting(found.id);
    setOpen(false);
    store.getState().upsertCase(found);
    void openCase(services, found.id);
    return found.id;
  };
  const start = async () => {
    setBusy(true);
    setError(undefined);
    try {
      if (!(await findExisting())) setOpen(true);
    } catch (caught) {
      setError(`${t.createFailed}: ${errorText(caught)}`);
    } finally {
      setBusy(false);
    }
  };
  const defaultDescription = `${INCIDENT_TYPE_NAMES[incident.type][language]} #${incident['@iot.id']}${incident.assetIds.length ? ` (${incident.assetIds.slice(0, 5).join(', ')})` : ''}`;
  const submit = async () => {
    if (!operator) return;
    setBusy(true);
    setError(undefined);
    try {
      // Another operator (or another tab) may have made it meanwhile.
      if (await findExisting()) return;
      const document = await createCase(base, {
        source: 'monitoring',
        incidentId,
        incidentType: incident.type,
        ...(gridCode.trim() ? { gridCode: gridCode.trim() } : {}),
        description: description.trim() || defaultDescription,
        lon,
        lat,
        reporter: operator.name,
        assetIds: incident.assetIds.slice(0, 100),
      }, operator);
      setCreated(document.id);
      setOpen(false);
      store.getState().selectCase(document.id);
      store.getState().upsertCase(document);
      store.getState().refreshCases();
    } catch (caught) {
      setError(`${t.createFailed}: ${errorText(caught)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="incident-to-case" data-testid="incident-to-case">
      {created && <p className="small" data-testid="incident-to-case-done" data-case-id={created}>{t.toCaseDone(created)}</p>}
      {existing && existing !== created && <p className="small" data-testid="incident-to-case-existing" data-case-id={existing}>{t.toCaseExisting(existing)}</p>}
      {!open ? (
        <button type="button" className="action" disabled={busy} data-testid="incident-to-case-button" onClick={() => void start()}>{t.toCase}</button>
      ) : !operator ? (
        <CaseSignIn />
      ) : (
        <form className="case-form" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <p className="muted small">{t.toCaseHint}</p>
          <label>
            {t.gridCode}
            <input value={gridCode} inputMode="numeric" placeholder={t.gridAuto} data-testid="incident-to-case-grid" onChange={(e) => setGridCode(e.target.value)} />
          </label>
          <p className="muted small">{t.gridHint}</p>
          <label>
            {t.description}
            <textarea value={description} placeholder={defaultDescription} data-testid="incident-to-case-description" onChange={(e) => setDescription(e.target.value)} maxLength={2000} rows={2} />
          </label>
          <div className="actions">
            <button type="submit" disabled={busy} data-testid="incident-to-case-submit">{t.submit}</button>
            <button type="button" className="link" onClick={() => setOpen(false)}>{t.cancel}</button>
          </div>
        </form>
      )}
      {error && <p className="error" role="alert" data-testid="incident-to-case-error">{error}</p>}
    </div>
  );
}
