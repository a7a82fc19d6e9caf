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
const geoJson = point.or(z.object({ type: z.literal('Feature'), geometry: point, properties: jsonObject.nullable().optional() }));
const geoEncoding = z.literal('application/geo+json').or(z.literal('application/vnd.geo+json'));

/** [lon, lat] of a GeoJSON point or point feature. */
export function pointOf(geometry: z.infer<typeof geoJson>): [number, number] {
  const p = geometry.type === 'Feature' ? geometry.geometry : geometry;
  return [p.coordinates[0], p.coordinates[1]];
}

// Each entity's properties without defaults: PATCH takes any of them, a create fills in the defaults.
const locationShape = { name: text.min(1), description: text, encodingType: geoEncoding, location: geoJson, properties: jsonObject };
const sensorShape = { name: text.min(1), description: text, encodingType: text.min(1), metadata: text, properties: jsonObject };
const observedPropertyShape = { name: text.min(1), definition: text.min(1), description: text, properties: jsonObject };
const featureShape = { name: text.min(1), description: text, encodingType: geoEncoding, feature: geoJson, properties: jsonObject };
const thingShape = { name: text.min(1), description: text, properties: jsonObject };

export const locationSchema = z.object({
  ...locationShape,
  description: text.default(''),
  properties: jsonObject.optional(),
  /** Link the new Location to Things (each gets a HistoricalLocation). */
  Things: z.array(reference).max(100).optional(),
}).strict();

export const sensorSchema = z.object({ ...sensorShape, description: text.default(''), properties: jsonObject.optional() }).strict();
export const observedPropertySchema = z.object({ ...observedPropertyShape, description: text.default(''), properties: jsonObject.optional() }).strict();
export const featureOfInterestSchema = z.object({ ...featureShape, description: text.default(''), properties: jsonObject.optional() }).strict();

const unitOfMeasurement = z.object({ name: z.string().nullable(), symbol: z.string().nullable(), definition: z.string().nullable() });

/**
 * A phenomenon time: an instant, or an ISO 8601 interval `start/end` (§ 9.2.2, TM_Period) whose
 * end is not before its start.
 */
export function timeValue(value: unknown): { startMs: number; endMs: number | null } | undefined {
  if (typeof value !== 'string' || value.length > 81) return undefined;
  const slash = value.indexOf('/');
  if (slash < 0) {
    const ms = instantMilliseconds(value);
    return ms === undefined ? undefined : { startMs: ms, endMs: null };
  }
  const startMs = instantMilliseconds(value.slice(0, slash));
  const endMs = instantMilliseconds(value.slice(slash + 1));
  if (startMs === undefined || endMs === undefined || endMs < startMs) return undefined;
  return { startMs, endMs };
}

const TIME_MESSAGE = `${INSTANT_MESSAGE}, or an interval start/end of two such instants, the end not before the start`;

/** An instant (ISO 8601 with a zone). */
const instant = z.string().refine((s) => instantMilliseconds(s) !== undefined, INSTANT_MESSAGE);
/** An instant or an interval. */
const timeText = z.string().refine((s) => timeValue(s) !== undefined, TIME_MESSAGE);

const result = z.union([z.number().finite(), z.string().max(10_000), z.boolean(), jsonObject, z.array(z.unknown())]);

const observationShape = {
  phenomenonTime: timeText,
  resultTime: instant.nullable(),
  result,
  parameters: jsonObject,
  FeatureOfInterest: reference.or(featureOfInterestSchema),
};

/** An Observation inside a Datastream's deep insert: its Datastream is the one around it. */
const nestedObservation = z.object({ ...observationShape, phenomenonTime: timeText.optional(), resultTime: instant.nullable().optional(), parameters: jsonObject.optional(), FeatureOfInterest: observationShape.FeatureOfInterest.optional() }).strict();

export const observationSchema = nestedObservation.extend({ Datastream: reference.optional() }).strict();

export const datastreamBody = z.object({
  name: text.min(1),
  description: text.default(''),
  observationType: text.min(1),
  unitOfMeasurement,
  properties: jsonObject.optional(),
  Sensor: reference.or(sensorSchema),
  ObservedProperty: reference.or(observedPropertySchema),
  Observations: z.array(nestedObservation).max(1000).optional(),
}).strict();

export const datastreamSchema = datastreamBody.extend({ Thing: reference });

export const thingSchema = z.object({
  ...thingShape,
  description: text.default(''),
  properties: jsonObject.optional(),
  Locations: z.array(reference.or(locationSchema.omit({ Things: true }))).max(10).optional(),
  Datastreams: z.array(datastreamBody).max(100).optional(),
}).strict();

export const historicalLocationSchema = z.object({ time: instant, Thing: reference, Locations: z.array(reference).min(1).max(10) }).strict();

/** PATCH bodies (§10.3): any of the entity's own properties, and links to other entities by id. */
export const patchSchemas = {
  Things: z.object({ ...thingShape, Locations: z.array(reference).max(10) }).partial().strict(),
  Locations: z.object(locationShape).partial().strict(),
  Sensors: z.object(sensorShape).partial().strict(),
  ObservedProperties: z.object(observedPropertyShape).partial().strict(),
  FeaturesOfInterest: z.object(featureShape).partial().strict(),
  Datastreams: z.object({ name: text.min(1), description: text, observationType: text.min(1), unitOfMeasurement, properties: jsonObject, Thing: reference, Sensor: reference, ObservedProperty: reference }).partial().strict(),
  Observations: z.object({ ...observationShape, FeatureOfInterest: reference, Datastream: reference }).partial().strict(),
  HistoricalLocations: z.object({ time: instant, Thing: reference, Locations: z.array(reference).min(1).max(10) }).partial().strict(),
};

