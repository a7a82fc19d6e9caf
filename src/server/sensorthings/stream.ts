/**
 * The live push: Server-Sent Events of new observations and incident changes. Each message's
 * `id:` is a cursor "<last observation id>.<last incident event id>"; a client that reconnects
 * with `Last-Event-ID` (header, or `lastEventId` in the query for EventSource-less clients) is
 * first sent everything after its cursor from the database, then the live messages. So a server
 * restart or a dropped connection loses nothing, and nothing is sent twice.
 *
 * A slow client never slows the others: a message is written to each socket without waiting,
 * and a client whose unsent output passes a limit is disconnected. It then resumes from its
 * cursor like any other reconnecting client.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MonitoringDatabase, StoredObservation, WriteResult } from './database.ts';
import type { IncidentChange } from './incident-engine.ts';
import type { StreamObservation, StreamUpdate } from '../../domain/monitoring/api.ts';

export interface StreamFilter {
  /** [minLon, minLat, maxLon, maxLat] degrees. */
  bbox?: [number, number, number, number];
  /** Observed-property names and incident types to keep. */
  types?: Set<string>;
}

function toWire(observations: StoredObservation[]): StreamObservation[] {
  return observations.map(({ phenomenonTimeMs, ...rest }) => ({ ...rest, phenomenonTime: new Date(phenomenonTimeMs).toISOString() }));
}

interface Client {
  reply: FastifyReply;
  filter: StreamFilter;
  key: string;
  /** Bytes of replay still in the socket's buffer: a catching-up client is not a slow one. */
  replayBytes: number;
}

export interface StreamOptions {
  /** Disconnect a client whose unsent output passes this. Default 4 MiB. */
  maximumBufferedBytes?: number;
  /** A client further behind than this many observations is told to reload instead. Default 200,000. */
  maximumReplay?: number;
  /** Comment lines keep proxies from closing an idle stream. Default 15 s. */
  heartbeatMilliseconds?: number;
}

export function parseCursor(text: string | undefined): { observation: number; incidentEvent: number } | undefined {
  const match = /^(\d+)\.(\d+)$/.exec(text ?? '');
  return match ? { observation: Number(match[1]), incidentEvent: Number(match[2]) } : undefined;
}

function inside(filter: StreamFilter, lon: number | undefined, lat: number | undefined): boolean {
  if (!filter.bbox) return true;
  if (lon === undefined || lat === undefined) return false;
  const [minLon, minLat, maxLon, maxLat] = filter.bbox;
  return lon >= minLon && lon <= maxLon && lat >= minLat && lat <= maxLat;
}

export function filterMessage(filter: StreamFilter, message: StreamUpdate): StreamUpdate {
  if (!filter.bbox && !filter.types) return message;
  return {
    observations: message.observations.filter((o) => (!filter.types || filter.types.has(o.observedProperty)) && inside(filter, o.lonDegrees, o.latDegrees)),
    incidents: message.incidents.filter((i) => (!filter.types || filter.types.has(i.type)) && inside(filter, i.location.coordinates[0], i.location.coordinates[1])),
  };
}

export class StreamHub {
  private readonly clients = new Set<Client>();
  private cursor: { observation: number; incidentEvent: number };
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maximumBufferedBytes: number;
  private readonly maximumReplay: number;
  /** Clients dropped for being too slow, since start. */
  droppedSlowClients = 0;
  private readonly listeners = new Set<(result: WriteResult) => void>();

