/**
 * The live stream client: Server-Sent Events read with fetch (so it can send headers, runs in
 * browsers and in Node, and we control reconnection), parsed by eventsource-parser.
 *  - It keeps the cursor of the last message and resumes from it with `Last-Event-ID`: after a
 *    drop or a server restart nothing is lost.
 *  - Observations carry increasing ids; one already seen is dropped, so nothing is applied twice.
 *  - It reconnects with exponential backoff and jitter, and reports its state: connecting, live,
 *    or stale (with the time of the last message, so the UI can show the data's age).
 *  - With a view (`view`, `setView`), the server sends values only inside it and for the watched
 *    datastreams, and elsewhere states (`update.states`). The view goes with each connection
 *    (query) and, when it moves, to the server by the stream's id (POST …/Stream/View).
 */
import { createParser } from 'eventsource-parser';
import type { ConnectionState, StreamChange, StreamUpdate } from './types.ts';
import { errorText } from '../domain/error-text.ts';

export interface StreamClientOptions {
  /** The stream URL, e.g. http://host/v1.1/Stream. */
  url: string;
  apiKey?: string;
  /** [minLon, minLat, maxLon, maxLat]. */
  bbox?: [number, number, number, number];
  /** Observed-property names and incident types to receive. */
  types?: string[];
  /** Values only in this view and for these datastreams; states elsewhere. Default: everything. */
  view?: StreamClientView;
  /** Resume after this cursor (e.g. one saved before a reload). */
  lastEventId?: string;
  onUpdate(update: StreamUpdate): void;
  /** A case or lifecycle record changed (on any server process): read it again where it is shown. */
  onChange?(change: StreamChange): void;
  /** The server says we are too far behind: reload the current state, then carry on. */
  onReset?(): void;
  onState?(state: ConnectionState, detail: { lastMessageAt?: number; error?: string; attempt: number }): void;
  /** First retry delay; doubles per failure up to `maximumBackoffMilliseconds`. Default 500 ms. */
  initialBackoffMilliseconds?: number;
  maximumBackoffMilliseconds?: number;
  /** No bytes for this long (the server pings every 15 s) means the connection is dead. Default 40 s. */
  idleTimeoutMilliseconds?: number;
  fetch?: typeof fetch;
}

export interface StreamClientView {
  /** [minLon, minLat, maxLon, maxLat] degrees; none: values only for `watch`. */
  bbox?: [number, number, number, number];
  /** Datastream ids whose values are wanted wherever they are (open in a panel). */
  watch?: number[];
}

/** Degrees are sent to 1e-5 (about a metre): enough for a view, and a stable text to compare. */
const viewQuery = (view: StreamClientView) => ({ view: view.bbox ? view.bbox.map((d) => Number(d.toFixed(5))).join(',') : 'none', watch: (view.watch ?? []).join(',') });

export class StreamClient {
  private abort: AbortController | undefined;
  private stopped = false;
  private attempt = 0;
  private cursor: string | undefined;
  private lastObservationId = 0;
  private lastMessageAt: number | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private view: StreamClientView | undefined;
  /** The view the server has for the current connection (its query text), and the connection's id. */
  private sentView: string | undefined;
  private streamId: string | undefined;
  private viewPosting = false;
  state: ConnectionState = 'off';

  constructor(private readonly options: StreamClientOptions) {
    this.cursor = options.lastEventId;
    this.view = options.view;
    const observation = /^(\d+)\./.exec(options.lastEventId ?? '');
    if (observation) this.lastObservationId = Number(observation[1]);
  }

  /** The cursor of the last message received. */
  get lastEventId(): string | undefined {
    return this.cursor;
  }

