/**
 * A structural check of an ISO 10303-21 (STEP) file before web-ifc reads it: web-ifc opens a
 * truncated file and then aborts inside its WebAssembly with no message, and refuses a corrupt
 * one with only "-1". This scan names the entity and the reason instead: the header and its
 * FILE_SCHEMA, every `#id=NAME(…);` statement of the DATA section (quotes and parentheses
 * balanced), every `#id` reference pointing at an entity in the file, and the closing
 * END-ISO-10303-21. Two linear passes over the bytes; nothing is kept but a bitmap of IDs.
 */

export class StepSyntaxError extends Error {
  constructor(
    /** The entity at fault ("#99 (IFCWALL)"), or undefined for a file-level problem. */
    readonly entity: string | undefined,
    readonly reason: string,
  ) {
    super(entity ? `entity ${entity}: ${reason}` : reason);
    this.name = 'StepSyntaxError';
  }
}

export interface StepSummary {
  /** FILE_SCHEMA's first name, upper case: IFC2X3, IFC4, IFC4X3_ADD2 … */
  schema: string;
  entities: number;
  /** Entities by upper-case type name. */
  typeCounts: Map<string, number>;
}

const HASH = 0x23;
const QUOTE = 0x27;
const OPEN = 0x28;
const CLOSE = 0x29;
const SEMI = 0x3b;
const EQUALS = 0x3d;
const SLASH = 0x2f;
const STAR = 0x2a;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
function isNameChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || isDigit(c) || c === 0x5f;
}

class Bitmap {
  bits = new Uint8Array(1 << 16);
  set(id: number): boolean {
    const byte = id >>> 3;
    if (byte >= this.bits.length) {
      let size = this.bits.length;
      while (size <= byte) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bits);
      this.bits = grown;
    }
    const had = (this.bits[byte]! >> (id & 7)) & 1;
    this.bits[byte]! |= 1 << (id & 7);
    return had === 1;
  }
  has(id: number): boolean {
    const byte = id >>> 3;
    return byte < this.bits.length && ((this.bits[byte]! >> (id & 7)) & 1) === 1;
  }
}

const decoder = new TextDecoder('latin1');

