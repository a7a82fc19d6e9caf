/**
 * Request bodies, checked with zod before anything is stored. A failure becomes a 400 naming
 * the field. Deep inserts (a Thing with its Locations and Datastreams) follow SensorThings 1.1
 * §10.2: a related entity is either created inline or referenced by `{"@iot.id": n}`.
 */
import { z } from 'zod';
import type { NewObservation } from './database.ts';
import { DEFAULT_FUTURE_SKEW_MILLISECONDS, futureProblem, INSTANT_MESSAGE, instantMilliseconds } from '../instants.ts';

const reference = z.object({ '@iot.id': z.number().int().positive() }).strict();
const text = z.string().max(10_000);
const jsonObject = z.record(z.string(), z.unknown());

const point = z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).or(z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90), z.number()])) });

export const locationSchema = z.object({
  name: text.min(1),
  description: text.default(''),
  encodingType: z.literal('application/geo+json').or(z.literal('application/vnd.geo+json')),
  location: point.or(z.object({ type: z.literal('Feature'), geometry: point })),
  properties: jsonObject.optional(),
}).strict();

export const sensorSchema = z.object({ name: text.min(1), description: text.default(''), encodingType: text.min(1), metadata: text, properties: jsonObject.optional() }).strict();
export const observedPropertySchema = z.object({ name: text.min(1), definition: text.min(1), description: text.default(''), properties: jsonObject.optional() }).strict();

const unitOfMeasurement = z.object({ name: z.string().nullable(), symbol: z.string().nullable(), definition: z.string().nullable() });

export const datastreamBody = z.object({
  name: text.min(1),
  description: text.default(''),
  observationType: text.min(1),
  unitOfMeasurement,
  properties: jsonObject.optional(),
  Sensor: reference.or(sensorSchema),
  ObservedProperty: reference.or(observedPropertySchema),
}).strict();

export const datastreamSchema = datastreamBody.extend({ Thing: reference });

export const thingSchema = z.object({
  name: text.min(1),
  description: text.default(''),
  properties: jsonObject.optional(),
  Locations: z.array(reference.or(locationSchema)).max(10).optional(),
  Datastreams: z.array(datastreamBody).max(100).optional(),
}).strict();

export { instantMilliseconds };

/** An instant (ISO 8601 with a zone). Intervals are not supported by this server. */
const instant = z.string().refine((s) => instantMilliseconds(s) !== undefined, INSTANT_MESSAGE);

const result = z.union([z.number().finite(), z.string().max(10_000), z.boolean(), jsonObject, z.array(z.unknown())]);

export const observationSchema = z.object({
  phenomenonTime: instant.optional(),
  resultTime: instant.nullable().optional(),
  result,
  parameters: jsonObject.optional(),
  Datastream: reference.optional(),
}).strict();

/** How far ahead of the server's clock a time may be. */
export interface TimeRules {
  now: number;
  /** Default 10 min. */
  maximumFutureSkewMilliseconds?: number;
}

/**
 * A checked Observation body as a new observation of its datastream: the one in the path
 * (`Datastreams(n)/Observations`) or the body's own `Datastream`. Returns the problem in words
 * when neither names one, or when a time lies further ahead than the allowed clock skew. Times
 * not given are `now`. Used by POST and by MQTT creates alike.
 */
export function observationOf(body: z.infer<typeof observationSchema>, pathDatastreamId: number | undefined, rules: TimeRules): NewObservation | string {
  const datastreamId = pathDatastreamId ?? body.Datastream?.['@iot.id'];
  if (datastreamId === undefined) return 'Datastream: an Observation needs its Datastream ({"@iot.id": n})';
  const { now } = rules;
  const skew = rules.maximumFutureSkewMilliseconds ?? DEFAULT_FUTURE_SKEW_MILLISECONDS;
  const phenomenonTimeMs = body.phenomenonTime === undefined ? now : instantMilliseconds(body.phenomenonTime)!;
  const resultTimeMs = body.resultTime === null ? null : body.resultTime === undefined ? now : instantMilliseconds(body.resultTime)!;
  const problem = futureProblem('phenomenonTime', phenomenonTimeMs, now, skew) ?? (resultTimeMs === null ? undefined : futureProblem('resultTime', resultTimeMs, now, skew));
  if (problem) return problem;
  return { datastreamId, phenomenonTimeMs, resultTimeMs, result: body.result, parameters: body.parameters };
}

