/**
 * REST reads and writes of the monitoring API, as plain SensorThings 1.1 requests, so the viewer
 * can point at any SensorThings server (FROST-Server included). The incident calls use our
 * documented `Incidents` extension and are only made when the server lists it.
 */
import type { IncidentAction, IncidentLogAction } from '../domain/monitoring/incidents.ts';
import type { IncidentDocument, SensorRecord } from './types.ts';
import { decodeCompactSensors, type CompactSensors } from '../domain/monitoring/compact-sensors.ts';

interface ThingJson {
  '@iot.id': number;
  name: string;
  properties?: { assetId?: string; assetKind?: string };
  Locations?: { location: { type: string; coordinates?: number[]; geometry?: { coordinates: number[] } } }[];
  Datastreams?: {
    '@iot.id': number;
    name: string;
    unitOfMeasurement?: { symbol?: string | null };
    ObservedProperty?: { name: string };
    Observations?: { '@iot.id': number; result: unknown; phenomenonTime: string }[];
  }[];
}

/** A write key and the origin (scheme://host:port) of the server it was entered for. */
export interface OperatorKey {
  name: string;
  apiKey: string;
  origin: string;
}

export class MonitoringApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class SensorThingsClient {
  constructor(readonly baseUrl: string, private readonly fetcher: typeof fetch = (...args) => fetch(...args)) {}

