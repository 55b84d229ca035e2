import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeHead, FIXED_HEADER_BYTES, type UnusableEntry } from './entry-format.js';
import { readEntryHead } from './entry-io.js';
import { ENTRY_NAME, SHARD_NAME, TEMP_NAME } from './entry-paths.js';
import { errnoCode } from './fs-errors.js';

/** Enough bytes for the header and the longest full key (namespace + lock space + 1024-byte key). */
const HEAD_READ_BYTES = FIXED_HEADER_BYTES + 2048;
/** Files examined at once, so a scan never needs many file descriptors. */
const SCAN_CONCURRENCY = 8;

/** One entry file found by a scan. */
export interface ScannedEntry {
  readonly file: string;
  readonly ino: number;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
  /** The decoded header, or why the file is unusable. */
  readonly head: { expiresAtMs: number; flags: number; key: Buffer | undefined } | UnusableEntry;
}

/** What a scan visits. */
export interface ScanVisitor {
  entry?: (entry: ScannedEntry) => Promise<void>;
  /** A temp file and the pid in its name. */
  temp?: (file: string, pid: number) => Promise<void>;
  /** Something other than a regular file (a folder) at an entry path; the scan goes on past it. */
  stray?: (file: string) => Promise<void>;
}

/**
 * Walks every shard folder of `directory`, reading only the header (and key)
 * of each entry file. Entries removed while the scan runs are skipped.
 */
export async function scanDirectory(directory: string, visitor: ScanVisitor): Promise<void> {
  const shards = (await listOrEmpty(directory)).filter((name) => SHARD_NAME.test(name));
  for (const shard of shards) {
    const dir = join(directory, shard);
    const names = await listOrEmpty(dir);
    const work: Array<() => Promise<void>> = [];
    for (const name of names) {
      const file = join(dir, name);
      if (ENTRY_NAME.test(name)) {
        if (visitor.entry !== undefined) {
          const visit = visitor.entry;
          work.push(async () => {
            const read = await readEntryHead(file, HEAD_READ_BYTES);
            if (read === undefined) return;
            if (!read.isFile) return void (await visitor.stray?.(file));
            const { head, isFile, ...rest } = read;
            await visit({ file, ...rest, head: decodeHead(head, read.sizeBytes) });
          });
        }
        continue;
      }
      const temp = TEMP_NAME.exec(name);
      if (temp !== null && visitor.temp !== undefined) {
        const visit = visitor.temp;
        work.push(() => visit(file, Number(temp[1])));
      }
    }
    await runLimited(work, SCAN_CONCURRENCY);
  }
}

async function listOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
}

async function runLimited(work: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < work.length) {
      const job = work[next++];
      if (job !== undefined) await job();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, work.length) }, worker));
}
