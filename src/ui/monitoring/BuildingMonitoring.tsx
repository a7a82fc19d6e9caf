import { useEffect, useMemo, useState } from 'react';
import { INCIDENT_STATUS_NAMES, INCIDENT_TYPE_NAMES } from '../../domain/monitoring/incidents.ts';
import { SENSOR_STATE_COLOURS } from '../../domain/monitoring/warning.ts';
import { incidentsNear, sensorsNear } from '../../monitoring/nearby.ts';
import type { IncidentDocument } from '../../monitoring/types.ts';
import { useApp, useServices } from '../context.ts';
import { assetPlace } from '../go-to-asset.ts';
import { LevelBadge, timeOfDay } from './labels.tsx';

/** Sensors within this distance of a building count as "near" it (metres). */
const SENSOR_RADIUS_METRES = 80;
/** Open incidents within this distance are shown with the building's own history (metres). */
const INCIDENT_RADIUS_METRES = 150;
const MAXIMUM_SENSORS = 12;

const TEXT = {
  zh: { sensors: '监测设备', attached: '本楼', metres: (m: number) => `${Math.round(m)} 米`, noSensors: `本楼及周边 ${SENSOR_RADIUS_METRES} 米内无监测设备`, more: (n: number) => `另有 ${n} 个`, incidents: '事件记录', noIncidents: '本楼无事件记录，周边无未办结事件', failed: '事件记录读取失败', loading: '正在读取事件记录…' },
  en: { sensors: 'Sensors', attached: 'on it', metres: (m: number) => `${Math.round(m)} m`, noSensors: `No sensors on the building or within ${SENSOR_RADIUS_METRES} m`, more: (n: number) => `${n} more`, incidents: 'Incident history', noIncidents: 'No incidents on record; none open nearby', failed: 'Incident history could not be read', loading: 'Reading incident history…' },
};

/**
 * A building's monitoring, in its panel: the sensors on it and nearby with their live state,
 * and its incident history (from the monitoring API) with the open incidents around it.
 */
export function BuildingMonitoring({ buildingId }: { buildingId: string }) {
  const services = useServices();
  const { store } = services;
  const language = useApp((s) => s.language);
  const t = TEXT[language];
  const revision = useApp((s) => s.sensorRevision);
  const incidents = useApp((s) => s.incidents);
  const connected = useApp((s) => s.connection !== 'off');
  const [position, setPosition] = useState<{ id: string; lon: number; lat: number }>();
  const [history, setHistory] = useState<{ id: string; incidents: IncidentDocument[] } | { id: string; error: string }>();

  useEffect(() => {
    let cancelled = false;
    assetPlace(services.assetsApiUrl(), buildingId)
      .then((place) => {
        if (!cancelled && place) setPosition({ id: buildingId, lon: place.lonDegrees, lat: place.latDegrees });
      })
      .catch(() => undefined); // no position: no nearby sensors listed (the asset API's failure shows elsewhere)
    return () => {
      cancelled = true;
    };
  }, [buildingId, services]);

  useEffect(() => {
    const service = services.monitoring();
    if (!service) return;
    let cancelled = false;
    service.client
      .incidentsOfAsset(buildingId)
      .then((found) => !cancelled && setHistory({ id: buildingId, incidents: found }))
      .catch((error: unknown) => !cancelled && setHistory({ id: buildingId, error: error instanceof Error ? error.message : String(error) }));
    return () => {
      cancelled = true;
    };
  }, [buildingId, services]);

  const here = position?.id === buildingId ? position : undefined;
  const nearbySensors = useMemo(
    () => (here ? sensorsNear(store.getState().sensors.values(), buildingId, here.lon, here.lat, SENSOR_RADIUS_METRES) : []),
    // The sensor map is updated in place; its revision says when.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [here, buildingId, store, revision],
  );
  const shownIncidents = useMemo(() => {
    const open = here ? incidentsNear(incidents, buildingId, here.lon, here.lat, INCIDENT_RADIUS_METRES) : [];
    const own = history?.id === buildingId && 'incidents' in history ? history.incidents : [];
    const byId = new Map<number, IncidentDocument>();
    // The live copy wins: it carries the latest status.
    for (const incident of [...own, ...open]) byId.set(incident['@iot.id'], incident);
    return [...byId.values()].sort((a, b) => b.raisedAt.localeCompare(a.raisedAt));
  }, [here, incidents, history, buildingId]);

  if (!connected) return null;
  const actions = store.getState();
  return (
    <section className="building-monitoring" data-testid="building-monitoring">
      <h3>{t.sensors}</h3>
      {nearbySensors.length === 0 ? (
        <p className="muted">{t.noSensors}</p>
      ) : (
        <ul className="nearby-sensors" data-testid="building-sensors">
          {nearbySensors.slice(0, MAXIMUM_SENSORS).map(({ record, distanceMetres, attached }) => (
            <li key={record.datastreamId}>
              <button type="button" className="link" onClick={() => actions.selectSensor(record.datastreamId)}>
                <span className="dot" style={{ background: SENSOR_STATE_COLOURS[record.state] }} />
                {record.name}
              </button>
              <span className="value">{record.value === undefined ? '—' : `${record.value} ${record.unitSymbol}`}</span>
              <span className="muted">{attached ? t.attached : t.metres(distanceMetres)}</span>
            </li>
          ))}
          {nearbySensors.length > MAXIMUM_SENSORS && <li className="muted">{t.more(nearbySensors.length - MAXIMUM_SENSORS)}</li>}
        </ul>
      )}
      <h3>{t.incidents}</h3>
      {history?.id === buildingId && 'error' in history && <p className="error">{`${t.failed}: ${history.error}`}</p>}
      {shownIncidents.length === 0 ? (
        <p className="muted">{history?.id === buildingId ? t.noIncidents : t.loading}</p>
      ) : (
        <ul className="building-incidents" data-testid="building-incidents">
          {shownIncidents.map((incident) => (
            <li key={incident['@iot.id']} data-incident-id={incident['@iot.id']}>
              <button type="button" className="link" onClick={() => actions.selectIncident(incident['@iot.id'])}>
                <LevelBadge level={incident.level} /> {INCIDENT_TYPE_NAMES[incident.type][language]}
              </button>
              <span className="muted">{INCIDENT_STATUS_NAMES[incident.status][language]}</span>
              <span className="muted">{timeOfDay(incident.raisedAt, language)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
