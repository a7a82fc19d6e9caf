/**
 * The lifeline simulator: sensors on the demo district's assets, registered on any SensorThings
 * 1.1 endpoint (deep insert, found again by `properties.simulatorKey` on the next start), then
 * readings sent every interval (CreateObservations data arrays over HTTP, or any `send`: the CLI's
 * --mqtt publishes them to a broker as field devices do), with scripted scenarios.
 * `speed` runs simulated time faster than the clock (10 for the soak test).
 */
import type { PipeNetwork } from '../domain/pipelines.ts';
import { createBurst, createScenario, SCENARIO_NAMES, type Scenario, type ScenarioName } from './scenarios.ts';
import { baseline, round } from './signals.ts';
import { OBSERVED_PROPERTIES, type SensorSite } from './sites.ts';

/** One sensor's reading as an observation of its datastream. */
export interface Reading {
  datastreamId: number;
  phenomenonTime: string;
  result: number;
}

export interface SimulatorOptions {
  /** SensorThings base URL, e.g. http://127.0.0.1:8080/v1.1 */
  baseUrl: string;
  apiKey: string;
  sites: SensorSite[];
  network: PipeNetwork;
  /** Real milliseconds between readings of each sensor. Default 10,000. */
  intervalMilliseconds?: number;
  /** Simulated time per real time. Default 1. */
  speed?: number;
  /** Run the four scenarios in turn, forever (the demo). Default false. */
  cycle?: boolean;
  /** Minutes of simulated time per cycle. Default 40. */
  cycleMinutes?: number;
  log?: (line: string) => void;
  fetch?: typeof fetch;
  /** How a round of readings leaves. Default: one CreateObservations request to `baseUrl`. */
  send?: (readings: Reading[]) => Promise<void>;
}

/** Readings per CreateObservations request: 85,000 in one would pass the server's 8 MiB body limit. */
export const READINGS_PER_REQUEST = 10_000;

/** A site's Thing in SensorThings deep-insert form, with its Location and its one Datastream. */
export function thingOf(site: SensorSite, sensorId: number, observedPropertyId: number) {
  const property = OBSERVED_PROPERTIES[site.property];
  return {
    name: `${property.zh} ${site.assetId}`,
    description: `${property.sensor} @ ${site.assetId}`,
    properties: { assetId: site.assetId, assetKind: site.assetKind, ...(site.pipelineType ? { pipelineType: site.pipelineType } : {}), simulator: 'cim-twin', simulatorKey: site.key },
    Locations: [{ name: site.assetId, description: '', encodingType: 'application/geo+json', location: { type: 'Point' as const, coordinates: [site.lonDegrees, site.latDegrees] as [number, number] } }],
    Datastreams: [{
      name: `${property.zh} ${site.assetId}`,
      description: '',
      observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
      unitOfMeasurement: property.unit,
      Sensor: { '@iot.id': sensorId },
      ObservedProperty: { '@iot.id': observedPropertyId },
    }],
  };
}

const CYCLE_OFFSETS_MINUTES: Record<ScenarioName, number> = { 'gas-leak': 1, 'water-main-burst': 11, rainstorm: 21, settlement: 30 };

