/**
 * The live push: Server-Sent Events of new observations and incident changes. Each message's
 * `id:` is a cursor "<last observation id>.<last incident event id>"; a client that reconnects
 * with `Last-Event-ID` (header, or `lastEventId` in the query for EventSource-less clients) is
 * first sent what it missed from the database, then the live messages. So a server restart or a
 * dropped connection loses nothing, and nothing is sent twice.
 *
 * Bounds, so no client can make the server hold more than a little for it:
 *  - A replay is paced: one chunk of observations is read and written, and the next only once
 *    the socket has taken it. So a replay buffers at most about one chunk per client.
 *  - A replay is bounded by count. A client further behind than that is sent a `reset` event
 *    naming the REST queries that page through what it missed (observations by id, incidents by
 *    time) and the cursor it continues from; then it gets the live messages.
 *  - A client that does not read is dropped, replay or not: when its unsent output passes a
 *    limit, or when its socket has not drained for a while. It resumes from its cursor on
 *    reconnect like any other client. "Not drained" means a write was refused (the response's
 *    `write` returned false) and no `drain` followed: Node corks a response's socket until the
 *    next tick, so right after any write some output is always held, and only a refused write is
 *    ever followed by `drain`. A client sent little (a narrow view) is never refused a write.
 *
 * At city scale (85,000 sensors) a viewer shows a district: a client may set a view (query
 * `view`/`watch`, or POST …/Stream/View with the id of its hello event). It is then sent values
 * only inside the view and for the datastreams it watches; elsewhere only each state change,
 * and every `stateRefreshMilliseconds` that a sensor still reports (as compact `states`); every
 * incident always. A replay sends, out of the view, each datastream's newest state in a chunk.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StoredObservation, WriteResult } from './database.ts';
import type { MonitoringStore } from './store.ts';
import type { IncidentChange } from './incident-engine.ts';
import type { StreamChange, StreamObservation, StreamStateChange, StreamUpdate } from '../../domain/monitoring/api.ts';
import type { SensorState } from '../../domain/monitoring/warning.ts';

/**
 * What a viewer shows: the values of the sensors in its view and of those open in a panel. A
 * client with a view is sent every incident and every state change (and, now and then, that a
 * sensor out of view is still reporting: `states`), but values only for these.
 */
export interface StreamView {
  /** [minLon, minLat, maxLon, maxLat] degrees; none: values for the watched datastreams only. */
  bbox?: [number, number, number, number];
  /** Datastream ids whose values are wanted wherever they are. */
  watch: Set<number>;
}

export interface StreamFilter {
  /** [minLon, minLat, maxLon, maxLat] degrees. */
  bbox?: [number, number, number, number];
  /** Observed-property names and incident types to keep. */
  types?: Set<string>;
  /** Values only in this view (query `view=minLon,minLat,maxLon,maxLat` or `view=none`, `watch=id,id`; POST …/Stream/View to move it). */
  view?: StreamView;
}

/** Parse a stream request's `view` and `watch` query parameters: the view, none, or what is wrong. */
export function parseView(query: { view?: unknown; watch?: unknown }): StreamView | undefined | string {
  if (query.view === undefined && query.watch === undefined) return undefined;
  const watchText = typeof query.watch === 'string' ? query.watch : '';
  const watch = watchText ? watchText.split(',').map(Number) : [];
  if (watch.length > 1000 || watch.some((id) => !Number.isSafeInteger(id) || id <= 0)) return 'watch must be up to 1,000 datastream ids, comma-separated';
  if (query.view === undefined || query.view === 'none') return { watch: new Set(watch) };
  const bbox = typeof query.view === 'string' ? query.view.split(',').map(Number) : [];
  if (bbox.length !== 4 || bbox.some((n) => !Number.isFinite(n)) || bbox[0]! > bbox[2]! || bbox[1]! > bbox[3]!) return 'view must be minLon,minLat,maxLon,maxLat (or none)';
  return { bbox: bbox as [number, number, number, number], watch: new Set(watch) };
}

function inView(view: StreamView, o: { datastreamId: number; lonDegrees?: number; latDegrees?: number }): boolean {
  return view.watch.has(o.datastreamId) || (view.bbox !== undefined && inside({ bbox: view.bbox }, o.lonDegrees, o.latDegrees));
}