  private async get<T>(pathOrUrl: string): Promise<T> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : pathOrUrl === '' ? this.baseUrl : `${this.baseUrl}/${pathOrUrl}`;
    const response = await this.fetcher(url, { cache: 'no-store' });
    if (!response.ok) throw new MonitoringApiError(response.status, `${url}: HTTP ${response.status}`);
    return (await response.json()) as T;
  }

  /**
   * Does the server offer the incidents extension? Ours names it under `serverSettings.extensions`
   * (the root's `value` lists the standard's entity sets only); servers from before listed it there.
   */
  async hasIncidents(): Promise<boolean> {
    const root = await this.get<{ value: { name: string }[]; serverSettings?: { extensions?: Record<string, unknown> } }>('');
    return Object.hasOwn(root.serverSettings?.extensions ?? {}, 'Incidents') || root.value.some((v) => v.name === 'Incidents');
  }

  /**
   * Every sensor in the compact form of our `SensorIndex` extension (a few MB at 85,000 sensors,
   * instead of tens as expanded Things); from a server without it (any other SensorThings
   * server), the expanded Things as `loadSensors` reads them.
   */
  async loadSensorIndex(): Promise<{ sensors: SensorRecord[]; compact: boolean }> {
    const url = `${this.baseUrl}/SensorIndex`;
    const response = await this.fetcher(url, { cache: 'no-store' });
    if (response.status === 404 || response.status === 400) return { sensors: (await this.loadSensors()).sensors, compact: false };
    if (!response.ok) throw new MonitoringApiError(response.status, `${url}: HTTP ${response.status}`);
    const sensors = decodeCompactSensors((await response.json()) as CompactSensors).map(({ timeMs, ...sensor }): SensorRecord => ({ ...sensor, ...(timeMs === undefined ? {} : { time: new Date(timeMs).toISOString() }) }));
    return { sensors, compact: true };
  }

  /**
   * Every datastream with its Thing's asset, location and latest observation, paged. Returns the
   * sensors and, per datastream, the id of the latest observation (so newer stream updates win).
   */
  async loadSensors(): Promise<{ sensors: SensorRecord[]; latestObservationIds: Map<number, number> }> {
    const expand = 'Locations($select=location),Datastreams($select=id,name,unitOfMeasurement;$expand=ObservedProperty($select=name),Observations($top=1;$orderby=phenomenonTime desc;$select=id,result,phenomenonTime))';
    let next: string | undefined = `Things?$select=id,name,properties&$top=2000&$expand=${encodeURIComponent(expand)}`;
    const sensors: SensorRecord[] = [];
    const latestObservationIds = new Map<number, number>();
    while (next) {
      const page: { value: ThingJson[]; '@iot.nextLink'?: string } = await this.get(next);
      for (const thing of page.value) {
        const location = thing.Locations?.[0]?.location;
        const coordinates = location?.type === 'Feature' ? location.geometry?.coordinates : location?.coordinates;
        if (!coordinates || coordinates.length < 2) continue;
        for (const datastream of thing.Datastreams ?? []) {
          const latest = datastream.Observations?.[0];
          if (latest) latestObservationIds.set(datastream['@iot.id'], latest['@iot.id']);
          sensors.push({
            datastreamId: datastream['@iot.id'],
            thingId: thing['@iot.id'],
            name: datastream.name,
            assetId: thing.properties?.assetId,
            assetKind: thing.properties?.assetKind,
            observedProperty: datastream.ObservedProperty?.name ?? '',
            unitSymbol: datastream.unitOfMeasurement?.symbol ?? '',
            lonDegrees: coordinates[0]!,
            latDegrees: coordinates[1]!,
            value: typeof latest?.result === 'number' ? latest.result : undefined,
            time: latest?.phenomenonTime,
            state: 'normal',
          });
        }
      }
      next = page['@iot.nextLink'];
    }
    return { sensors, latestObservationIds };
  }

  /** Incidents not yet archived, most recent first (at most `limit`). */
  async loadIncidents(limit = 500): Promise<IncidentDocument[]> {
    const page = await this.get<{ value: IncidentDocument[] }>(`Incidents?$filter=${encodeURIComponent("status ne 'archived'")}&$orderby=${encodeURIComponent('raisedAt desc')}&$top=${limit}`);
    return page.value;
  }

  /** Every incident naming an asset (archived ones too), most recent first: an asset's incident history. */
  async incidentsOfAsset(assetId: string, limit = 50): Promise<IncidentDocument[]> {
    // assetIds is filtered as its JSON text; the quotes make the match exact (B-1 does not match B-12).
    const quoted = JSON.stringify(assetId).replaceAll("'", "''");
    const filter = encodeURIComponent(`contains(assetIds,'${quoted}')`);
    const page = await this.get<{ value: IncidentDocument[] }>(`Incidents?$filter=${filter}&$orderby=${encodeURIComponent('raisedAt desc')}&$top=${limit}`);
    return page.value;
  }

  /** A datastream's readings since a time, oldest first (the newest `limit` if there are more). */
  async history(datastreamId: number, sinceIso: string, limit = 2000): Promise<{ time: string; value: number }[]> {
    const filter = encodeURIComponent(`phenomenonTime ge ${sinceIso}`);
    const page = await this.get<{ value: { phenomenonTime: string; result: unknown }[] }>(`Datastreams(${datastreamId})/Observations?$filter=${filter}&$orderby=${encodeURIComponent('phenomenonTime desc')}&$top=${limit}&$select=phenomenonTime,result`);
    return page.value.filter((o) => typeof o.result === 'number').map((o) => ({ time: o.phenomenonTime, value: o.result as number })).reverse();
  }

  /** The origin (scheme://host:port) of this server: the only one a key entered for it is sent to. */
  get origin(): string {
    return new URL(this.baseUrl, typeof location === 'undefined' ? undefined : location.href).origin;
  }

  /** A person's action on an incident (acknowledge, dispatch, resolve, archive). */
  act(incidentId: number, action: IncidentAction, operator: OperatorKey, note?: string): Promise<IncidentDocument> {
    return this.postAction(incidentId, { action, by: operator.name, ...(note ? { note } : {}) }, operator);
  }

  /** An emergency-log entry: a linked unit notified or on site, or a note. The status stays. */
  log(incidentId: number, action: IncidentLogAction, entry: { unit?: string; note?: string }, operator: OperatorKey): Promise<IncidentDocument> {
    return this.postAction(incidentId, { action, by: operator.name, ...(entry.unit ? { unit: entry.unit } : {}), ...(entry.note ? { note: entry.note } : {}) }, operator);
  }

  /** Incidents raised since a time, archived ones too (for the daily mode's statistics), newest first. */
  async incidentsSince(sinceIso: string, limit = 2000): Promise<IncidentDocument[]> {
    const filter = encodeURIComponent(`raisedAt ge ${sinceIso}`);
    const page = await this.get<{ value: IncidentDocument[] }>(`Incidents?$filter=${filter}&$orderby=${encodeURIComponent('raisedAt desc')}&$top=${limit}`);
    return page.value;
  }

  private async postAction(incidentId: number, body: Record<string, string>, operator: OperatorKey): Promise<IncidentDocument> {
    // A key goes only to the server it was entered for, whatever server this client was pointed at.
    if (operator.origin !== this.origin) throw new MonitoringApiError(403, `the key was entered for ${operator.origin}, not for ${this.origin}: sign in for this server`);
    const response = await this.fetcher(`${this.baseUrl}/Incidents(${incidentId})/Actions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': operator.apiKey },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const payload = (await response.json().catch(() => ({}))) as { message?: string };
      throw new MonitoringApiError(response.status, payload.message ?? `HTTP ${response.status}`);
    }
    return (await response.json()) as IncidentDocument;
  }

}