/** Check a STEP file's structure; throws StepSyntaxError naming the entity and the reason. */
export function checkStep(bytes: Uint8Array): StepSummary {
  const head = decoder.decode(bytes.subarray(0, Math.min(bytes.length, 64 * 1024)));
  if (!/^\s*ISO-10303-21\s*;/.test(head)) throw new StepSyntaxError(undefined, 'is not a STEP (ISO 10303-21) file: it does not begin with "ISO-10303-21;"');
  const schemaMatch = /FILE_SCHEMA\s*\(\s*\(\s*'([^']*)'/i.exec(head);
  if (!schemaMatch) throw new StepSyntaxError(undefined, 'has no FILE_SCHEMA in its header');
  const dataMatch = /(^|[\s;])DATA\s*;/m.exec(head);
  const dataStart = dataMatch ? dataMatch.index + dataMatch[0].length : findData(bytes);
  if (dataStart < 0) throw new StepSyntaxError(undefined, 'has no DATA section');
  const tail = decoder.decode(bytes.subarray(Math.max(0, bytes.length - 256)));
  const defined = new Bitmap();
  const typeCounts = new Map<string, number>();
  let entities = 0;
  let lastEntity: string | undefined;
  const scan = (checkReferences: boolean) => {
    let i = dataStart;
    const n = bytes.length;
    for (;;) {
      // Between statements: whitespace and comments, then #id=…, or ENDSEC;
      while (i < n) {
        const c = bytes[i]!;
        if (isSpace(c)) i++;
        else if (c === SLASH && bytes[i + 1] === STAR) {
          const end = indexOf(bytes, '*/', i + 2);
          if (end < 0) throw new StepSyntaxError(lastEntity, 'a comment after it is not closed (the file is truncated?)');
          i = end + 2;
        } else break;
      }
      if (i >= n) throw new StepSyntaxError(undefined, `ends inside the DATA section${lastEntity ? ` after entity ${lastEntity}` : ''}: no ENDSEC; and END-ISO-10303-21; (the file is truncated)`);
      if (bytes[i] !== HASH) {
        if (matchesAt(bytes, i, 'ENDSEC')) break;
        throw new StepSyntaxError(lastEntity, `unexpected text after it: ${JSON.stringify(decoder.decode(bytes.subarray(i, Math.min(n, i + 30))))}`);
      }
      const start = i;
      i++;
      let id = 0;
      while (i < n && isDigit(bytes[i]!)) id = id * 10 + (bytes[i++]! - 0x30);
      if (i === start + 1) throw new StepSyntaxError(lastEntity, 'a statement after it has no entity number');
      while (i < n && isSpace(bytes[i]!)) i++;
      if (i >= n) throw new StepSyntaxError(`#${id}`, 'is not terminated: the file ends inside it (truncated)');
      if (bytes[i] !== EQUALS) throw new StepSyntaxError(`#${id}`, 'has no "=" after its number');
      i++;
      while (i < n && isSpace(bytes[i]!)) i++;
      const nameStart = i;
      while (i < n && isNameChar(bytes[i]!)) i++;
      const name = decoder.decode(bytes.subarray(nameStart, i)).toUpperCase();
      const label = `#${id} (${name || '?'})`;
      if (i >= n) throw new StepSyntaxError(label, 'is not terminated: the file ends inside it (truncated)');
      if (!name) throw new StepSyntaxError(label, 'has no entity type name');
      while (i < n && isSpace(bytes[i]!)) i++;
      if (bytes[i] !== OPEN) throw new StepSyntaxError(label, `has no "(" after ${name}`);
      let depth = 0;
      for (;;) {
        if (i >= n) throw new StepSyntaxError(label, 'is not terminated: the file ends inside it (truncated)');
        const c = bytes[i]!;
        if (c === QUOTE) {
          i++;
          for (;;) {
            if (i >= n) throw new StepSyntaxError(label, 'has a text value that is never closed (truncated or corrupt)');
            if (bytes[i] === QUOTE) {
              if (bytes[i + 1] === QUOTE) i += 2;
              else break;
            } else i++;
          }
          i++;
          continue;
        }
        if (c === OPEN) depth++;
        else if (c === CLOSE) {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        } else if (c === SEMI) throw new StepSyntaxError(label, 'has unbalanced parentheses: ";" inside its argument list');
        else if (c === HASH && checkReferences) {
          let ref = 0;
          let j = i + 1;
          while (j < n && isDigit(bytes[j]!)) ref = ref * 10 + (bytes[j++]! - 0x30);
          if (j > i + 1 && !defined.has(ref)) throw new StepSyntaxError(label, `refers to #${ref}, which is not in the file`);
          i = j;
          continue;
        }
        i++;
      }
      while (i < n && isSpace(bytes[i]!)) i++;
      if (bytes[i] !== SEMI) throw new StepSyntaxError(label, `is not followed by ";"${i >= n ? ' (the file is truncated)' : ''}`);
      i++;
      if (!checkReferences) {
        if (defined.set(id)) throw new StepSyntaxError(label, `#${id} is defined twice`);
        entities++;
        typeCounts.set(name, (typeCounts.get(name) ?? 0) + 1);
      }
      lastEntity = label;
    }
  };
  scan(false);
  if (!/END-ISO-10303-21\s*;\s*$/.test(tail)) throw new StepSyntaxError(undefined, `does not end with END-ISO-10303-21; (the file is truncated after entity ${lastEntity ?? '?'})`);
  scan(true);
  return { schema: schemaMatch[1]!.trim().toUpperCase(), entities, typeCounts };
}

function matchesAt(bytes: Uint8Array, at: number, text: string): boolean {
  for (let k = 0; k < text.length; k++) if (bytes[at + k] !== text.charCodeAt(k)) return false;
  return true;
}

function indexOf(bytes: Uint8Array, text: string, from: number): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(text, from, 'latin1');
}

function findData(bytes: Uint8Array): number {
  const at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf('DATA;', 0, 'latin1');
  return at < 0 ? -1 : at + 5;
}