export type PatchSetName = keyof typeof patchSchemas;
export type PatchPayload<S extends PatchSetName> = z.infer<(typeof patchSchemas)[S]>;

export function isPatchSetName(name: string): name is PatchSetName {
  return Object.hasOwn(patchSchemas, name);
}

/** How far ahead of the server's clock a time may be. */
export interface TimeRules {
  now: number;
  /** Default 10 min. */
  maximumFutureSkewMilliseconds?: number;
}

/**
 * A checked Observation body as a new observation of its datastream: the one in the path
 * (`Datastreams(n)/Observations`) or the body's own `Datastream`. Returns the problem in words
 * when neither names one, or when a time lies further ahead than the allowed clock skew. A
 * phenomenon time not given is `now`; a result time not given stays null (§ 9.2.2: the server
 * does not make one up). Used by POST and by MQTT creates alike.
 */
export function observationOf(body: z.infer<typeof observationSchema>, pathDatastreamId: number | undefined, rules: TimeRules): NewObservation | string {
  const datastreamId = pathDatastreamId ?? body.Datastream?.['@iot.id'];
  if (datastreamId === undefined) return 'Datastream: an Observation needs its Datastream ({"@iot.id": n})';
  const { now } = rules;
  const skew = rules.maximumFutureSkewMilliseconds ?? DEFAULT_FUTURE_SKEW_MILLISECONDS;
  const time = body.phenomenonTime === undefined ? { startMs: now, endMs: null } : timeValue(body.phenomenonTime)!;
  const resultTimeMs = body.resultTime === null || body.resultTime === undefined ? null : instantMilliseconds(body.resultTime)!;
  const problem = futureProblem('phenomenonTime', time.endMs ?? time.startMs, now, skew) ?? (resultTimeMs === null ? undefined : futureProblem('resultTime', resultTimeMs, now, skew));
  if (problem) return problem;
  const foi = body.FeatureOfInterest;
  return {
    datastreamId,
    phenomenonTimeMs: time.startMs,
    phenomenonTimeEndMs: time.endMs,
    resultTimeMs,
    result: body.result,
    parameters: body.parameters,
    ...(foi ? ('@iot.id' in foi ? { featureOfInterestId: foi['@iot.id'] } : { featureOfInterest: foi }) : {}),
  };
}

/** The data-array form of SensorThings 1.1 §14.4 (CreateObservations). */
export const createObservationsSchema = z.array(
  z.object({
    Datastream: reference,
    components: z.array(z.enum(['phenomenonTime', 'resultTime', 'result', 'parameters', 'FeatureOfInterest/id', 'FeatureOfInterest/@iot.id'])).min(1),
    'dataArray@iot.count': z.number().int().optional(),
    // Rows are checked one by one in the route (fast path: a batch has thousands of rows).
    dataArray: z.array(z.unknown()).max(100_000),
  }).strict(),
).min(1);

/**
 * One row of a data array as an observation of its datastream, checked and read in one pass
 * without a zod parse per row (a batch has thousands). Returns the problem in words when the row
 * is not valid, or a time lies further ahead than the allowed clock skew. A phenomenon time not
 * given is `now`, a result time not given null.
 */
export function readDataArrayRow(components: readonly string[], values: unknown, datastreamId: number, rules: TimeRules): NewObservation | string {
  const { now } = rules;
  const skew = rules.maximumFutureSkewMilliseconds ?? DEFAULT_FUTURE_SKEW_MILLISECONDS;
  if (!Array.isArray(values)) return 'must be an array of values, one per component';
  if (values.length !== components.length) return `has ${values.length} values for ${components.length} components`;
  const observation: NewObservation = { datastreamId, phenomenonTimeMs: now, resultTimeMs: null, result: undefined };
  let hasResult = false;
  for (let i = 0; i < components.length; i++) {
    const value = values[i];
    switch (components[i]) {
      case 'phenomenonTime': {
        const time = timeValue(value);
        if (time === undefined) return `phenomenonTime: ${TIME_MESSAGE}`;
        const future = futureProblem('phenomenonTime', time.endMs ?? time.startMs, now, skew);
        if (future) return future;
        observation.phenomenonTimeMs = time.startMs;
        observation.phenomenonTimeEndMs = time.endMs;
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
      case 'FeatureOfInterest/id':
      case 'FeatureOfInterest/@iot.id':
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) return 'FeatureOfInterest/id: must be the id of a FeatureOfInterest';
        observation.featureOfInterestId = value;
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
export type LocationPayload = Omit<z.infer<typeof locationSchema>, 'Things'> & { Things?: { '@iot.id': number }[] };
export type FeatureOfInterestPayload = z.infer<typeof featureOfInterestSchema>;
export type HistoricalLocationPayload = z.infer<typeof historicalLocationSchema>;
export type DatastreamPayload = z.infer<typeof datastreamBody>;
export type ObservationPayload = z.infer<typeof observationSchema>;

/** zod's issues as one line: "Datastreams.0.unitOfMeasurement: Required; …". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`).slice(0, 5).join('; ');
}