const stateChange = (o: StoredObservation): StreamStateChange => [o.id, o.datastreamId, o.phenomenonTimeMs, o.state === 'normal' ? 0 : o.state];

/** What the hub last knew of a datastream: its newest reading's state and time, and when it last went out as a state. */
interface KnownState {
  state: SensorState;
  timeMs: number;
  sentMs: number;
}

function toWire(observations: StoredObservation[]): StreamObservation[] {
  return observations.map(({ phenomenonTimeMs, ...rest }) => ({ ...rest, phenomenonTime: new Date(phenomenonTimeMs).toISOString() }));
}

interface Client {
  reply: FastifyReply;
  filter: StreamFilter;
  key: string;
  /** The id a client names its stream by to move its view (in the hello event). */
  id: string;
  /** Since when its socket has refused a write without draining (epoch ms), or undefined when drained. */
  pendingSince?: number;
  closed: boolean;
  /** While replaying: the writes published meanwhile, sent on joining past what the replay read. */
  missed?: WriteResult[];
  /** …/v1.1, for the REST queries of a reset. */
  baseUrl: string;
}

export interface StreamOptions {
  /** Drop a client whose unsent output passes this, replay or not. Default 4 MiB. */
  maximumBufferedBytes?: number;
  /** Drop a client whose socket has held unsent output this long. Default 10 s. */
  stallMilliseconds?: number;
  /** Observations one reconnect may replay; a client further behind is sent a reset. Default 20,000. */
  maximumReplay?: number;
  /** Incident changes one reconnect may replay (and ten times as many incident events). Default 2,000. */
  maximumIncidentReplay?: number;
  /** Observations per replay message. Default 1,000. */
  replayChunk?: number;
  /** PostgreSQL (the cluster's feed, cluster/stream-feed.ts): observations per read of other writes. Default 10,000. */
  feedChunkSize?: number;
  /** PostgreSQL: more observations than this committed at once (a bulk load) are not streamed; the clients get a reset. Default 100,000. */
  maximumFeedGap?: number;
  /** Clients at once; one more gets a 503. Default 1,000. */
  maximumClients?: number;
  /** Comment lines keep proxies from closing an idle stream. Default 15 s. */
  heartbeatMilliseconds?: number;
  /**
   * A sensor out of a client's view whose state stays the same is still sent as a state this
   * often (phenomenon time), so the viewer counts it online (its window is 15 min). The viewer's
   * time of such a sensor lags its last reading by up to this much, so one that falls silent may
   * show offline as much earlier. Default 5 min: a fifth of the readings of a sensor reporting each minute.
   */
  stateRefreshMilliseconds?: number;
}

export function parseCursor(text: string | undefined): { observation: number; incidentEvent: number } | undefined {
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(text ?? '');
  return match ? { observation: Number(match[1]), incidentEvent: Number(match[2]) } : undefined;
}

function inside(filter: StreamFilter, lon: number | undefined, lat: number | undefined): boolean {
  if (!filter.bbox) return true;
  if (lon === undefined || lat === undefined) return false;
  const [minLon, minLat, maxLon, maxLat] = filter.bbox;
  return lon >= minLon && lon <= maxLon && lat >= minLat && lat <= maxLat;
}

const polygonOf = ([west, south, east, north]: [number, number, number, number]) => `geography'POLYGON((${west} ${south}, ${east} ${south}, ${east} ${north}, ${west} ${north}, ${west} ${south}))'`;
const anyOf = (terms: string[]) => (terms.length === 1 ? terms[0]! : `(${terms.join(' or ')})`);

/**
 * The `$filter` terms (beside the id range) of a reset's REST query for a client's share of the
 * observations: inside its bbox, or inside its view or of a datastream it watches, and of its
 * types. '' for every observation; null when it is sent no values at all (a view of nothing).
 */
export function resumeFilter(filter: StreamFilter): string | null {
  const terms: string[] = [];
  if (filter.bbox) terms.push(`st_within(FeatureOfInterest/feature, ${polygonOf(filter.bbox)})`);
  if (filter.view) {
    const either = [...(filter.view.bbox ? [`st_within(FeatureOfInterest/feature, ${polygonOf(filter.view.bbox)})`] : []), ...[...filter.view.watch].map((id) => `Datastream/id eq ${id}`)];
    if (!either.length) return null;
    terms.push(anyOf(either));
  }
  if (filter.types?.size) terms.push(anyOf([...filter.types].map((type) => `Datastream/ObservedProperty/name eq '${type.replaceAll("'", "''")}'`)));
  return terms.join(' and ');
}

