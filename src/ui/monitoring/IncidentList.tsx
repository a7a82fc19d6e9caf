import { INCIDENT_STATUS_NAMES, INCIDENT_STATUSES, INCIDENT_TYPE_NAMES, INCIDENT_TYPES, type IncidentStatus, type IncidentType } from '../../domain/monitoring/incidents.ts';
import { filterIncidents, type IncidentFilter } from '../../store/monitoring.ts';
import { useApp, useMonitoringDictionary, useServices } from '../context.ts';
import { LevelBadge, timeOfDay } from './labels.tsx';

const LIST_LIMIT = 100;

/** Incidents, most serious first then newest, filterable by type and status; a click flies there. */
export function IncidentList() {
  const m = useMonitoringDictionary();
  const { store } = useServices();
  const language = useApp((s) => s.language);
  const incidents = useApp((s) => s.incidents);
  const filter = useApp((s) => s.incidentFilter);
  const selected = useApp((s) => s.selectedIncidentId);
  const available = useApp((s) => s.incidentsAvailable);
  if (!available) return null;
  const shown = filterIncidents(incidents, filter);
  const setFilter = (change: Partial<IncidentFilter>) => store.getState().setIncidentFilter(change);
  return (
    <section className="panel incident-list" aria-label={m.incidents} data-testid="incident-list">
      <h3>
        {m.incidents} <span className="count" data-testid="incident-count">{shown.length}</span>
      </h3>
      <div className="filters">
        <select aria-label={m.allTypes} value={filter.type} onChange={(e) => setFilter({ type: e.target.value as IncidentType | 'all' })} data-testid="incident-type-filter">
          <option value="all">{m.allTypes}</option>
          {INCIDENT_TYPES.map((type) => (
            <option key={type} value={type}>
              {INCIDENT_TYPE_NAMES[type][language]}
            </option>
          ))}
        </select>
        <select aria-label={m.status} value={filter.status} onChange={(e) => setFilter({ status: e.target.value as IncidentStatus | 'open' | 'all' })} data-testid="incident-status-filter">
          <option value="open">{m.statusOpen}</option>
          <option value="all">{m.statusAll}</option>
          {INCIDENT_STATUSES.map((status) => (
            <option key={status} value={status}>
              {INCIDENT_STATUS_NAMES[status][language]}
            </option>
          ))}
        </select>
      </div>
      {shown.length === 0 ? (
        <p className="muted">{m.noIncidents}</p>
      ) : (
        <ol>
          {shown.slice(0, LIST_LIMIT).map((incident) => (
            <li key={incident['@iot.id']} className={incident['@iot.id'] === selected ? 'selected' : undefined}>
              <button type="button" data-testid="incident-row" data-incident-id={incident['@iot.id']} data-level={incident.level} onClick={() => store.getState().selectIncident(incident['@iot.id'])}>
                <LevelBadge level={incident.level} />
                <span className="what">
                  {INCIDENT_TYPE_NAMES[incident.type][language]}
                  <code>{incident.assetIds.slice(0, 2).join(' ')}{incident.assetIds.length > 2 ? ` +${incident.assetIds.length - 2}` : ''}</code>
                </span>
                <span className="when">
                  {timeOfDay(incident.raisedAt, language)}
                  <span className={`status ${incident.status}`}>{INCIDENT_STATUS_NAMES[incident.status][language]}</span>
                </span>
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
