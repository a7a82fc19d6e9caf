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
      // The streaming parser's line/column are not reliable; on this error path only, the
      // built-in JSON.parse gives the exact offset, which names the feature.
      let index: number | undefined;
      let detail = message;
      try {
        const text = await readText(file);
        try {
          JSON.parse(text);
        } catch (strict) {
          const position = /position (\d+)/.exec(String((strict as Error).message));
          if (position) {
            index = featureIndexAt(text, Number(position[1]));
            detail = `${(strict as Error).message}`;
          }
        }
      } catch {
        // too large to read whole: keep the streaming parser's message
      }
      throw new TilingInputError(file, index ?? count, `malformed JSON: ${detail}`);
    }
    if (!sawFeatures && count === 0) {
      // An empty "features": [] is fine; a file with no features member is not GeoJSON.
      const head = await readText(file);
      if (!/"features"\s*:/.test(head)) throw new TilingInputError(file, undefined, 'is not a GeoJSON FeatureCollection (no "features" member)');
    }
  }
  return { features: features(), declaredCrs: () => crs };
}

/**
 * Which element of the top-level "features" array contains a character offset: the parser
 * reports where JSON broke, this turns it into the feature index the user needs. Only counts
 * brackets outside strings; undefined if the offset is not inside the features array.
 */
export function featureIndexAt(text: string, offset: number): number | undefined {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let featuresDepth = -1;
  let index = -1;
  let lastKey = '';
  let keyStart = -1;
  for (let i = 0; i < text.length && i <= offset; i++) {
    const c = text[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') {
        inString = false;
        lastKey = text.slice(keyStart + 1, i);
      }
      continue;
    }
    if (c === '"') {
      inString = true;
      keyStart = i;
    } else if (c === '{' || c === '[') {
      if (c === '[' && depth === 1 && lastKey === 'features') featuresDepth = depth + 1;
      depth++;
      if (c === '{' && depth === featuresDepth + 1) index++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth < featuresDepth) featuresDepth = -1;
    }
  }
  return featuresDepth > 0 && index >= 0 ? index : undefined;
}

async function readText(file: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