  constructor(private readonly database: MonitoringDatabase, options: StreamOptions = {}) {
    this.maximumBufferedBytes = options.maximumBufferedBytes ?? 4 * 1024 * 1024;
    this.maximumReplay = options.maximumReplay ?? 200_000;
    this.cursor = { observation: database.lastObservationId(), incidentEvent: database.incidents.lastEventId() };
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) this.write(client, ': ping\n\n');
    }, options.heartbeatMilliseconds ?? 15_000);
    this.heartbeat.unref();
  }

  /** Hand every committed write to a listener too (the MQTT binding); returns the function that stops it. */
  onPublish(listener: (result: WriteResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private cursorText(): string {
    return `${this.cursor.observation}.${this.cursor.incidentEvent}`;
  }

  private write(client: Client, text: string): void {
    const socket = client.reply.raw;
    if (socket.destroyed || socket.writableEnded) {
      this.clients.delete(client);
      return;
    }
    if (socket.writableLength > this.maximumBufferedBytes + client.replayBytes) {
      // Too slow: let it go, it resumes from its cursor on reconnect.
      this.droppedSlowClients++;
      this.clients.delete(client);
      socket.destroy();
      return;
    }
    socket.write(text);
  }

  private static format(id: string, event: string, data: unknown): string {
    return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  }

  /** Send a committed write to every client whose filter it passes. Call after the transaction commits. */
  publish(result: WriteResult): void {
    if (result.observations.length === 0 && result.incidents.length === 0) return;
    const lastObservation = result.observations.at(-1);
    if (lastObservation) this.cursor.observation = Math.max(this.cursor.observation, lastObservation.id);
    for (const change of result.incidents) this.cursor.incidentEvent = Math.max(this.cursor.incidentEvent, change.eventId);
    for (const listener of this.listeners) listener(result);
    if (this.clients.size === 0) return;
    const message: StreamUpdate = { observations: toWire(result.observations), incidents: result.incidents.map((c) => c.incident) };
    const id = this.cursorText();
    // Clients with the same filter share one serialisation.
    const formatted = new Map<string, string | null>();
    for (const client of this.clients) {
      let text = formatted.get(client.key);
      if (text === undefined) {
        const filtered = filterMessage(client.filter, message);
        text = filtered.observations.length || filtered.incidents.length ? StreamHub.format(id, 'update', filtered) : null;
        formatted.set(client.key, text);
      }
      if (text) this.write(client, text);
    }
  }

  /** Publish incident changes made outside an observation write (a person's action). */
  publishIncident(change: IncidentChange): void {
    this.publish({ observations: [], incidents: [change] });
  }

  /** Take over a request as an event stream. */
  attach(request: FastifyRequest, reply: FastifyReply, filter: StreamFilter, lastEventId: string | undefined): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      ...(request.headers.origin ? { 'Access-Control-Allow-Origin': request.headers.origin, Vary: 'Origin' } : {}),
    });
    raw.socket?.setNoDelay(true);
    const key = JSON.stringify([filter.bbox ?? null, filter.types ? [...filter.types].sort() : null]);
    const client: Client = { reply, filter, key, replayBytes: 0 };
    raw.write('retry: 1000\n\n');
    const from = parseCursor(lastEventId);
    // Replay and joining the live set happen in one synchronous step: no write can fall between them.
    if (from) {
      const observations = this.database.observationsAfter(from.observation, this.maximumReplay + 1);
      if (observations.length > this.maximumReplay) {
        raw.write(StreamHub.format(this.cursorText(), 'reset', { reason: `more than ${this.maximumReplay} observations behind: reload the current state` }));
      } else {
        const incidents = this.database.incidents.changesAfter(from.incidentEvent).map((c) => c.incident);
        const filtered = filterMessage(filter, { observations: toWire(observations), incidents });
        for (let i = 0; i < filtered.observations.length || (i === 0 && filtered.incidents.length); i += 5000) {
          const chunk = { observations: filtered.observations.slice(i, i + 5000), incidents: i === 0 ? filtered.incidents : [] };
          const last = i + 5000 >= filtered.observations.length;
          const id = last ? this.cursorText() : `${chunk.observations.at(-1)!.id}.${from.incidentEvent}`;
          raw.write(StreamHub.format(id, 'update', chunk));
        }
      }
    }
    raw.write(StreamHub.format(this.cursorText(), 'hello', { cursor: this.cursorText(), replayed: Boolean(from) }));
    client.replayBytes = raw.writableLength;
    if (client.replayBytes > 0) raw.once('drain', () => (client.replayBytes = 0));
    this.clients.add(client);
    request.raw.on('close', () => this.clients.delete(client));
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const client of this.clients) client.reply.raw.end();
    this.clients.clear();
  }
}
