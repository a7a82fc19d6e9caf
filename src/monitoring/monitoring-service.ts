/**
 * Connects the viewer to a monitoring API: the initial state over REST, then the live stream,
 * into the store. The stream is opened first and its updates held until the REST state is in,
 * so nothing that happens during the load is missed; updates older than the loaded state are
 * dropped by the store. A `reset` from the server (too far behind) reloads the state.
 *
 * At city scale the sensors come in the server's compact form (`SensorIndex`), and the stream is
 * told what the map shows (the store's `sensorView`) and which sensor is open: it sends values for
 * those, and states (alarm, normal, still reporting) everywhere else, and every incident.
 */
import type { AppStore } from '../store/index.ts';
import { SensorThingsClient } from './rest-client.ts';
import { StreamClient, type StreamClientView } from './stream-client.ts';
import type { StreamUpdate } from './types.ts';
import { errorText } from '../domain/error-text.ts';

export interface MonitoringServiceOptions {
  /** SensorThings base URL (e.g. https://host/v1.1). */
  baseUrl: string;
  store: AppStore;
  /** Key for servers whose reads need one. */
  readKey?: string;
}

export class MonitoringService {
  readonly client: SensorThingsClient;
  private stream: StreamClient | undefined;
  private held: StreamUpdate[] | undefined = [];
  private destroyed = false;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: MonitoringServiceOptions) {
    this.client = new SensorThingsClient(options.baseUrl.replace(/\/$/, ''));
  }

  async start(): Promise<void> {
    const { store } = this.options;
    store.getState().setConnection('connecting');
    this.stream = new StreamClient({
      url: `${this.client.baseUrl}/Stream`,
      apiKey: this.options.readKey,
      view: this.view(),
      onUpdate: (update) => {
        if (this.held) this.held.push(update);
        else this.apply(update);
      },
      onReset: () => void this.load(),
      // A case made or moved on at another desk, on any server process: read again where it is shown.
      onChange: (change) => {
        if (change.kind === 'case') store.getState().noteCaseChange(change.id);
        else if (change.kind === 'lifecycle') store.getState().noteLifecycleChange(change.id);
      },
      onState: (state, detail) => {
        // "live" only once the initial state is loaded too.
        if (state === 'live' && this.held) return;
        store.getState().setConnection(state, detail);
      },
    });
    this.unsubscribe = store.subscribe((state, previous) => {
      if (state.sensorView !== previous.sensorView || state.selectedSensorId !== previous.selectedSensorId) this.stream?.setView(this.view());
    });
    this.stream.start();
    await this.load();
  }

  /** What the stream should send values for: the map's view and the sensor open in its panel. Undefined until the map has a view: everything. */
  private view(): StreamClientView | undefined {
    const { sensorView, selectedSensorId } = this.options.store.getState();
    if (!sensorView) return undefined;
    return { bbox: sensorView, watch: selectedSensorId === undefined ? [] : [selectedSensorId] };
  }

  /** Whether the stream's server has the view the map shows now (for tests and automation). */
  viewInEffect(): boolean {
    return this.stream?.viewInEffect ?? false;
  }

  private apply(update: StreamUpdate): void {
    const state = this.options.store.getState();
    state.applyObservations(update.observations);
    if (update.states?.length) state.applyStates(update.states);
    state.upsertIncidents(update.incidents);
  }

  private async load(): Promise<void> {
    const store = this.options.store;
    this.held ??= [];
    for (let attempt = 0; !this.destroyed; attempt++) {
      try {
        const incidentsAvailable = await this.client.hasIncidents();
        const [{ sensors }, incidents] = await Promise.all([this.client.loadSensorIndex(), incidentsAvailable ? this.client.loadIncidents() : Promise.resolve([])]);
        if (this.destroyed) return;
        const state = store.getState();
        state.setIncidentsAvailable(incidentsAvailable);
        state.replaceSensors(sensors);
        state.replaceIncidents(incidents);
        const held = this.held ?? [];
        this.held = undefined;
        for (const update of held) this.apply(update);
        if (this.stream?.state === 'live') state.setConnection('live', { lastMessageAt: Date.now() });
        return;
      } catch (error) {
        store.getState().setConnection('stale', { error: errorText(error) });
        await new Promise((resolve) => setTimeout(resolve, Math.min(15_000, 1000 * 2 ** attempt)));
      }
    }
  }

  destroy(): void {
    this.destroyed = true;
    this.unsubscribe?.();
    this.stream?.stop();
  }
}