/** The data-array form of SensorThings 1.1 §14.4 (CreateObservations). */
export const createObservationsSchema = z.array(
  z.object({
    Datastream: reference,
    components: z.array(z.enum(['phenomenonTime', 'resultTime', 'result', 'parameters'])).min(1),
    'dataArray@iot.count': z.number().int().optional(),
    // Rows are checked one by one in the route (fast path: a batch has thousands of rows).
    dataArray: z.array(z.unknown()).max(100_000),
  }).strict(),
).min(1);

/**
 * One row of a data array as an observation of its datastream, checked and read in one pass
 * without a zod parse per row (a batch has thousands). Returns the problem in words when the row
 * is not valid, or a time lies further ahead than the allowed clock skew. Times not given are `now`.
 */
export function readDataArrayRow(components: readonly string[], values: unknown, datastreamId: number, rules: TimeRules): NewObservation | string {
  const { now } = rules;
  const skew = rules.maximumFutureSkewMilliseconds ?? DEFAULT_FUTURE_SKEW_MILLISECONDS;
  if (!Array.isArray(values)) return 'must be an array of values, one per component';
  if (values.length !== components.length) return `has ${values.length} values for ${components.length} components`;
  const observation: NewObservation = { datastreamId, phenomenonTimeMs: now, resultTimeMs: now, result: undefined };
  let hasResult = false;
  for (let i = 0; i < components.length; i++) {
    const value = values[i];
    switch (components[i]) {
      case 'phenomenonTime': {
        const ms = instantMilliseconds(value);
        if (ms === undefined) return `phenomenonTime: ${INSTANT_MESSAGE}`;
        const future = futureProblem('phenomenonTime', ms, now, skew);
        if (future) return future;
        observation.phenomenonTimeMs = ms;
        break;
      }
      case 'resultTime': {
        const ms = value === null ? null : instantMilliseconds(value);
        if (ms === undefined) return `resultTime: ${INSTANT_MESSAGE}`;
        const future = ms === null ? undefined : futureProblem('resultTime', ms, now, skew);
        if (future) return future;
        observation.resultTimeMs = ms;
        break;
      }
      case 'result':
        if (!((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'object' && value !== null))) return 'result: must be a finite number, a string, a boolean, an object or an array';
        observation.result = value;
        hasResult = true;
        break;
      case 'parameters':
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'parameters: must be an object';
        observation.parameters = value as Record<string, unknown>;
        break;
    }
  }
  return hasResult ? observation : 'components: must include result';
}

/**
 * POST Incidents(id)/Actions: a lifecycle action (moves the status), or an emergency-log entry
 * (notify or arrive with a linked unit; a note with its text), which leaves the status.
 */
export const incidentActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.enum(['acknowledge', 'dispatch', 'resolve', 'archive']), by: z.string().min(1).max(200), note: z.string().max(2000).optional() }).strict(),
  z.object({ action: z.enum(['notify', 'arrive']), by: z.string().min(1).max(200), unit: z.string().min(1).max(64), note: z.string().max(2000).optional() }).strict(),
  z.object({ action: z.literal('note'), by: z.string().min(1).max(200), note: z.string().trim().min(1).max(2000) }).strict(),
]);

export type ThingPayload = z.infer<typeof thingSchema>;
export type LocationPayload = z.infer<typeof locationSchema>;
export type DatastreamPayload = z.infer<typeof datastreamBody>;
export type ObservationPayload = z.infer<typeof observationSchema>;

/** zod's issues as one line: "Datastreams.0.unitOfMeasurement: Required; …". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`).slice(0, 5).join('; ');
}