export function filterMessage(filter: StreamFilter, message: StreamUpdate): StreamUpdate {
  if (!filter.bbox && !filter.types) return message;
  return {
    observations: message.observations.filter((o) => (!filter.types || filter.types.has(o.observedProperty)) && inside(filter, o.lonDegrees, o.latDegrees)),
    incidents: message.incidents.filter((i) => (!filter.types || filter.types.has(i.type)) && inside(filter, i.location.coordinates[0], i.location.coordinates[1])),
  };
}

function newestPerDatastream(observations: StoredObservation[]): Set<StoredObservation> {
  const newest = new Map<number, StoredObservation>();
  for (const o of observations) {
    const seen = newest.get(o.datastreamId);
    if (!seen || o.phenomenonTimeMs >= seen.phenomenonTimeMs) newest.set(o.datastreamId, o);
  }
  return new Set(newest.values());
}

/** What a `reset` event carries: why, and where to page through what the stream will not replay. */
export interface StreamReset {
  reason: string;
  /** The stream continues from here. */
  cursor: string;
  /** REST queries (follow their @iot.nextLink) for what was missed: the observations this client would have been sent as values (none for a view of nothing), and the incidents. */
  resume: { observations?: string; incidents?: string };
}

type StateSource = Iterable<{ datastreamId: number; state: SensorState; timeMs?: number }> | Promise<Iterable<{ datastreamId: number; state: SensorState; timeMs?: number }>>;

export class StreamHub {
  private readonly clients = new Set<Client>();
  private cursor: { observation: number; incidentEvent: number };
  private readonly heartbeat: NodeJS.Timeout;
  private readonly sweep: NodeJS.Timeout;
  private readonly maximumBufferedBytes: number;
  private readonly stallMilliseconds: number;
  private readonly maximumReplay: number;
  private readonly maximumIncidentReplay: number;
  private readonly replayChunk: number;
  private readonly maximumClients: number;
  /** Clients replaying now (not yet in `clients`). */
  private readonly replaying = new Set<Client>();
  /** Clients dropped for being too slow (or not reading), since start. */
  droppedSlowClients = 0;
  /** Replays refused as too long (a reset sent instead), since start. */
  resets = 0;
  private readonly listeners = new Set<(result: WriteResult) => void>();
  private readonly stateRefreshMilliseconds: number;
  /** Per datastream, once a client has set a view (read from the database then, kept up to date after). */
  private known: Map<number, KnownState> | undefined;
  /** Where the states come from when first needed; default a read of the database. */
  private stateSource: () => StateSource = () => this.store.latestSensors();

