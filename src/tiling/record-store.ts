/**
 * Buildings between reading and writing, spilled to a temporary file so that memory does not
 * grow with the input (a million buildings would otherwise hold gigabytes of small objects).
 * Each record is its packed parts (Float64Array) and its properties as JSON; only the file
 * offsets stay in memory. Writes are buffered; reads are positioned (pread) on the same file.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';

const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;
/** Bytes read at a time by a scan. */
const SCAN_CHUNK_BYTES = 4 * 1024 * 1024;

/** A record from its bytes: [float count: uint32][pad: uint32][floats…][json bytes…]. */
function decodeRecord(bytes: Buffer): StoredRecord {
  const floats = bytes.readUInt32LE(0);
  const packed = new Float64Array(floats);
  Buffer.from(packed.buffer).set(bytes.subarray(8, 8 + floats * 8));
  return { packed, json: bytes.toString('utf8', 8 + floats * 8) };
}

export interface StoredRecord {
  packed: Float64Array;
  json: string;
}

/**
 * Where a store's records lie in its file, for another thread to read them (`scanRecordFile`)
 * while the store is alive: the file is deleted when the store is disposed.
 */
export interface RecordFile {
  path: string;
  offsets: Float64Array;
  lengths: Uint32Array;
}

/**
 * Every record of a RecordStore's file (see RecordStore.file) in handle order, on a descriptor of
 * its own, read in chunks of SCAN_CHUNK_BYTES (records added in order lie one after another in the
 * file): a million records in a few hundred reads instead of one each.
 */
export function* scanRecordFile(file: RecordFile): Generator<StoredRecord> {
  const { offsets, lengths } = file;
  const fd = openSync(file.path, 'r');
  try {
    let chunk = Buffer.alloc(0);
    let chunkOffset = 0;
    for (let handle = 0; handle < offsets.length; handle++) {
      const offset = offsets[handle]!;
      const length = lengths[handle]!;
      if (offset < chunkOffset || offset + length > chunkOffset + chunk.length) {
        chunk = Buffer.allocUnsafe(Math.max(SCAN_CHUNK_BYTES, length));
        chunkOffset = offset;
        chunk = chunk.subarray(0, readSync(fd, chunk, 0, chunk.length, offset));
      }
      yield decodeRecord(chunk.subarray(offset - chunkOffset, offset - chunkOffset + length));
    }
  } finally {
    closeSync(fd);
  }
}

export class RecordStore {
  private readonly fd: number;
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private count = 0;
  private fileLength = 0;
  private buffer = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  private buffered = 0;

  constructor(private readonly path: string) {
    this.fd = openSync(path, 'w+');
  }

  get size(): number {
    return this.count;
  }

  /** Store a record; returns its handle (0, 1, 2, … in order of addition). */
  add(packed: Float64Array, json: string): number {
    if (this.count === this.offsets.length) {
      const offsets = new Float64Array(this.count * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
      const lengths = new Uint32Array(this.count * 2);
      lengths.set(this.lengths);
      this.lengths = lengths;
    }
    this.write(this.count, packed, json);
    return this.count++;
  }

  /** Replace a record (the old bytes stay in the file, unreferenced). */
  replace(handle: number, packed: Float64Array, json: string): void {
    this.write(handle, packed, json);
  }

  private write(handle: number, packed: Float64Array, json: string): void {
    const jsonBytes = Buffer.from(json, 'utf8');
    // [float count: uint32][pad: uint32][floats…][json bytes…]
    const length = 8 + packed.byteLength + jsonBytes.length;
    if (this.buffered + length > this.buffer.length) this.flush();
    const target = length > this.buffer.length ? Buffer.allocUnsafe(length) : this.buffer;
    const at = target === this.buffer ? this.buffered : 0;
    target.writeUInt32LE(packed.length, at);
    target.writeUInt32LE(0, at + 4);
    Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength).copy(target, at + 8);
    jsonBytes.copy(target, at + 8 + packed.byteLength);
    this.offsets[handle] = this.fileLength + this.buffered;
    this.lengths[handle] = length;
    if (target === this.buffer) this.buffered += length;
    else {
      this.flush();
      this.offsets[handle] = this.fileLength;
      writeSync(this.fd, target, 0, length, this.fileLength);
      this.fileLength += length;
    }
  }

  flush(): void {
    if (this.buffered === 0) return;
    writeSync(this.fd, this.buffer, 0, this.buffered, this.fileLength);
    this.fileLength += this.buffered;
    this.buffered = 0;
  }

  get(handle: number): StoredRecord {
    if (handle < 0 || handle >= this.count) throw new RangeError(`no record ${handle}`);
    const offset = this.offsets[handle]!;
    if (offset + this.lengths[handle]! > this.fileLength) this.flush();
    const bytes = Buffer.allocUnsafe(this.lengths[handle]!);
    readSync(this.fd, bytes, 0, bytes.length, offset);
    return decodeRecord(bytes);
  }

  /** The records written so far, for a reader of the file (scanRecordFile, on any thread) until this store is disposed. */
  file(): RecordFile {
    this.flush();
    return { path: this.path, offsets: this.offsets.slice(0, this.count), lengths: this.lengths.slice(0, this.count) };
  }

  private disposed = false;

  /** Close and delete the file (once; later calls do nothing). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      closeSync(this.fd);
    } finally {
      rmSync(this.path, { force: true });
    }
  }
}
