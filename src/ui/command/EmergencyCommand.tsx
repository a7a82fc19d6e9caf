import { useState } from 'react';
import { checklistProgress, linkageChecklist } from '../../domain/emergency/linkage.ts';
import { suspectedBreak } from '../../api/network.ts';
import { ISOLATION_TYPES_BY_INCIDENT } from '../../domain/emergency/valve-isolation.ts';
import { errorText } from '../../domain/error-text.ts';
import { isOpenStatus, type IncidentLogAction } from '../../domain/monitoring/incidents.ts';
import type { IncidentDocument } from '../../monitoring/types.ts';
import { useApp, useCommandDictionary, useServices } from '../context.ts';
import { timeOfDay } from '../monitoring/labels.tsx';
import { useIncidentWrite } from '../monitoring/incident-write.ts';

/**
 * The emergency mode's working area for the incident in focus (应急指挥): the linked units to
 * notify and their arrival on site, the valve isolation of a water or gas break, and notes for
 * the log. Every entry is written to the monitoring API (Incidents(id)/Actions) with who and
 * when, so the log is the same on every screen.
 */
export function EmergencyCommand({ incident }: { incident: IncidentDocument }) {
  const c = useCommandDictionary();
  const services = useServices();
  const { store } = services;
  const language = useApp((s) => s.language);
  const operator = useApp((s) => s.operator);
  const api = useApp((s) => s.assetsApiUrl);
  const { busy, error, run } = useIncidentWrite();
  const [note, setNote] = useState('');
  const [isolationMessage, setIsolationMessage] = useState<string>();
  const items = linkageChecklist(incident);
  const progress = checklistProgress(items);
  const open = isOpenStatus(incident.status);

  const log = (action: IncidentLogAction, entry: { unit?: string; note?: string }) => run((client, on) => client.log(incident['@iot.id'], action, entry, on));

  const isolationTypes = ISOLATION_TYPES_BY_INCIDENT[incident.type];
  const runIsolation = async () => {
    setIsolationMessage(undefined);
    if (!api || !isolationTypes) return;
    // Pipes lie under the ground: open the underground view, where the result is drawn.
    store.getState().setUnderground(true);
    try {
      // The server names the main at the incident's assets (the named pipe, or the largest main at a named valve or hydrant).
      const { segment } = await suspectedBreak(api, incident.assetIds, incident.type);
      if (!segment) setIsolationMessage(c.noIsolation);
      else await store.getState().runIsolation(segment.id);
    } catch (error) {
      setIsolationMessage(errorText(error));
    }
  };

  return (
    <section className="emergency-command" data-testid="emergency-command">
      <h3>
        {c.checklist} <span className="muted small" data-testid="checklist-progress">{c.progress(progress.notified, progress.arrived, progress.required)}</span>
      </h3>
      {!operator && <p className="muted small">{c.signInFirst}</p>}
      <ul className="checklist" data-testid="linkage-checklist">
        {items.map((item) => (
          <li key={item.unit.id} data-unit={item.unit.id} data-state={item.arrived ? 'arrived' : item.notified ? 'notified' : 'pending'}>
            <span className="unit">
              {item.unit[language]}
              {!item.required && <span className="muted small"> {c.notRequired}</span>}
            </span>
            <span className="when small">
              {item.notified && <span>{c.notifiedAt(timeOfDay(item.notified.at, language))}</span>}
              {item.arrived && <span> · {c.arrivedAt(timeOfDay(item.arrived.at, language))}</span>}
            </span>
            {operator && open && !item.notified && (
              <button type="button" disabled={busy} data-testid={`notify-${item.unit.id}`} onClick={() => void log('notify', { unit: item.unit.id })}>
                {c.notify}
              </button>
            )}
            {operator && open && item.notified && !item.arrived && (
              <button type="button" disabled={busy} data-testid={`arrive-${item.unit.id}`} onClick={() => void log('arrive', { unit: item.unit.id })}>
                {c.arrive}
              </button>
            )}
          </li>
        ))}
      </ul>
      {isolationTypes && (
        <>
          <h3>{c.analyses}</h3>
          <button type="button" className="action" data-testid="emergency-isolation" disabled={!api} onClick={() => void runIsolation()}>
            {c.isolation}
          </button>
          {!api && <p className="muted small" data-testid="emergency-isolation-no-api">{c.noAnalysisApi}</p>}
          {isolationMessage && <p className="muted small" data-testid="emergency-isolation-message">{isolationMessage}</p>}
        </>
      )}
      {operator && incident.status !== 'archived' && (
        <form
          className="log-note"
          onSubmit={(event) => {
            event.preventDefault();
            if (!note.trim()) return;
            void log('note', { note: note.trim() }).then((written) => written && setNote(''));
          }}
        >
          <label>
            {c.note}
            <textarea value={note} rows={2} maxLength={2000} placeholder={c.notePlaceholder} data-testid="log-note" onChange={(e) => setNote(e.target.value)} />
          </label>
          <button type="submit" disabled={busy || !note.trim()} data-testid="log-note-submit">
            {c.addNote}
          </button>
        </form>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
