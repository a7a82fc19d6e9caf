/**
 * Atomic output directories: everything is written into a temporary sibling directory that
 * replaces the target only when complete, so a failed run leaves no half-written tileset.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export class AtomicDirectory {
  readonly temporaryPath: string;
  private finished = false;

  constructor(readonly targetPath: string) {
    const target = resolve(targetPath);
    this.temporaryPath = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  }

  async open(): Promise<void> {
    await mkdir(this.temporaryPath, { recursive: true });
  }

  async write(relativePath: string, data: Uint8Array | string): Promise<void> {
    const path = join(this.temporaryPath, relativePath);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  }

  /** Move the complete output into place, replacing any previous one. */
  async commit(): Promise<void> {
    const target = resolve(this.targetPath);
    const previous = `${this.temporaryPath}.previous`;
    let hadPrevious = true;
    try {
      await rename(target, previous);
    } catch {
      hadPrevious = false;
    }
    await rename(this.temporaryPath, target);
    if (hadPrevious) await rm(previous, { recursive: true, force: true });
    this.finished = true;
  }

  /** Remove the temporary directory; the target is untouched. */
  async abandon(): Promise<void> {
    if (!this.finished) await rm(this.temporaryPath, { recursive: true, force: true });
  }
}
