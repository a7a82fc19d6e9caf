/**
 * Live monitoring state: the connection, every sensor's latest reading and state, incidents,
 * and what is selected. Sensor readings arrive by the thousand per second, so `sensors` is one
 * Map updated in place: `sensorRevision` tells subscribers it changed, and `sensorChanges`
 * holds the datastream ids changed since the engine last drained it. React reads only counts
 * and the selected sensor; the engine recolours only what changed.
 */
import type { StoreApi } from 'zustand/vanilla';
import { compareIncidents, isOpenStatus, type IncidentStatus, type IncidentType } from '../domain/monitoring/incidents.ts';
import { evaluateThreshold, type ThresholdRule } from '../domain/monitoring/thresholds.ts';
import thresholdRulesFile from '../domain/monitoring/threshold-rules.json';
import type { SensorState } from '../domain/monitoring/warning.ts';
import type { ConnectionState, IncidentDocument, SensorRecord, StreamObservation, StreamStateChange } from '../monitoring/types.ts';
import { errorText } from '../domain/error-text.ts';

export const THRESHOLD_RULES = new Map((thresholdRulesFile.rules as ThresholdRule[]).map((r) => [r.observedProperty, r]));

/** The state of a value under the bundled rules (for servers whose stream sends no state). */
export function sensorStateOf(observedProperty: string, value: number | undefined): SensorState {
  const rule = THRESHOLD_RULES.get(observedProperty);
  return rule && value !== undefined ? evaluateThreshold(rule, value) : 'normal';
}

export interface IncidentFilter {
  type: IncidentType | 'all';
  /** "open": raised, acknowledged or dispatched. */
  status: IncidentStatus | 'open' | 'all';
}

export type CommandMode = 'daily' | 'emergency';

export interface Operator {
  name: string;
  apiKey: string;
  /** The origin of the monitoring server the key was entered for (scheme://host:port); it is sent nowhere else. */
  origin: string;
}

export interface MonitoringSlice {
  connection: ConnectionState;
  /** Epoch ms of the last message from the stream (data age when stale). */
  lastMessageAt?: number;
  connectionError?: string;
  sensors: Map<number, SensorRecord>;
  sensorRevision: number;
  sensorChanges: Set<number>;
  /** Sorted: most serious first, then newest. */
  incidents: IncidentDocument[];
  selectedIncidentId?: number;
  selectedSensorId?: number;
  incidentFilter: IncidentFilter;
  operator?: Operator;
  /** Whether the server offers incidents (our extension) — a plain SensorThings server does not. */
  incidentsAvailable: boolean;
  /** The dual command (双指挥): daily mode (statistics, sensor health, inspections) or emergency mode (one incident in focus). */
  commandMode: CommandMode;
  setCommandMode(mode: CommandMode): void;
  /** Whether the sensor overlay (points and clusters) is drawn; the data flows either way. */
  sensorsVisible: boolean;
  setSensorsVisible(visible: boolean): void;
  setConnection(connection: ConnectionState, detail?: { lastMessageAt?: number; error?: string }): void;
  /** The last building whose lifecycle record was edited (on any server process), from the stream; `n` counts them. */
  lastLifecycleChange?: { id: string; n: number };
  /** The stream says a building's lifecycle record changed: its panel, if open, reads it again. */
  noteLifecycleChange(buildingId: string): void;
  replaceSensors(sensors: SensorRecord[]): void;
  applyObservations(observations: StreamObservation[]): void;
  /** Readings out of the view, as states only (the stream sends no values there): state and time change, the value stays the last one received. */
  applyStates(states: StreamStateChange[]): void;
  /** What the map shows, [minLon, minLat, maxLon, maxLat] degrees (set by the engine when the camera stops): the stream sends values for it. */
  sensorView?: [number, number, number, number];
  setSensorView(view: [number, number, number, number] | undefined): void;
  replaceIncidents(incidents: IncidentDocument[]): void;
  upsertIncidents(incidents: IncidentDocument[]): void;
  selectIncident(id: number | undefined): void;
  selectSensor(id: number | undefined): void;
  setIncidentFilter(filter: Partial<IncidentFilter>): void;
  setOperator(operator: Operator | undefined): void;
  setIncidentsAvailable(available: boolean): void;
}

type Set_<T> = StoreApi<T>['setState'];
type Get<T> = StoreApi<T>['getState'];

export function filterIncidents(incidents: readonly IncidentDocument[], filter: IncidentFilter): IncidentDocument[] {
  return incidents.filter((i) => (filter.type === 'all' || i.type === filter.type) && (filter.status === 'all' || (filter.status === 'open' ? isOpenStatus(i.status) : i.status === filter.status)));
}