export class LifelineSimulator {
  private readonly datastreams = new Map<string, number>();
  private readonly scenarios: Scenario[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly startedRealMs = Date.now();
  private readonly startedSimulatedMs = Date.now();
  private step = 0;
  private sending = false;
  /** Readings posted and rejected since start. */
  readonly stats = { posted: 0, failedBatches: 0 };

  constructor(private readonly options: SimulatorOptions) {}

  private get fetch(): typeof fetch {
    return this.options.fetch ?? fetch;
  }

  private async request(path: string, init?: { method: string; body: unknown }): Promise<unknown> {
    const response = await this.fetch(`${this.options.baseUrl}/${path}`, {
      method: init?.method ?? 'GET',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': this.options.apiKey },
      body: init ? JSON.stringify(init.body) : undefined,
    });
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  }

  /** The simulated clock. */
  now(): number {
    return this.startedSimulatedMs + (Date.now() - this.startedRealMs) * (this.options.speed ?? 1);
  }

  /** Register the sensors that are not there yet. Returns how many were created. */
  async bootstrap(): Promise<number> {
    let next: string | undefined = `Things?$filter=${encodeURIComponent("properties/simulator eq 'cim-twin'")}&$select=id,properties&$expand=${encodeURIComponent('Datastreams($select=id)')}&$top=5000`;
    while (next) {
      const page = (await this.request(next)) as { value: { properties: { simulatorKey: string }; Datastreams: { '@iot.id': number }[] }[]; '@iot.nextLink'?: string };
      for (const thing of page.value) if (thing.Datastreams[0]) this.datastreams.set(thing.properties.simulatorKey, thing.Datastreams[0]['@iot.id']);
      next = page['@iot.nextLink'] ? page['@iot.nextLink'].slice(page['@iot.nextLink'].indexOf('/Things') + 1) : undefined;
    }
    const sensorIds = new Map<string, number>();
    const propertyIds = new Map<string, number>();
    let created = 0;
    for (const site of this.options.sites) {
      if (this.datastreams.has(site.key)) continue;
      const property = OBSERVED_PROPERTIES[site.property];
      if (!sensorIds.has(site.property)) {
        const sensor = (await this.request('Sensors', { method: 'POST', body: { name: property.sensor, description: `${property.zh}（模拟）`, encodingType: 'text/plain', metadata: 'cim-twin lifeline simulator' } })) as { '@iot.id': number };
        const observedProperty = (await this.request('ObservedProperties', { method: 'POST', body: { name: site.property, definition: `urn:cim-twin:observed-property:${site.property}`, description: property.zh } })) as { '@iot.id': number };
        sensorIds.set(site.property, sensor['@iot.id']);
        propertyIds.set(site.property, observedProperty['@iot.id']);
      }
      const thing = (await this.request('Things', { method: 'POST', body: thingOf(site, sensorIds.get(site.property)!, propertyIds.get(site.property)!) })) as { '@iot.id': number };
      const datastreams = (await this.request(`Things(${thing['@iot.id']})/Datastreams?$select=id`)) as { value: { '@iot.id': number }[] };
      this.datastreams.set(site.key, datastreams.value[0]!['@iot.id']);
      created++;
    }
    return created;
  }

  /** Start a scenario now (simulated time). */
  startScenario(name: ScenarioName, options: { durationMs?: number; originAssetId?: string } = {}): Scenario {
    const scenario = createScenario(name, this.options.sites, this.options.network, this.now(), { ...options, seed: this.scenarios.length * 7919 + 13 });
    this.scenarios.push(scenario);
    this.options.log?.(`scenario ${name} from ${scenario.originAssetId}`);
    return scenario;
  }

  /**
   * A storm over the whole city now: every drainage sensor into overflow at the next reading,
   * for `durationMs` (simulated). Returns the number of drainage sensors it hits.
   */
  burst(durationMs?: number): number {
    this.scenarios.push(createBurst(this.now(), durationMs));
    const hit = this.options.sites.filter((s) => s.property === 'drainage-level').length;
    this.options.log?.(`burst: ${hit} drainage sensors into overflow at once`);
    return hit;
  }

  /** Every sensor's reading at a simulated time. */
  readings(timeMs: number, step: number): { site: SensorSite; value: number }[] {
    this.scheduleCycle(timeMs);
    return this.options.sites.map((site) => {
      let value = baseline(site, timeMs, step);
      for (const scenario of this.scenarios) value = scenario.apply(site, value, timeMs);
      return { site, value: round(site, value) };
    });
  }

  private scheduleCycle(timeMs: number): void {
    if (!this.options.cycle) return;
    const cycleMs = (this.options.cycleMinutes ?? 40) * 60_000;
    const elapsed = timeMs - this.startedSimulatedMs;
    const cycle = Math.floor(elapsed / cycleMs);
    for (const name of SCENARIO_NAMES) {
      const due = this.startedSimulatedMs + cycle * cycleMs + CYCLE_OFFSETS_MINUTES[name] * 60_000 * (cycleMs / (40 * 60_000));
      if (timeMs >= due && !this.scenarios.some((s) => s.name === name && s.startMs >= due)) {
        this.scenarios.push(createScenario(name, this.options.sites, this.options.network, due, { seed: cycle * 31 + name.length }));
        this.options.log?.(`scenario ${name} (cycle ${cycle + 1})`);
      }
    }
    // Forget scenarios long over.
    for (let i = this.scenarios.length - 1; i >= 0; i--) if (timeMs - this.scenarios[i]!.startMs > 3 * cycleMs) this.scenarios.splice(i, 1);
  }

  /** Post one round of readings. */
  async tick(): Promise<void> {
    if (this.sending) return; // never pile up requests behind a slow server
    this.sending = true;
    try {
      const timeMs = this.now();
      const phenomenonTime = new Date(timeMs).toISOString();
      const readings: Reading[] = this.readings(timeMs, this.step++)
        .filter(({ site }) => this.datastreams.has(site.key))
        .map(({ site, value }) => ({ datastreamId: this.datastreams.get(site.key)!, phenomenonTime, result: value }));
      if (readings.length) await (this.options.send ?? ((r) => this.postBatch(r)))(readings);
      this.stats.posted += readings.length;
    } catch (error) {
      this.stats.failedBatches++;
      this.options.log?.(`simulator: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.sending = false;
    }
  }

  private async postBatch(readings: Reading[]): Promise<void> {
    for (let i = 0; i < readings.length; i += READINGS_PER_REQUEST) {
      const body = readings.slice(i, i + READINGS_PER_REQUEST).map((r) => ({ Datastream: { '@iot.id': r.datastreamId }, components: ['phenomenonTime', 'result'], dataArray: [[r.phenomenonTime, r.result]] }));
      await this.request('CreateObservations', { method: 'POST', body });
    }
  }

  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.intervalMilliseconds ?? 10_000);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
