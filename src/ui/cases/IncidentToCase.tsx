import { useState } from 'react';
import { createCase } from '../../api/cases.ts';
import { INCIDENT_TYPE_NAMES, isOpenStatus } from '../../domain/monitoring/incidents.ts';
import { errorText } from '../../domain/error-text.ts';
import type { IncidentDocument } from '../../monitoring/types.ts';
import { useApp, useServices } from '../context.ts';
import { lastGridCode, rememberGridCode, useCaseApi, useCaseDictionary } from './case-api.ts';
import { CaseSignIn } from './CaseSignIn.tsx';
import './cases.css';

/**
 * 转为案卷: an open monitoring incident becomes a case (source monitoring) with its ID, type (the
 * class follows from it), assets and place; the operator gives the grid code (grids are not a
 * layer yet) and may edit the description.
 */
export function IncidentToCase({ incident }: { incident: IncidentDocument }) {
  const t = useCaseDictionary();
  const services = useServices();
  const { store } = services;
  const language = useApp((s) => s.language);
  const { base, operator } = useCaseApi();
  const [open, setOpen] = useState(false);
  const [gridCode, setGridCode] = useState(lastGridCode);
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [created, setCreated] = useState<string>();
  if (!base || !isOpenStatus(incident.status)) return null;
  const [lon, lat] = incident.location.coordinates;
  const defaultDescription = `${INCIDENT_TYPE_NAMES[incident.type][language]} #${incident['@iot.id']}${incident.assetIds.length ? ` (${incident.assetIds.slice(0, 5).join(', ')})` : ''}`;
  const submit = async () => {
    if (!operator) return;
    setBusy(true);
    setError(undefined);
    try {
      const document = await createCase(base, {
        source: 'monitoring',
        incidentId: String(incident['@iot.id']),
        incidentType: incident.type,
        gridCode: gridCode.trim(),
        description: description.trim() || defaultDescription,
        lon,
        lat,
        reporter: operator.name,
        assetIds: incident.assetIds.slice(0, 100),
      }, operator);
      rememberGridCode(gridCode.trim());
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
      {!open ? (
        <button type="button" className="action" data-testid="incident-to-case-button" onClick={() => setOpen(true)}>{t.toCase}</button>
      ) : !operator ? (
        <CaseSignIn />
      ) : (
        <form className="case-form" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <p className="muted small">{t.toCaseHint}</p>
          <label>
            {t.gridCode}
            <input value={gridCode} inputMode="numeric" data-testid="incident-to-case-grid" onChange={(e) => setGridCode(e.target.value)} required />
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
