import { useEffect, useState } from 'react';
import { createCase, type NewCaseBody } from '../../api/cases.ts';
import { CASE_CLASSES } from '../../domain/cases/cases.ts';
import { errorText } from '../../domain/error-text.ts';
import { useApp, useServices } from '../context.ts';
import { lastGridCode, rememberGridCode, useCaseApi, useCaseDictionary } from './case-api.ts';
import { CaseSignIn } from './CaseSignIn.tsx';

const CLASSES = [...CASE_CLASSES.values()];

/**
 * A new case: a grid worker's report (网格员上报) or a 12345 hotline complaint, at a point picked
 * on the map or typed. The grid code may be left empty (the server places the case in the grid
 * at its location) or typed (checked by the server); the last one typed in this tab is filled in.
 */
export function CaseForm({ onDone }: { onDone(): void }) {
  const t = useCaseDictionary();
  const services = useServices();
  const { store } = services;
  const language = useApp((s) => s.language);
  const picking = useApp((s) => s.casePicking);
  const picked = useApp((s) => s.casePickedPoint);
  const { base, operator } = useCaseApi();
  const [source, setSource] = useState<'grid-worker' | 'hotline-12345'>('grid-worker');
  const [classId, setClassId] = useState(CLASSES[0]?.id ?? '');
  const [gridCode, setGridCode] = useState(lastGridCode);
  const [description, setDescription] = useState('');
  const [address, setAddress] = useState('');
  const [lon, setLon] = useState('');
  const [lat, setLat] = useState('');
  const [reporter, setReporter] = useState('');
  const [ticket, setTicket] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  // A point picked on the map fills lon/lat (adjusted while rendering, as React advises for derived state).
  const [seenPick, setSeenPick] = useState(picked);
  if (picked !== seenPick) {
    setSeenPick(picked);
    if (picked) {
      setLon(picked[0].toFixed(6));
      setLat(picked[1].toFixed(6));
    }
  }
  // Leaving the form ends a pick in progress.
  useEffect(() => () => store.getState().setCasePicking(false), [store]);

  if (!base) return null;
  if (!operator) return <CaseSignIn />;
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    const body: NewCaseBody = {
      source,
      classId,
      ...(gridCode.trim() ? { gridCode: gridCode.trim() } : {}),
      description: description.trim(),
      lon: Number(lon),
      lat: Number(lat),
      reporter: reporter.trim() || operator.name,
      ...(address.trim() ? { address: address.trim() } : {}),
      ...(source === 'hotline-12345' ? { hotlineTicket: ticket.trim() } : {}),
    };
    try {
      const created = await createCase(base, body, operator);
      if (body.gridCode) rememberGridCode(body.gridCode);
      store.getState().selectCase(created.id);
      store.getState().upsertCase(created);
      store.getState().refreshCases();
      onDone();
    } catch (caught) {
      setError(`${t.createFailed}: ${errorText(caught)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="case-form" data-testid="case-form" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <label>
        {t.source}
        <select value={source} data-testid="case-form-source" onChange={(e) => setSource(e.target.value as 'grid-worker' | 'hotline-12345')}>
          <option value="grid-worker">{t.gridWorkerReport}</option>
          <option value="hotline-12345">{t.hotline}</option>
        </select>
      </label>
      <label>
        {t.caseClass}
        <select value={classId} data-testid="case-form-class" onChange={(e) => setClassId(e.target.value)}>
          {(['component', 'event'] as const).map((kind) => (
            <optgroup key={kind} label={kind === 'component' ? t.components : t.events}>
              {CLASSES.filter((c) => c.kind === kind).map((c) => (
                <option key={c.id} value={c.id}>{c.code} {language === 'zh' ? c.zh : c.en}</option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      <label>
        {t.gridCode}
        <input value={gridCode} inputMode="numeric" placeholder={t.gridAuto} data-testid="case-form-grid" onChange={(e) => setGridCode(e.target.value)} />
      </label>
      <p className="muted small" data-testid="case-grid-hint">{t.gridHint}</p>
      <label>
        {t.description}
        <textarea value={description} data-testid="case-form-description" onChange={(e) => setDescription(e.target.value)} required maxLength={2000} rows={2} />
      </label>
      <label>
        {t.address}
        <input value={address} data-testid="case-form-address" onChange={(e) => setAddress(e.target.value)} maxLength={200} />
      </label>
      <div className="lonlat">
        <input aria-label={t.lon} placeholder={t.lon} value={lon} inputMode="decimal" data-testid="case-form-lon" onChange={(e) => setLon(e.target.value)} required />
        <input aria-label={t.lat} placeholder={t.lat} value={lat} inputMode="decimal" data-testid="case-form-lat" onChange={(e) => setLat(e.target.value)} required />
      </div>
      <button type="button" className="link small" data-testid="case-form-pick" aria-pressed={picking} onClick={() => store.getState().setCasePicking(!picking)}>
        {picking ? t.picking : t.pickOnMap}
      </button>
      <label>
        {t.reporter}
        <input value={reporter} placeholder={operator.name} data-testid="case-form-reporter" onChange={(e) => setReporter(e.target.value)} maxLength={50} />
      </label>
      {source === 'hotline-12345' && (
        <label>
          {t.hotlineTicket}
          <input value={ticket} data-testid="case-form-ticket" onChange={(e) => setTicket(e.target.value)} required maxLength={50} />
        </label>
      )}
      {error && <p className="error" role="alert" data-testid="case-form-error">{error}</p>}
      <div className="actions">
        <button type="submit" disabled={busy} data-testid="case-form-submit">{t.submit}</button>
        <button type="button" className="link" onClick={onDone}>{t.cancel}</button>
      </div>
    </form>
  );
}