function sortIncidents(incidents: IncidentDocument[]): IncidentDocument[] {
  return incidents.sort((a, b) => compareIncidents(a, b) || b['@iot.id'] - a['@iot.id']);
}

export function monitoringSlice<T extends MonitoringSlice>(set: Set_<T>, get: Get<T>): MonitoringSlice {
  const setPartial = set as unknown as Set_<MonitoringSlice>;
  return {
    connection: 'off',
    sensors: new Map(),
    sensorRevision: 0,
    sensorChanges: new Set(),
    incidents: [],
    incidentFilter: { type: 'all', status: 'open' },
    incidentsAvailable: false,
    commandMode: 'daily',
    setCommandMode: (commandMode) => setPartial({ commandMode }),
    sensorsVisible: true,
    setSensorsVisible: (sensorsVisible) => setPartial({ sensorsVisible }),
    noteLifecycleChange: (id) => setPartial({ lastLifecycleChange: { id, n: (get().lastLifecycleChange?.n ?? 0) + 1 } }),
    setConnection: (connection, detail) => setPartial({ connection, lastMessageAt: detail?.lastMessageAt ?? get().lastMessageAt, connectionError: detail?.error === undefined ? undefined : errorText(detail.error) }),
    replaceSensors: (records) => {
      const { sensors, sensorChanges } = get();
      sensors.clear();
      for (const record of records) {
        sensors.set(record.datastreamId, { ...record, state: record.value === undefined ? 'normal' : sensorStateOf(record.observedProperty, record.value) });
        sensorChanges.add(record.datastreamId);
      }
      setPartial({ sensorRevision: get().sensorRevision + 1 });
    },
    applyObservations: (observations) => {
      const { sensors, sensorChanges } = get();
      for (const o of observations) {
        let record = sensors.get(o.datastreamId);
        if (!record) {
          // A sensor registered after the initial load: the stream tells where it is.
          if (o.lonDegrees === undefined || o.latDegrees === undefined) continue;
          record = { datastreamId: o.datastreamId, thingId: o.thingId, name: o.assetId ?? String(o.datastreamId), assetId: o.assetId, observedProperty: o.observedProperty, unitSymbol: THRESHOLD_RULES.get(o.observedProperty)?.unit ?? '', lonDegrees: o.lonDegrees, latDegrees: o.latDegrees, state: 'normal' };
          sensors.set(o.datastreamId, record);
        }
        if (record.time && o.phenomenonTime < record.time) continue; // an older reading arriving late
        record.value = typeof o.result === 'number' ? o.result : undefined;
        record.time = o.phenomenonTime;
        record.state = o.state ?? sensorStateOf(record.observedProperty, record.value);
        sensorChanges.add(o.datastreamId);
      }
      if (observations.length) setPartial({ sensorRevision: get().sensorRevision + 1 });
    },
    applyStates: (states) => {
      const { sensors, sensorChanges } = get();
      let changed = false;
      for (const [, datastreamId, timeMs, state] of states) {
        const record = sensors.get(datastreamId);
        if (!record) continue; // a sensor registered after the load, out of view: it shows once in view or reloaded
        const time = new Date(timeMs).toISOString();
        if (record.time && time < record.time) continue;
        record.time = time;
        record.state = state === 0 ? 'normal' : state;
        sensorChanges.add(datastreamId);
        changed = true;
      }
      if (changed) setPartial({ sensorRevision: get().sensorRevision + 1 });
    },
    setSensorView: (sensorView) => {
      const previous = get().sensorView;
      if (previous && sensorView && previous.every((v, i) => v === sensorView[i])) return;
      setPartial({ sensorView });
    },
    replaceIncidents: (incidents) => setPartial({ incidents: sortIncidents([...incidents]) }),
    upsertIncidents: (changed) => {
      if (!changed.length) return;
      const byId = new Map(get().incidents.map((i) => [i['@iot.id'], i]));
      for (const incident of changed) byId.set(incident['@iot.id'], incident);
      setPartial({ incidents: sortIncidents([...byId.values()]) });
    },
    selectIncident: (selectedIncidentId) => setPartial({ selectedIncidentId }),
    selectSensor: (selectedSensorId) => setPartial({ selectedSensorId }),
    setIncidentFilter: (filter) => setPartial({ incidentFilter: { ...get().incidentFilter, ...filter } }),
    setOperator: (operator) => setPartial({ operator }),
    setIncidentsAvailable: (incidentsAvailable) => setPartial({ incidentsAvailable }),
  };
}