  /** `cursor`: the newest observation and incident event stored when the hub starts. */
  constructor(private readonly store: MonitoringStore, cursor: { observation: number; incidentEvent: number }, options: StreamOptions = {}) {
    this.maximumBufferedBytes = options.maximumBufferedBytes ?? 4 * 1024 * 1024;
    this.stallMilliseconds = options.stallMilliseconds ?? 10_000;
    this.maximumReplay = options.maximumReplay ?? 20_000;
    this.maximumIncidentReplay = options.maximumIncidentReplay ?? 2_000;
    this.replayChunk = Math.max(1, Math.min(options.replayChunk ?? 1_000, this.maximumReplay));
    this.maximumClients = options.maximumClients ?? 1_000;
    this.stateRefreshMilliseconds = options.stateRefreshMilliseconds ?? 300_000;
    this.cursor = { ...cursor };
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) this.write(client, ': ping\n\n');
    }, options.heartbeatMilliseconds ?? 15_000);
    this.heartbeat.unref();
    this.sweep = setInterval(() => this.dropStalled(), Math.max(50, Math.min(1_000, this.stallMilliseconds / 4)));
    this.sweep.unref();
  }

  /** Hand every committed write to a listener too (the MQTT binding); returns the function that stops it. */
  onPublish(listener: (result: WriteResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Clients connected: live ones and those still replaying. */
  get clientCount(): number {
    return this.clients.size + this.replaying.size;
  }

  private cursorText(): string {
    return `${this.cursor.observation}.${this.cursor.incidentEvent}`;
  }

  private drop(client: Client): void {
    if (client.closed) return;
    client.closed = true;
    this.droppedSlowClients++;
    this.clients.delete(client);
    this.replaying.delete(client);
    client.reply.raw.destroy();
  }

  private dropStalled(): void {
    const now = Date.now();
    for (const set of [this.clients, this.replaying]) {
      for (const client of set) {
        if (client.pendingSince === undefined) continue;
        // Its `drain` clears this; so does a socket that no longer needs one.
        if (!client.reply.raw.writableNeedDrain) client.pendingSince = undefined;
        else if (now - client.pendingSince > this.stallMilliseconds) this.drop(client);
      }
    }
  }

  /** Write without waiting; note when the socket starts holding output, and drop a client past the limit. */
  private send(client: Client, text: string): boolean {
    const socket = client.reply.raw;
    if (client.closed || socket.destroyed || socket.writableEnded) {
      client.closed = true;
      this.clients.delete(client);
      this.replaying.delete(client);
      return false;
    }
    if (socket.writableLength > this.maximumBufferedBytes) {
      this.drop(client);
      return false;
    }
    // Not `writableLength > 0`: the socket is corked until the next tick, so that holds after every
    // write, and a `drain` comes only after a refused write: a client sent little was dropped as stalled.
    if (!socket.write(text) && client.pendingSince === undefined) {
      client.pendingSince = Date.now();
      socket.once('drain', () => (client.pendingSince = undefined));
    }
    return true;
  }

  private write(client: Client, text: string): void {
    this.send(client, text);
  }

  private static format(id: string, event: string, data: unknown): string {
    return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  }

  /** The newest observation and incident event sent (the cursor of the next message). */
  get position(): { observation: number; incidentEvent: number } {
    return { ...this.cursor };
  }

  /** Send a committed write to every client whose filter it passes, and to the listeners (MQTT). Call after the transaction commits. */
  publish(result: WriteResult): void {
    if (result.observations.length === 0 && result.incidents.length === 0) return;
    this.notifyListeners(result);
    this.deliver(result);
  }

  /** Tell every live client that a case or lifecycle record changed (a `change` event, outside the cursor). */
  announce(change: StreamChange): void {
    const text = `event: change\ndata: ${JSON.stringify(change)}\n\n`;
    for (const client of this.clients) this.write(client, text);
  }

  /** Hand a committed write of this process to the listeners only (a cluster: the feed delivers it to the clients, cluster/stream-feed.ts). */
  notifyListeners(result: WriteResult): void {
    for (const listener of this.listeners) listener(result);
  }

  /**
   * Send a committed write to every client whose filter it passes, without the listeners: a
   * cluster's feed calls this with every process's writes, in commit order, each once.
   */
  deliver(result: WriteResult): void {
    if (result.observations.length === 0 && result.incidents.length === 0) return;
    const lastObservation = result.observations.at(-1);
    if (lastObservation) this.cursor.observation = Math.max(this.cursor.observation, lastObservation.id);
    for (const change of result.incidents) this.cursor.incidentEvent = Math.max(this.cursor.incidentEvent, change.eventId);
    for (const client of this.replaying) client.missed?.push(result);
    // Which readings go to view clients as states: state changes, and the refreshes due.
    const asStates = this.track(result.observations);
    if (this.clients.size === 0) return;
    const wire = toWire(result.observations);
    const message: StreamUpdate = { observations: wire, incidents: result.incidents.map((c) => c.incident) };
    const id = this.cursorText();
    // Clients with the same filter share one serialisation.
    const formatted = new Map<string, string | null>();
    for (const client of this.clients) {
      let text = formatted.get(client.key);
      if (text === undefined) {
        const filtered = client.filter.view ? this.viewMessage(client.filter, wire, result.observations, asStates, message.incidents) : filterMessage(client.filter, message);
        text = filtered.observations.length || filtered.incidents.length || filtered.states?.length ? StreamHub.format(id, 'update', filtered) : null;
        formatted.set(client.key, text);
      }
      if (text) this.write(client, text);
    }
  }

  /** A view client's share of a write: values in its view, states of the rest that are due, every incident. */
  private viewMessage(filter: StreamFilter, wire: StreamObservation[], stored: StoredObservation[], asStates: Set<StoredObservation> | undefined, incidents: StreamUpdate['incidents']): StreamUpdate {
    const view = filter.view!;
    const passes = (o: { observedProperty: string; lonDegrees?: number; latDegrees?: number }) => (!filter.types || filter.types.has(o.observedProperty)) && inside(filter, o.lonDegrees, o.latDegrees);
    const observations: StreamObservation[] = [];
    const states: StreamStateChange[] = [];
    for (let i = 0; i < stored.length; i++) {
      const o = stored[i]!;
      if (!passes(o)) continue;
      if (inView(view, o)) observations.push(wire[i]!);
      else if (!asStates || asStates.has(o)) states.push(stateChange(o));
    }
    return { observations, incidents: filterMessage(filter, { observations: [], incidents }).incidents, states };
  }

  /**
   * Note each reading's state; return the ones a view client must get although out of its view
   * (undefined: all of them, before anything is known). An older reading arriving late changes nothing.
   */
  private track(observations: StoredObservation[]): Set<StoredObservation> | undefined {
    const known = this.known ?? (this.knowing ? this.pendingKnown : undefined);
    if (!known) return undefined;
    const due = new Set<StoredObservation>();
    for (const o of observations) {
      const entry = known.get(o.datastreamId);
      if (!entry) {
        known.set(o.datastreamId, { state: o.state, timeMs: o.phenomenonTimeMs, sentMs: o.phenomenonTimeMs });
        due.add(o);
        continue;
      }
      if (o.phenomenonTimeMs < entry.timeMs) continue;
      if (o.state !== entry.state || o.phenomenonTimeMs - entry.sentMs >= this.stateRefreshMilliseconds) {
        due.add(o);
        entry.sentMs = o.phenomenonTimeMs;
      }
      entry.state = o.state;
      entry.timeMs = o.phenomenonTimeMs;
    }
    return due;
  }

  /**
   * Read every datastream's state once (the first time a client sets a view); kept up to date by
   * `track` after. A source that answers at once (the sensor index, SQLite) is known in this same
   * step; until an asynchronous one answers, every reading goes out as a state.
   */
  private knowStates(): void {
    if (this.known || this.knowing) return;
    const apply = (sensors: Iterable<{ datastreamId: number; state: SensorState; timeMs?: number }>) => {
      const known = new Map<number, KnownState>();
      for (const sensor of sensors) {
        if (sensor.timeMs !== undefined) known.set(sensor.datastreamId, { state: sensor.state, timeMs: sensor.timeMs, sentMs: sensor.timeMs });
      }
      // Readings tracked while it was read are newer: keep them.
      for (const [id, state] of this.pendingKnown) known.set(id, state);
      this.pendingKnown.clear();
      this.known = known;
    };
    const source = this.stateSource();
    if (!(source instanceof Promise)) return apply(source);
    this.knowing = true;
    source.then(apply, () => {}).finally(() => (this.knowing = false));
  }

  private knowing = false;
  private readonly pendingKnown = new Map<number, KnownState>();

  /** Read the states, when first needed, from here (the sensor index, which holds them already). */
  setStateSource(source: () => StateSource): void {
    this.stateSource = source;
  }

  /** Move a connected stream's view (by the id its hello event gave). False: no such stream. */
  setView(streamId: string, view: StreamView): boolean {
    for (const set of [this.clients, this.replaying]) {
      for (const client of set) {
        if (client.id !== streamId || client.closed) continue;
        this.knowStates();
        client.filter = { ...client.filter, view };
        return true;
      }
    }
    return false;
  }

  /** Publish incident changes made outside an observation write (a person's action). */
  publishIncident(change: IncidentChange): void {
    this.publish({ observations: [], incidents: [change] });
  }

  /**
   * Take over a request as an event stream. `baseUrl` (…/v1.1) names the REST queries of a reset.
   * CORS headers are the ones the app's CORS policy put on the reply.
   */
  attach(request: FastifyRequest, reply: FastifyReply, filter: StreamFilter, lastEventId: string | undefined, baseUrl = ''): void {
    if (this.clientCount >= this.maximumClients) {
      void reply.status(503).header('Retry-After', '5').send({ code: 503, type: 'error', message: `${this.maximumClients} stream clients are connected, the limit: try again shortly` });
      return;
    }
    const view = parseView((request.query ?? {}) as { view?: unknown; watch?: unknown });
    if (typeof view === 'string') {
      void reply.status(400).send({ code: 400, type: 'error', message: view });
      return;
    }
    if (view) {
      this.knowStates();
      filter = { ...filter, view };
    }
    const headers: Record<string, string | number | string[]> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    raw.socket?.setNoDelay(true);
    const id = randomUUID();
    // A view is one client's own; clients without one share a serialisation by filter.
    const key = filter.view ? `view:${id}` : JSON.stringify([filter.bbox ?? null, filter.types ? [...filter.types].sort() : null]);
    const client: Client = { reply, filter, key, id, closed: false, baseUrl };
    const forget = () => {
      client.closed = true;
      this.clients.delete(client);
      this.replaying.delete(client);
    };
    request.raw.on('close', forget);
    raw.on('close', forget);
    this.send(client, 'retry: 1000\n\n');
    const from = parseCursor(lastEventId);
    if (!from) return this.join(client, false);
    // From here on, writes published while the store is read are kept for this client.
    client.missed = [];
    this.replaying.add(client);
    void this.resume(client, from, baseUrl).catch(() => {
      client.closed = true;
      this.replaying.delete(client);
      client.reply.raw.destroy();
    });
  }

  private async resume(client: Client, from: { observation: number; incidentEvent: number }, baseUrl: string): Promise<void> {
    const farBehind = (await this.store.observationIdAfter(from.observation, this.maximumReplay)) !== undefined;
    // Events first (one bounded index read), then the incidents they touch (a GROUP BY over at most that many events).
    const incidentsFarBehind =
      (await this.store.incidentEventIdAfter(from.incidentEvent, 10 * this.maximumIncidentReplay)) !== undefined ||
      (await this.store.incidentChangesAfter(from.incidentEvent, this.maximumIncidentReplay + 1)).length > this.maximumIncidentReplay;
    if (farBehind || incidentsFarBehind) {
      await this.reset(client, from, baseUrl, farBehind ? `more than ${this.maximumReplay} observations behind, the limit of one replay` : `more than ${this.maximumIncidentReplay} incident changes behind, the limit of one replay`);
      return this.join(client, true);
    }
    await this.replay(client, from, baseUrl);
  }

  /**
   * Join the live set. A replaying client is first sent what was published while its last read
   * ran, past what that read gave (`from`): nothing falls between, and nothing comes twice.
   */
  private join(client: Client, replayed: boolean, from?: { observation: number; incidentEvent: number }): void {
    this.replaying.delete(client);
    const missed = client.missed;
    client.missed = undefined;
    if (client.closed) return;
    if (missed && from) {
      for (const result of missed) {
        const observations = result.observations.filter((o) => o.id > from.observation);
        const incidents = result.incidents.filter((c) => c.eventId > from.incidentEvent);
        if (!observations.length && !incidents.length) continue;
        const wire = toWire(observations);
        const update: StreamUpdate = { observations: wire, incidents: incidents.map((c) => c.incident) };
        const filtered = client.filter.view ? this.viewMessage(client.filter, wire, observations, newestPerDatastream(observations), update.incidents) : filterMessage(client.filter, update);
        const id = `${Math.max(from.observation, observations.at(-1)?.id ?? 0)}.${Math.max(from.incidentEvent, ...incidents.map((c) => c.eventId))}`;
        if ((filtered.observations.length || filtered.incidents.length || filtered.states?.length) && !this.send(client, StreamHub.format(id, 'update', filtered))) return;
      }
    }
    if (!this.send(client, StreamHub.format(this.cursorText(), 'hello', { cursor: this.cursorText(), replayed, stream: client.id }))) return;
    this.clients.add(client);
  }

  /**
   * Observations (fromId, toId] will not be streamed (the cluster's feed, past its bound: a bulk load
   * behind the servers' backs). Every live client is sent a `reset` naming the REST query of its
   * share of them, the stream going on from toId; a replaying client is closed (it resumes from its
   * cursor on reconnect, where a replay that long is a reset too). The states view clients are sent
   * are read again.
   */
  skipObservations(fromId: number, toId: number, reason: string): void {
    if (toId <= this.cursor.observation) return;
    this.cursor.observation = toId;
    for (const client of [...this.replaying]) {
      client.closed = true;
      this.replaying.delete(client);
      client.reply.raw.destroy();
    }
    if (!this.knowing) {
      this.known = undefined;
      if ([...this.clients].some((client) => client.filter.view)) this.knowStates();
    }
    const cursor = this.cursorText();
    for (const client of this.clients) {
      this.resets++;
      const wanted = resumeFilter(client.filter);
      const observations = wanted === null ? undefined : `${client.baseUrl}/Observations?$filter=${encodeURIComponent(`id gt ${fromId} and id le ${toId}${wanted ? ` and ${wanted}` : ''}`)}&$orderby=id&$top=1000`;
      const data: StreamReset = { reason: `${reason}: reload the current state, and page through the REST query for what was not sent`, cursor, resume: observations ? { observations } : {} };
      this.send(client, StreamHub.format(cursor, 'reset', data));
    }
  }

  private async reset(client: Client, from: { observation: number; incidentEvent: number }, baseUrl: string, reason: string): Promise<void> {
    this.resets++;
    const firstMissedEvent = await this.store.incidentEventTimeAfter(from.incidentEvent);
    const cursor = this.cursorText();
    // Only what this client would have been sent as values: its bbox or view, its watched datastreams, its types.
    const wanted = resumeFilter(client.filter);
    const observations = wanted === null ? undefined : `${baseUrl}/Observations?$filter=${encodeURIComponent(`id gt ${from.observation} and id le ${this.cursor.observation}${wanted ? ` and ${wanted}` : ''}`)}&$orderby=id&$top=1000`;
    const incidents = firstMissedEvent === undefined ? undefined : `${baseUrl}/Incidents?$filter=${encodeURIComponent(`updatedAt ge ${new Date(firstMissedEvent).toISOString()}`)}&$orderby=updatedAt&$top=1000`;
    const data: StreamReset = { reason: `${reason}: reload the current state, and page through the REST queries for what was missed`, cursor, resume: { ...(observations ? { observations } : {}), ...(incidents ? { incidents } : {}) } };
    this.send(client, StreamHub.format(cursor, 'reset', data));
    // What was published while this was read is in the reset's REST queries.
    client.missed = undefined;
  }

  /**
   * Wait until the client's socket has taken what it holds (or it closes, or is dropped). Below
   * its high-water mark it has: a small chunk (a view client's share) was accepted, and no
   * `drain` would ever come for it (the replay hung until the client was dropped).
   */
  private drained(client: Client): Promise<void> {
    const socket = client.reply.raw;
    if (client.closed || !socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  private async replay(client: Client, from: { observation: number; incidentEvent: number }, baseUrl: string): Promise<void> {
    let observationCursor = from.observation;
    let incidentCursor = from.incidentEvent;
    let replayed = 0;
    for (;;) {
      if (client.closed) return;
      // One chunk per step; a short chunk means this step reached the present: join in this same step.
      const observations = await this.store.observationsAfter(observationCursor, this.replayChunk);
      const changes = await this.store.incidentChangesAfter(incidentCursor, this.maximumIncidentReplay);
      if (client.closed) return;
      const last = observations.length < this.replayChunk;
      if (observations.length) observationCursor = observations.at(-1)!.id;
      if (changes.length) incidentCursor = Math.max(incidentCursor, ...changes.map((c) => c.eventId));
      replayed += observations.length;
      const incidents = changes.map((c) => c.incident);
      // A view client: out of its view, the newest reading of each datastream in this chunk, as its state.
      const filtered = client.filter.view ? this.viewMessage(client.filter, toWire(observations), observations, newestPerDatastream(observations), incidents) : filterMessage(client.filter, { observations: toWire(observations), incidents });
      const id = `${observationCursor}.${incidentCursor}`;
      if ((filtered.observations.length || filtered.incidents.length || filtered.states?.length) && !this.send(client, StreamHub.format(id, 'update', filtered))) return;
      if (last) return this.join(client, true, { observation: observationCursor, incidentEvent: incidentCursor });
      if (replayed >= this.maximumReplay) {
        // Writes kept coming faster than this client read: stop replaying, tell it where to page.
        await this.reset(client, { observation: observationCursor, incidentEvent: incidentCursor }, baseUrl, `still behind after ${replayed} observations, the limit of one replay`);
        return this.join(client, true);
      }
      await this.drained(client);
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.sweep);
    for (const client of [...this.clients, ...this.replaying]) {
      client.closed = true;
      client.reply.raw.end();
    }
    this.clients.clear();
    this.replaying.clear();
  }
}
