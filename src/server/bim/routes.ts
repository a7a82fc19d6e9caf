/**
 * The BIM API over a BimStore (data routes, like the asset API):
 *
 *   GET /api/bim/models[?building=ID]                     every model (of one base building): ID, name, building, schema, placement, counts
 *   GET /api/bim/models/{model}                           one model with its units and storeys
 *   GET /api/bim/models/{model}/storeys                   storey tree, elevation order, element counts by class
 *   GET /api/bim/models/{model}/elements/{globalId}       one element: class, name, storey, material,
 *                                                         property and quantity sets grouped by set, with units
 *
 * A model ID that is not one (a–z 0–9 - _) or a GlobalId over 64 characters is a 400; a model or
 * element not in the store is a 404 naming the ID.
 */
import type { FastifyInstance } from 'fastify';
import { checkModelId, isAcceptableGlobalId, type BimInputError } from '../../domain/bim.ts';
import { DATA_ROUTE } from '../access.ts';
import { openBimStore, type BimStore } from './bim-store.ts';

class BimApiError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

function modelParameter(params: unknown): string {
  const { model } = params as { model: string };
  try {
    return checkModelId(model);
  } catch (error) {
    throw new BimApiError(400, (error as BimInputError).message);
  }
}

/**
 * Register the BIM routes on a store, or on one opened at a location (closed with the app):
 * `await registerBimRoutes(app, { location: process.env.ASSETS_DATABASE })` serves the tables the
 * BIM tiler's `--store` filled beside the asset store.
 */
export async function registerBimRoutes(app: FastifyInstance, options: { store: BimStore } | { location: string }): Promise<BimStore> {
  let store: BimStore;
  if ('store' in options) store = options.store;
  else {
    const opened = await openBimStore(options.location);
    app.addHook('onClose', () => opened.close());
    store = opened;
  }

  app.get('/api/bim/models', DATA_ROUTE, async (request) => {
    const { building } = request.query as { building?: string | string[] };
    if (Array.isArray(building)) throw new BimApiError(400, 'give building once');
    const models = await store.models();
    return { models: building === undefined ? models : models.filter((m) => m.building === building) };
  });

  app.get('/api/bim/models/:model', DATA_ROUTE, async (request) => {
    const model = modelParameter(request.params);
    const record = await store.model(model);
    if (!record) throw new BimApiError(404, `no BIM model ${JSON.stringify(model)}`);
    return record;
  });

  app.get('/api/bim/models/:model/storeys', DATA_ROUTE, async (request) => {
    const model = modelParameter(request.params);
    const storeys = await store.storeys(model);
    if (!storeys) throw new BimApiError(404, `no BIM model ${JSON.stringify(model)}`);
    return { model, storeys };
  });

  app.get('/api/bim/models/:model/elements/:globalId', DATA_ROUTE, async (request) => {
    const model = modelParameter(request.params);
    const { globalId } = request.params as { globalId: string };
    if (!isAcceptableGlobalId(globalId)) throw new BimApiError(400, `GlobalId must be 1–64 printable characters, got ${JSON.stringify(String(globalId).slice(0, 80))}`);
    const element = await store.element(model, globalId);
    if (!element) {
      const exists = await store.model(model);
      throw new BimApiError(404, exists ? `no element ${JSON.stringify(globalId)} in BIM model ${JSON.stringify(model)}` : `no BIM model ${JSON.stringify(model)}`);
    }
    return element;
  });
  return store;
}
