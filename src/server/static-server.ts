/**
 * The HTTP server of `npm start`: the built viewer (dist/) at /, generated tilesets at /tiles/.
 * The monitoring API joins this same server under /v1.1 (see scripts/start.ts). Cross-origin
 * reads of any of it (tiles included) follow one allow-list (cors.ts): default none.
 */
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { resolve } from 'node:path';
import { registerCors } from './cors.ts';

export interface StaticServerOptions {
  /** Directory of the production build. Default "dist". */
  distDirectory?: string;
  /** Directory of generated tilesets. Default "tiles". */
  tilesDirectory?: string;
  logger?: boolean;
  /** Origins allowed to read cross-origin (CORS), for every route. Default none: same origin only. */
  corsOrigins?: string[];
}

export async function createStaticServer(options: StaticServerOptions = {}): Promise<FastifyInstance> {
  // Large enough for a CreateObservations batch of the monitoring API, which joins this server.
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 8 * 1024 * 1024 });
  await registerCors(app, options.corsOrigins ?? []);
  await app.register(fastifyStatic, {
    root: resolve(options.distDirectory ?? 'dist'),
    prefix: '/',
    index: ['index.html'],
    setHeaders: (reply, path) => {
      // Cesium's workers and assets never change for a given build; the app shell must revalidate.
      reply.header('Cache-Control', path.includes('/cesium/') || path.includes('/assets/') ? 'public, max-age=86400' : 'no-cache');
    },
  });
  await app.register(fastifyStatic, {
    root: resolve(options.tilesDirectory ?? 'tiles'),
    prefix: '/tiles/',
    decorateReply: false,
    setHeaders: (reply, path) => {
      if (path.endsWith(".glb")) reply.header('Content-Type', 'model/gltf-binary');
      else if (path.endsWith('.geojson')) reply.header('Content-Type', 'application/geo+json');
      reply.header('Cache-Control', 'no-cache');
    },
  });
  return app;
}
