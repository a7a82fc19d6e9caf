/**
 * The MQTT binding of SensorThings API 1.1 (OGC 18-088 §14, "SensorThings MQTT Extension"),
 * through an existing broker (Mosquitto, EMQX, …): the server is one client of it.
 *
 * Notifications: after each committed write, the new entity is published, as a GET of it
 * returns it (`@iot.id`, `@iot.selfLink`, navigation links), on the topics clients subscribe to:
 *  - `v1.1/Observations` and `v1.1/Datastreams(<id>)/Observations`: every new observation;
 *  - `v1.1/Incidents`: every new incident; `v1.1/Incidents(<id>)`: every change of one
 *    (level, alarm, status, log entry), with its transitions (the Incidents extension).
 * QoS 0 by default, not queued while the broker is away: the stream (SSE, resumable) and the
 * REST API stay the lossless paths, MQTT is the fan-out to many subscribers.
 *
 * Creates (off by default): an Observation published to `v1.1/Observations` or
 * `v1.1/Datastreams(<id>)/Observations` is checked exactly as a POST is and stored; one that is
 * not valid is stored nowhere, and the reason is published on the rejection topic
 * (`cim-twin/v1.1/rejected` by default) with the topic it came on. The server subscribes with
 * MQTT 5 "no local", so its own notifications on the same topics never come back as creates;
 * a message that carries `@iot.selfLink` is another server's notification and is ignored.
 * A create is acknowledged once checked and queued, and stored in batches; past
 * `maximumPendingCreates` unstored the acknowledgement waits (backpressure). A crash loses the
 * acknowledged creates not yet stored (at most that bound). The connection asks the broker for a
 * window of 65,535 unacknowledged creates (Receive Maximum; Mosquitto's own default is 20).
 * The broker must queue the rest while the store is behind: what a broker has for the server past
 * that window goes in its per-client queue, which Mosquitto bounds at 1,000 messages by default
 * (max_queued_messages) and past which it drops QoS 1 messages it has already acknowledged to the
 * sensors (issue 17: 168,955 of 234,000 stored at full speed on PostgreSQL). A deployment taking
 * creates sets that queue for its longest burst: scripts/mosquitto-ingest.conf (max_queued_messages
 * 1,000,000, about 350 MB of broker memory when full); `npm run bench` (sensors-ingest) runs a
 * Mosquitto configured so.
 * The broker decides who may publish there (no API key travels over MQTT): enable creates
 * only behind a broker whose ACL limits publishing on those topics to the sensors' accounts.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { BadRequestError, type NewObservation, type WriteResult } from './database.ts';
import { StoreUnavailableError, type MonitoringStore } from './store.ts';
import { describeIssues, observationOf, observationSchema } from './payloads.ts';
import type { StreamHub } from './stream.ts';
import { parseBoundedJson } from '../json-body.ts';

export interface MqttOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 (mqtts:// and ws:// work too). */
  url: string;
  username?: string;
  password?: string;
  /** Default: cim-twin-<random>. */
  clientId?: string;
  /** What every topic starts with: the API version. Default 'v1.1' (a deployment may put levels before it). */
  topicPrefix?: string;
  /** Accept Observations published to the create topics. Default false. */
  acceptCreates?: boolean;
  /** Where rejected creates are reported. Default 'cim-twin/<topicPrefix>/rejected'. */
  rejectionTopic?: string;
  /** QoS of notifications. Default 0. */
  qos?: 0 | 1;
  /** Largest create payload, bytes. Default 64 KiB. */
  maximumPayloadBytes?: number;
  /**
   * Observations waiting to be published, at most (default 20,000): past it the oldest waiting
   * observations are dropped (counted in `stats.dropped`), never an incident. Notifications are best
   * effort (QoS 0 by default); the stream is the channel that loses nothing.
   */
  maximumPendingNotifications?: number;
  /**
   * Creates taken from the broker and not yet stored, at most (default 50,000): past it the next
   * message is acknowledged only once a batch is stored (backpressure to the broker).
   */
  maximumPendingCreates?: number;
  /**
   * With creates on, the MQTT 5 Receive Maximum the server asks of the broker: how many QoS 1
   * creates it may have sent and not yet had acknowledged (default 65,535, the most MQTT allows).
   * Without it Mosquitto sends 20 at a time (its max_inflight_messages) and holds the rest in its
   * per-client queue, which drops past 1,000 (max_queued_messages): the broker's queue must be set
   * too (scripts/mosquitto-ingest.conf): with the window alone 28 % (PostgreSQL) to 47 % (SQLite) of
   * the creates were lost at full speed.
   */
  receiveMaximum?: number;
}