  start(): void {
    this.stopped = false;
    this.setState('connecting');
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.idleTimer);
    this.abort?.abort();
    this.setState('off');
  }

  /** Whether the server has the current view for this connection (for tests and automation). */
  get viewInEffect(): boolean {
    return this.streamId !== undefined && this.view !== undefined && this.sentView === JSON.stringify(viewQuery(this.view));
  }

  /** Move the view: sent on the live connection now, and with every reconnection. */
  setView(view: StreamClientView | undefined): void {
    this.view = view;
    void this.postView();
  }

  /** Tell the server the current view, unless it has it already (one request at a time; the newest view wins). */
  private async postView(): Promise<void> {
    if (this.viewPosting || !this.streamId || !this.view || this.stopped) return;
    const text = JSON.stringify(viewQuery(this.view));
    if (text === this.sentView) return;
    this.viewPosting = true;
    const streamId = this.streamId;
    try {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (this.options.apiKey) headers['X-API-Key'] = this.options.apiKey;
      const body = { stream: streamId, ...(this.view.bbox ? { bbox: this.view.bbox } : {}), watch: this.view.watch ?? [] };
      const response = await (this.options.fetch ?? fetch)(`${this.url().split('?')[0]}/View`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (response.ok && streamId === this.streamId) this.sentView = text;
    } catch {
      // The connection is going: the next one carries the view in its query.
    } finally {
      this.viewPosting = false;
    }
    if (streamId === this.streamId && this.sentView !== JSON.stringify(viewQuery(this.view))) void this.postView();
  }

  private setState(state: ConnectionState, error?: string): void {
    this.state = state;
    this.options.onState?.(state, { lastMessageAt: this.lastMessageAt, error, attempt: this.attempt });
  }

  private url(): string {
    const url = new URL(this.options.url, typeof location === 'undefined' ? undefined : location.href);
    if (this.options.bbox) url.searchParams.set('bbox', this.options.bbox.join(','));
    if (this.options.types?.length) url.searchParams.set('types', this.options.types.join(','));
    if (this.view) {
      const query = viewQuery(this.view);
      url.searchParams.set('view', query.view);
      if (query.watch) url.searchParams.set('watch', query.watch);
    }
    return url.toString();
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.abort?.abort(new Error('no data from the stream')), this.options.idleTimeoutMilliseconds ?? 40_000);
  }

  private async connect(): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    let error: string | undefined;
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream' };
      if (this.cursor) headers['Last-Event-ID'] = this.cursor;
      this.streamId = undefined;
      const connectView = this.view ? JSON.stringify(viewQuery(this.view)) : undefined;
      if (this.options.apiKey) headers['X-API-Key'] = this.options.apiKey;
      const response = await (this.options.fetch ?? fetch)(this.url(), { headers, signal: abort.signal, cache: 'no-store' });
      if (!response.ok || !response.body) throw new Error(`stream: HTTP ${response.status}`);
      this.touch();
      const parser = createParser({
        onEvent: (event) => {
          if (event.id) this.cursor = event.id;
          this.lastMessageAt = Date.now();
          if (event.event === 'hello') {
            this.attempt = 0;
            const hello = JSON.parse(event.data) as { stream?: string };
            this.streamId = hello.stream;
            this.sentView = connectView;
            void this.postView(); // the view may have moved while this connection was made
            this.setState('live');
          } else if (event.event === 'reset') {
            this.lastObservationId = Number(/^(\d+)\./.exec(event.id ?? '')?.[1] ?? this.lastObservationId);
            this.options.onReset?.();
          } else if (event.event === 'change') {
            this.options.onChange?.(JSON.parse(event.data) as StreamChange);
          } else if (event.event === 'update') {
            const update = JSON.parse(event.data) as StreamUpdate;
            // Anything at or before the last observation applied was already applied.
            const after = this.lastObservationId;
            const fresh = update.observations.filter((o) => o.id > after);
            const states = (update.states ?? []).filter((s) => s[0] > after);
            for (const o of fresh) this.lastObservationId = Math.max(this.lastObservationId, o.id);
            for (const s of states) this.lastObservationId = Math.max(this.lastObservationId, s[0]);
            if (fresh.length || states.length || update.incidents.length) this.options.onUpdate({ observations: fresh, incidents: update.incidents, ...(states.length ? { states } : {}) });
          }
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.touch();
        parser.feed(value);
      }
      error = 'stream ended';
    } catch (caught) {
      error = errorText(caught);
    } finally {
      clearTimeout(this.idleTimer);
    }
    if (this.stopped) return;
    this.attempt++;
    this.setState('stale', error);
    const initial = this.options.initialBackoffMilliseconds ?? 500;
    const maximum = this.options.maximumBackoffMilliseconds ?? 15_000;
    const delay = Math.min(maximum, initial * 2 ** Math.min(this.attempt - 1, 10)) * (0.75 + Math.random() * 0.5);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }
}
