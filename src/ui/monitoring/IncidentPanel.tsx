import { useState } from 'react';
import { INCIDENT_STATUS_NAMES, INCIDENT_TRANSITIONS, INCIDENT_TYPE_NAMES, isOpenStatus, type IncidentAction, type IncidentTransition } from '../../domain/monitoring/incidents.ts';
import { unitName } from '../../domain/emergency/linkage.ts';
import type { Language } from '../../store/url-state.ts';
import { WARNING_LEVEL_NAMES } from '../../domain/monitoring/warning.ts';
import { useApp, useCommandDictionary, useMonitoringDictionary, useServices } from '../context.ts';
import { LevelBadge, timeOfDay } from './labels.tsx';
import { OperatorSignIn } from './OperatorSignIn.tsx';
import { IncidentImpact } from '../emergency/IncidentImpact.tsx';
import { IncidentReport, reportFigures, type ReportFigures } from '../emergency/IncidentReport.tsx';
import { EmergencyCommand } from '../command/EmergencyCommand.tsx';
import { enterEmergency } from '../command/CommandSwitch.tsx';
import { useIncidentWrite } from './incident-write.ts';
import { IncidentToCase } from '../cases/IncidentToCase.tsx';

const ACTIONS: IncidentAction[] = ['acknowledge', 'dispatch', 'resolve', 'archive'];

/** What a log line adds after its kind: the asset spread to, the unit called, or the note. */
function transitionDetail(t: IncidentTransition, language: Language): string {
  if (t.unit) return ` ${unitName(t.unit, language)}`;
  if (t.note && (t.kind === 'asset-added' || t.kind === 'note')) return ` ${t.note}`;
  return '';
}

/** One incident: level, status, assets (each a link), the log of transitions, and the actions. */
export function IncidentPanel() {
  const m = useMonitoringDictionary();
  const services = useServices();
  const { store } = services;
  const language = useApp((s) => s.language);
  const id = useApp((s) => s.selectedIncidentId);
  const incident = useApp((s) => s.incidents.find((i) => i['@iot.id'] === s.selectedIncidentId));
  const operator = useApp((s) => s.operator);
  const commandMode = useApp((s) => s.commandMode);
  const c = useCommandDictionary();
  const { busy, error, run } = useIncidentWrite();
  const [report, setReport] = useState<{ snapshot?: string } & ReportFigures>();
  if (id === undefined) return null;
  if (!incident) return null;
  const act = (action: IncidentAction) => run((client, on) => client.act(incident['@iot.id'], action, on));
  const [lon, lat] = incident.location.coordinates;
  const openReport = async () => {
    // The map as it is now; then the rings' figures and the valves to close, from the server.
    const snapshot = services.engine()?.snapshot();
    setReport({ snapshot, ...(await reportFigures(store.getState().assetsApiUrl, incident)) });
  };
  return (
    <aside className="panel detail-panel incident-panel" data-testid="incident-panel" aria-label={INCIDENT_TYPE_NAMES[incident.type][language]}>
      <header>
        <div>
          <h2>
            <LevelBadge level={incident.level} /> {INCIDENT_TYPE_NAMES[incident.type][language]}
          </h2>
          <div className="subtitle">#{incident['@iot.id']} · {WARNING_LEVEL_NAMES[incident.level][language]}</div>
        </div>
        <button type="button" className="icon" onClick={() => store.getState().selectIncident(undefined)} aria-label="×">
          ×
        </button>
      </header>
      <table className="properties">
        <tbody>
          <tr>
            <th scope="row">{m.status}</th>
            <td data-testid="incident-status">
              {INCIDENT_STATUS_NAMES[incident.status][language]} · {incident.alarmActive ? m.alarmActive : m.alarmCleared}
            </td>
          </tr>
          <tr>
            <th scope="row">{m.raisedAt}</th>
            <td>{timeOfDay(incident.raisedAt, language)}</td>
          </tr>
          <tr>
            <th scope="row">{m.location}</th>
            <td>
              {lon.toFixed(6)}, {lat.toFixed(6)}
            </td>
          </tr>
          <tr>
            <th scope="row">{m.assets}</th>
            <td data-testid="incident-assets">
              {incident.assetIds.map((assetId) => (
                <button key={assetId} type="button" className="link asset" onClick={() => store.getState().select({ id: assetId })}>
                  {assetId}
                </button>
              ))}
            </td>
          </tr>
        </tbody>
      </table>
      {operator ? (
        <div className="actions">
          {ACTIONS.filter((action) => INCIDENT_TRANSITIONS[action].from.includes(incident.status)).map((action) => (
            <button key={action} type="button" disabled={busy} data-testid={`incident-${action}`} onClick={() => void act(action)}>
              {m.actions[action]}
            </button>
          ))}
        </div>
      ) : (
        <OperatorSignIn />
      )}
      {error && <p className="error" role="alert">{error}</p>}
      <IncidentToCase incident={incident} />
      {commandMode === 'emergency' ? (
        <EmergencyCommand incident={incident} />
      ) : (
        isOpenStatus(incident.status) && (
          <button type="button" className="action emergency" data-testid="enter-emergency" onClick={() => enterEmergency(store, incident['@iot.id'])}>
            {c.enterEmergency}
          </button>
        )
      )}
      <button type="button" className="action" data-testid="incident-report-button" onClick={() => void openReport()}>
        {m.report}
      </button>
      {report && <IncidentReport incident={incident} snapshot={report.snapshot} figures={report} onClose={() => setReport(undefined)} />}
      <IncidentImpact incident={incident} />
      <h3>{m.transitions}</h3>
      <ol className="timeline" data-testid="incident-log">
        {(incident.transitions ?? []).map((t, i) => (
          <li key={i}>
            <span className="when">{timeOfDay(t.at, language)}</span> {m.transitionKinds[t.kind] ?? t.kind}
            {transitionDetail(t, language)} · {t.by === 'system' ? m.system : t.by}
            {t.kind !== 'asset-added' && t.kind !== 'note' && ` · ${WARNING_LEVEL_NAMES[t.level].roman}`}
          </li>
        ))}
      </ol>
    </aside>
  );
}
