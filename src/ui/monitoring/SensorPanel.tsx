import { lazy, Suspense, useEffect, useState } from 'react';
import { SENSOR_STATE_COLOURS, WARNING_LEVEL_NAMES, type WarningLevel } from '../../domain/monitoring/warning.ts';
import { THRESHOLD_RULES } from '../../store/monitoring.ts';
import { useApp, useMonitoringDictionary, useServices } from '../context.ts';
import { timeOfDay } from './labels.tsx';

/**
 * The chart and ECharts with it (half of the viewer's own script) load when a sensor is first
 * opened: the opening view does not need them, and evaluating them delayed the first tile requests.
 */
const SensorChart = lazy(() => import('./SensorChart.tsx').then((module) => ({ default: module.SensorChart })));

const DAY_MS = 86_400_000;

/** A sensor: its latest value and state, its thresholds, and the last 24 hours as a chart. */
export function SensorPanel() {
  const m = useMonitoringDictionary();
  const services = useServices();
  const { store } = services;
  const language = useApp((s) => s.language);
  const id = useApp((s) => s.selectedSensorId);
  // Re-read the record whenever readings arrive (the map is updated in place).
  useApp((s) => s.sensorRevision);
  const record = id !== undefined ? store.getState().sensors.get(id) : undefined;
  const [history, setHistory] = useState<{ id: number; points: { time: string; value: number }[] } | { id: number; error: string }>();
  useEffect(() => {
    const service = services.monitoring();
    if (id === undefined || !service) return;
    let cancelled = false;
    service.client
      .history(id, new Date(Date.now() - DAY_MS).toISOString())
      .then((points) => !cancelled && setHistory({ id, points }))
      .catch((error: unknown) => !cancelled && setHistory({ id, error: error instanceof Error ? error.message : String(error) }));
    return () => {
      cancelled = true;
    };
  }, [id, services]);
  // Live readings join the chart.
  useEffect(() => {
    if (id === undefined) return;
    return store.subscribe((state, previous) => {
      if (state.sensorRevision === previous.sensorRevision) return;
      const latest = state.sensors.get(id);
      const time = latest?.time;
      const value = latest?.value;
      if (time === undefined || value === undefined) return;
      setHistory((h) => (h && 'points' in h && h.id === id && (h.points.length === 0 || h.points[h.points.length - 1]!.time < time) ? { id, points: [...h.points, { time, value }].slice(-5000) } : h));
    });
  }, [id, store]);
  if (id === undefined || !record) return null;
  const rule = THRESHOLD_RULES.get(record.observedProperty);
  const stateName = record.state === 'normal' ? m.normal : WARNING_LEVEL_NAMES[record.state][language];
  return (
    <aside className="panel detail-panel sensor-panel" data-testid="sensor-panel" aria-label={m.sensor}>
      <header>
        <div>
          <h2>{record.name}</h2>
          <div className="subtitle">
            {m.properties[record.observedProperty] ?? record.observedProperty} · {record.assetId ?? ''}
          </div>
        </div>
        <button type="button" className="icon" onClick={() => store.getState().selectSensor(undefined)} aria-label="×">
          ×
        </button>
      </header>
      <div className="latest">
        <span className="value" data-testid="sensor-value">{record.value !== undefined ? record.value : m.noValue}</span> <span className="unit">{record.unitSymbol}</span>
        <span className="state" data-testid="sensor-state" data-state={String(record.state)} style={{ background: SENSOR_STATE_COLOURS[record.state] }}>
          {stateName}
        </span>
      </div>
      {record.time && <div className="muted small">{m.observedAt} {timeOfDay(record.time, language)}</div>}
      {rule && (
        <table className="properties thresholds">
          <tbody>
            <tr>
              <th scope="row">{m.thresholds}</th>
              <td>
                {([4, 3, 2, 1] as WarningLevel[]).map((level) => (
                  <span key={level} className="threshold" style={{ borderColor: SENSOR_STATE_COLOURS[level] }}>
                    {WARNING_LEVEL_NAMES[level].roman} {rule.direction === 'above' ? '≥' : '≤'} {rule.levels[String(level) as '1']}
                  </span>
                ))}
              </td>
            </tr>
          </tbody>
        </table>
      )}
      <h3>{m.last24h}</h3>
      {history?.id !== id ? (
        <p className="muted">{m.historyLoading}</p>
      ) : 'error' in history ? (
        <p className="error">{`${m.historyFailed}: ${history.error}`}</p>
      ) : (
        <Suspense fallback={<p className="muted">{m.historyLoading}</p>}>
          <SensorChart points={history.points} unit={record.unitSymbol} rule={rule} />
        </Suspense>
      )}
      {record.assetId && (
        <button type="button" className="link" onClick={() => store.getState().select({ id: record.assetId! })}>
          {record.assetId}
        </button>
      )}
    </aside>
  );
}