export interface MqttBindingContext {
  store: MonitoringStore;
  hub: StreamHub;
  /** The server's public base URL with its version path (…/v1.1), for `@iot.selfLink`. */
  publicUrl: string;
  log?: (message: string) => void;
  /** How far ahead of the server's clock an observation's time may be. Default 10 min. */
  maximumFutureSkewMilliseconds?: number;
}

export interface MqttBindingStats {
  published: number;
  created: number;
  rejected: number;
  /** Observation notifications dropped because more were waiting than `maximumPendingNotifications`. */
  dropped: number;
  /** Store writes of MQTT creates (batches). */
  batches: number;
  /** Times a create's acknowledgement waited for a batch to be stored (pending creates at the bound). */
  heldBack: number;
}

/** Rows of one store write of MQTT creates, at most. */
const MAXIMUM_BATCH = 5_000;
/** Store writes of MQTT creates running at once, at most (PostgreSQL; SQLite's are synchronous). */
const FLUSH_CONCURRENCY = 4;
/** Observations of one write read back for their notifications in one read, at most. */
const NOTIFY_CHUNK = 500;

const DATASTREAM_SEGMENT = /^Datastreams\((\d+)\)$/;

export class MqttBinding {
  readonly stats: MqttBindingStats = { published: 0, created: 0, rejected: 0, dropped: 0, batches: 0, heldBack: 0 };
  /**
   * Writes whose notifications wait, oldest first, published one write at a time, each publish
   * waiting for the socket (backpressure): a burst faster than the broker takes it no longer grows
   * memory without bound (a 20-s burst at 85,000 sensors took the server from 253 MB to 2.1 GB
   * when every write's notifications ran at once, each holding its write's observations).
   */
  private readonly pending: WriteResult[] = [];
  private pendingObservations = 0;
  private draining = false;
  private readonly maximumPending: number;
  private readonly client: MqttClient;
  private readonly prefix: string;
  private readonly rejectionTopic: string;
  private readonly qos: 0 | 1;
  private readonly maximumPayloadBytes: number;
  private readonly maximumPendingCreates: number;
  private readonly stopListening: () => void;
  private readonly connected: Promise<void>;

  /** Whether the broker connection is up now (readiness: /readyz). */
  get isConnected(): boolean {
    return this.client.connected;
  }

  constructor(
    private readonly options: MqttOptions,
    private readonly context: MqttBindingContext,
  ) {
    this.prefix = options.topicPrefix ?? 'v1.1';
    this.rejectionTopic = options.rejectionTopic ?? `cim-twin/${this.prefix}/rejected`;
    this.qos = options.qos ?? 0;
    this.maximumPayloadBytes = options.maximumPayloadBytes ?? 64 * 1024;
    this.maximumPending = options.maximumPendingNotifications ?? 20_000;
    this.maximumPendingCreates = options.maximumPendingCreates ?? 50_000;
    const clientOptions: IClientOptions = {
      protocolVersion: 5,
      clientId: options.clientId ?? `cim-twin-${Math.random().toString(16).slice(2, 10)}`,
      username: options.username,
      password: options.password,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      // Notifications are best effort while the broker is away: never an unbounded queue.
      queueQoSZero: false,
      // The broker's window of unacknowledged creates to this client (see `receiveMaximum`).
      ...(options.acceptCreates ? { properties: { receiveMaximum: options.receiveMaximum ?? 65_535 } } : {}),
    };
    this.client = connect(options.url, clientOptions);
    this.connected = new Promise((resolve) => this.client.once('connect', () => resolve()));
    this.client.on('connect', () => void this.subscribe());
    this.client.on('error', (error) => this.log(`mqtt ${options.url}: ${error.message}`));
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
    // mqtt.js acknowledges a QoS 1 message (PUBACK) and reads the next one once this calls back,
    // strictly one message after the other; 'message' above has just checked and queued it. Past
    // `maximumPendingCreates` the acknowledgement waits for a stored batch: the broker then holds
    // the rest (backpressure).
    this.client.handleMessage = (_packet, callback) => {
      if (this.held) void this.held.promise.then(() => callback());
      else callback();
    };
    this.stopListening = context.hub.onPublish((result) => this.enqueue(result));
  }

