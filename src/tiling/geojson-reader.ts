/**
 * Streaming GeoJSON FeatureCollection reader (loaders.gl JSONLoader in batches), so large
 * inputs are never held as one string. Reports malformed JSON with the file and position.
 */
import { parseInBatches } from '@loaders.gl/core';
import { JSONLoader } from '@loaders.gl/json';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { TilingInputError } from './errors.ts';

export interface GeoJsonSource {
  /** Features in file order. */
  features: AsyncIterable<unknown>;
  /** The CRS named by the file's (2008-style) `crs` member, once it has been read. */
  declaredCrs(): string | undefined;
}

interface Batch {
  batchType: string;
  data?: unknown;
  container?: { type?: unknown; crs?: { properties?: { name?: unknown } } };
}

export async function openGeoJson(file: string): Promise<GeoJsonSource> {
  try {
    await access(file);
  } catch {
    throw new TilingInputError(file, undefined, 'cannot read the file (does it exist?)');
  }
  let crs: string | undefined;
  const noteContainer = (container: Batch['container']) => {
    const name = container?.crs?.properties?.name;
    if (typeof name === 'string') crs = name;
  };
  async function* features(): AsyncGenerator<unknown> {
    let count = 0;
    let sawFeatures = false;
    try {
      const batches = (await parseInBatches(createReadStream(file) as unknown as AsyncIterable<ArrayBuffer>, JSONLoader, {
        json: { jsonpaths: ['$.features'] },
        metadata: true,
      } as never)) as AsyncIterable<Batch>;
      for await (const batch of batches) {
        if (batch.batchType === 'partial-result' || batch.batchType === 'final-result') {
          noteContainer(batch.container);
          if (batch.container && batch.container.type !== undefined && batch.container.type !== 'FeatureCollection') {
            throw new TilingInputError(file, undefined, `is a GeoJSON ${JSON.stringify(batch.container.type)}, not a FeatureCollection`);
          }
        }
        if (batch.batchType === 'data' && Array.isArray(batch.data)) {
          sawFeatures = true;
          for (const feature of batch.data) {
            count++;
            yield feature;
          }
        }
      }
    } catch (error) {
      if (error instanceof TilingInputError) throw error;
      const message = error instanceof Error ? error.message.replace(/\s+/g, ' ').trim() : String(error);
      throw new TilingInputError(file, count, `malformed JSON after ${count} complete features: ${message}`);
    }
    if (!sawFeatures && count === 0) {
      // An empty "features": [] is fine; a file with no features member is not GeoJSON.
      const head = await readHead(file);
      if (!/"features"\s*:/.test(head)) throw new TilingInputError(file, undefined, 'is not a GeoJSON FeatureCollection (no "features" member)');
    }
  }
  return { features: features(), declaredCrs: () => crs };
}

async function readHead(file: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
