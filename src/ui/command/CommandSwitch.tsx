import { tourOrder } from '../../domain/monitoring/kpi.ts';
import { isOpenStatus } from '../../domain/monitoring/incidents.ts';
import type { AppStore } from '../../store/index.ts';
import { useApp, useCommandDictionary, useServices } from '../context.ts';

/**
 * Enter the emergency mode on an incident: the given one, else the selected one if it is open,
 * else the most serious open incident (the display tour's order). With none open, the mode
 * still switches and says there is nothing in focus.
 */
export function enterEmergency(store: AppStore, incidentId?: number): void {
  const state = store.getState();
  const selected = state.incidents.find((i) => i['@iot.id'] === (incidentId ?? state.selectedIncidentId));
  const focus = selected && isOpenStatus(selected.status) ? selected : tourOrder(state.incidents)[0];
  state.setCommandMode('emergency');
  if (focus && focus['@iot.id'] !== state.selectedIncidentId) state.selectIncident(focus['@iot.id']);
}

/** The dual command (双指挥) switch in the top bar: daily mode or emergency mode. */
export function CommandSwitch() {
  const c = useCommandDictionary();
  const { store } = useServices();
  const mode = useApp((s) => s.commandMode);
  const available = useApp((s) => s.incidentsAvailable);
  if (!available) return null;
  return (
    <div className="command-switch" role="group" aria-label={c.modeLabel} data-testid="command-switch">
      <button type="button" aria-pressed={mode === 'daily'} data-testid="command-daily" onClick={() => store.getState().setCommandMode('daily')}>
        {c.daily}
      </button>
      <button type="button" aria-pressed={mode === 'emergency'} className="emergency" data-testid="command-emergency" onClick={() => enterEmergency(store)}>
        {c.emergency}
      </button>
    </div>
  );
}