  /** Resolves once connected and, with creates on, subscribed. */
  async ready(): Promise<void> {
    await this.connected;
    if (this.options.acceptCreates) await this.subscribed;
  }

  private subscribed: Promise<void> = Promise.resolve();

  private subscribe(): Promise<void> {
    if (!this.options.acceptCreates) return Promise.resolve();
    // `Datastreams(+)` is no valid filter (a wildcard fills a whole level): take every
    // `<set>/Observations` and keep the Datastreams(<id>) ones.
    this.subscribed = this.client
      .subscribeAsync([`${this.prefix}/Observations`, `${this.prefix}/+/Observations`], { qos: 1, nl: true })
      .then(() => undefined)
      .catch((error: unknown) => this.log(`mqtt: subscribe failed: ${error instanceof Error ? error.message : String(error)}`));
    return this.subscribed;
  }

  private log(message: string): void {
    (this.context.log ?? ((m: string) => console.warn(m)))(message);
  }

  /** Publish (a string is sent as it is); resolves once the packet is handed to the socket (after a drain if it was full). */
  private publish(topic: string, body: unknown): Promise<void> {
    if (!this.client.connected) return Promise.resolve();
    this.stats.published++;
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve) => this.client.publish(topic, payload, { qos: this.qos }, () => resolve()));
  }

  /** Observation notifications waiting now (for tests and /healthz-style checks). */
  get pendingNotifications(): number {
    return this.pendingObservations;
  }

  private enqueue(result: WriteResult): void {
    if (!this.client.connected || this.closing) return;
    // A copy whose observations are taken off the front as they are published (or dropped).
    this.pending.push({ observations: [...result.observations], incidents: result.incidents });
    this.pendingObservations += result.observations.length;
    // Over the bound: the oldest waiting observations go (incidents stay).
    for (const entry of this.pending) {
      const over = this.pendingObservations - this.maximumPending;
      if (over <= 0) break;
      const drop = Math.min(entry.observations.length, over);
      entry.observations.splice(0, drop);
      this.pendingObservations -= drop;
      this.stats.dropped += drop;
    }
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length && !this.closing) {
        await this.notify(this.pending[0]!).catch((error: unknown) => this.log(`mqtt notify: ${error instanceof Error ? error.message : String(error)}`));
        const done = this.pending.shift()!;
        this.pendingObservations -= done.observations.length;
      }
    } finally {
      this.draining = false;
    }
  }

  /** One write's notifications, its observations taken off the entry as they go. */
  private async notify(entry: WriteResult): Promise<void> {
    const { store, publicUrl } = this.context;
    while (entry.observations.length) {
      // Read back a chunk at a time (one read, each entity as a GET returns it), published one by one.
      const chunk = entry.observations.splice(0, NOTIFY_CHUNK);
      this.pendingObservations -= chunk.length;
      if (!this.client.connected) continue;
      const entities = await store.readEntities('Observations', chunk.map((o) => o.id), publicUrl);
      // The chunk's packets are handed to the socket in one go and waited for once, at the last:
      // mqtt-packet corks the socket until the next tick, so they leave in one write, not one per
      // observation (each of which, past the socket's 16 KiB buffer, waited for a 'drain': one
      // write and one wake-up of the broker per observation). The last one's callback comes once
      // the socket has drained (QoS 0) or the broker acknowledged it, and so every one before it
      // (QoS 1, acknowledged in order): a chunk (2 × NOTIFY_CHUNK packets) is what may wait in memory.
      const packets: [string, string][] = [];
      for (let i = 0; i < chunk.length; i++) {
        const entity = entities[i];
        if (!entity) continue;
        const text = JSON.stringify(entity);
        packets.push([`${this.prefix}/Observations`, text], [`${this.prefix}/Datastreams(${chunk[i]!.datastreamId})/Observations`, text]);
      }
      const last = packets.pop();
      if (!last || !this.client.connected) continue;
      for (const [topic, text] of packets) {
        this.stats.published++;
        this.client.publish(topic, text, { qos: this.qos });
      }
      await this.publish(last[0], last[1]);
    }
    if (!this.client.connected) return;
    for (const change of entry.incidents) {
      const entity = await store.readEntity('Incidents', change.incidentId, publicUrl);
      if (!entity) continue;
      entity.transitions = change.incident.transitions;
      if (change.incident.transitions.length === 1) await this.publish(`${this.prefix}/Incidents`, entity);
      await this.publish(`${this.prefix}/Incidents(${change.incidentId})`, entity);
    }
  }

  private reject(topic: string, message: string): void {
    this.stats.rejected++;
    this.publish(this.rejectionTopic, { topic, message, at: new Date().toISOString() });
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (this.closing) return;
    if (!topic.startsWith(`${this.prefix}/`)) return;
    const levels = topic.slice(this.prefix.length + 1).split('/');
    if (levels.at(-1) !== 'Observations' || levels.length > 2) return;
    let pathDatastreamId: number | undefined;
    if (levels.length === 2) {
      const match = DATASTREAM_SEGMENT.exec(levels[0]!);
      if (!match) return;
      pathDatastreamId = Number(match[1]);
    }
    if (payload.length > this.maximumPayloadBytes) return this.reject(topic, `payload of ${payload.length} bytes is over the limit of ${this.maximumPayloadBytes}`);
    let body: unknown;
    try {
      body = parseBoundedJson(payload.toString('utf8'));
    } catch (error) {
      return this.reject(topic, error instanceof SyntaxError ? 'payload is not JSON' : error instanceof Error ? error.message : 'payload is not JSON');
    }
    // Another server's notification on the shared topic, not a create.
    if (typeof body === 'object' && body !== null && '@iot.selfLink' in body) return;
    const parsed = observationSchema.safeParse(body);
    if (!parsed.success) return this.reject(topic, describeIssues(parsed.error));
    const observation = observationOf(parsed.data, pathDatastreamId, { now: Date.now(), maximumFutureSkewMilliseconds: this.context.maximumFutureSkewMilliseconds });
    if (typeof observation === 'string') return this.reject(topic, observation);
    return this.create(topic, observation);
  }

  /** Checked creates waiting for the next store write, oldest first. */
  private batch: { topic: string; observation: NewObservation }[] = [];
  /** Creates taken and not yet stored (waiting or being written). */
  private pendingCreates = 0;
  private flushScheduled = false;
  private flushesRunning = 0;
  /** Set while pending creates are at the bound: acknowledgements wait for it. */
  private held: { promise: Promise<void>; release: () => void } | undefined;

  /** Creates taken from the broker and not yet stored (for tests). */
  get pendingCreateCount(): number {
    return this.pendingCreates;
  }

  /**
   * Queue one checked observation. Creates are stored in batches (CreateObservations rows, each
   * stored or refused on its own, a refusal published on the rejection topic): what arrived while
   * the previous batch was written goes in the next, up to MAXIMUM_BATCH rows a write.
   */
  private create(topic: string, observation: NewObservation): void {
    this.batch.push({ topic, observation });
    this.pendingCreates++;
    if (this.pendingCreates >= this.maximumPendingCreates && !this.held) {
      let release!: () => void;
      const promise = new Promise<void>((resolve) => (release = resolve));
      this.held = { promise, release };
      this.stats.heldBack++;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After the messages that came in the same read of the socket.
      setImmediate(() => {
        this.flushScheduled = false;
        this.startFlushes();
      });
    }
  }

  private startFlushes(): void {
    while (this.batch.length && this.flushesRunning < FLUSH_CONCURRENCY) {
      const taken = this.batch.splice(0, MAXIMUM_BATCH);
      this.flushesRunning++;
      void this.flush(taken).finally(() => {
        this.flushesRunning--;
        this.pendingCreates -= taken.length;
        if (this.held && this.pendingCreates < this.maximumPendingCreates) {
          this.held.release();
          this.held = undefined;
        }
        this.startFlushes();
      });
    }
  }

  private async flush(batch: { topic: string; observation: NewObservation }[]): Promise<void> {
    this.stats.batches++;
    try {
      const { outcomes } = await this.context.store.insertObservationRows(batch.map((b) => b.observation));
      outcomes.forEach((outcome, i) => {
        if ('id' in outcome) this.stats.created++;
        else this.reject(batch[i]!.topic, outcome.error);
      });
    } catch (error) {
      const message = error instanceof BadRequestError ? error.message : error instanceof StoreUnavailableError ? `not stored: ${error.message}` : 'internal error';
      if (!(error instanceof BadRequestError)) this.log(`mqtt create of ${batch.length}: ${error instanceof Error ? error.message : String(error)}`);
      for (const b of batch) this.reject(b.topic, message);
    }
  }

  private closing: Promise<void> | undefined;

  /** Stop publishing and leave the broker (once; later calls wait for the same). */
  close(): Promise<void> {
    this.stopListening();
    this.closing ??= this.client.endAsync();
    return this.closing;
  }
}
