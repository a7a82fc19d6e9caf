import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { RecordStore, scanRecordFile } from './record-store.ts';

const directory = mkdtempSync(join(tmpdir(), 'cim-twin-store-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it('stores, replaces and reads back records across buffer flushes, then deletes its file', () => {
  const store = new RecordStore(join(directory, 'records.bin'));
  const count = 50_000; // more than one 4 MiB write buffer (and scan chunk)
  for (let i = 0; i < count; i++) store.add(Float64Array.from({ length: 5 + (i % 9) }, (_, k) => i + k / 10), JSON.stringify({ id: `楼${i}`, n: i }));
  store.replace(7, Float64Array.of(1, 2, 3), '{"id":"replaced"}');
  const huge = new Float64Array(700_000).fill(2.5); // larger than the write buffer
  const hugeHandle = store.add(huge, '{}');
  expect(store.size).toBe(count + 1);
  for (const i of [0, 1, 6, 8, 12_345, count - 1]) {
    const record = store.get(i);
    expect(record.packed.length).toBe(5 + (i % 9));
    expect(record.packed[1]).toBeCloseTo(i + 0.1, 10);
    expect(JSON.parse(record.json)).toEqual({ id: `楼${i}`, n: i });
  }
  expect(store.get(7)).toEqual({ packed: Float64Array.of(1, 2, 3), json: '{"id":"replaced"}' });
  expect(store.get(hugeHandle).packed.length).toBe(700_000);
  expect(() => store.get(count + 5)).toThrow(RangeError);
  // A scan of the file (on its own descriptor, as a worker thread reads it) reads in chunks: the same records as one get
  // each, in the same order, across chunk ends, the replaced record and the huge one.
  let scanned = 0;
  for (const record of scanRecordFile(store.file())) {
    expect(record).toEqual(store.get(scanned));
    scanned++;
  }
  expect(scanned).toBe(count + 1);
  store.dispose();
  expect(() => store.get(0)).toThrow();
});
