import { utimes } from 'node:fs/promises';
import { scanDirectory } from './directory-scan.js';
import { FLAG_INTERNAL } from './entry-format.js';
import { removeFile, removeIfSame } from './entry-io.js';
import { errnoCode } from './fs-errors.js';

/** What one sweep found and did. */
export interface SweepReport {
  /** Expired entries removed. */
  expired: number;
  /** Entries removed to respect maxItems / maxSizeBytes, least recently used first. */
  evicted: number;
  /** Unreadable entry files removed. */
  corrupt: number;
  /** Temp files left by dead processes, removed. */
  orphanedTempFiles: number;
  /** Entry paths holding something other than a file (a folder), skipped and left alone. */
  strayEntries: number;
  /** Live entries after the sweep (all namespaces in the directory, locks included). */
  itemCount: number;
  /** Bytes of those entries' files (header + key + value). */
  sizeBytes: number;
}

/** What the sweep needs from the cache. */
export interface SweepOptions {
  readonly directory: string;
  readonly maxItems: number;
  readonly maxSizeBytes: number;
  /** Last read of each file by this instance (ms since epoch), not yet written to the file's mtime. */
  readonly accessTimes: Map<string, number>;
}

interface LiveEntry {
  file: string;
  ino: number;
  sizeBytes: number;
  usedAtMs: number;
  evictable: boolean;
}

/**
 * Removes expired and corrupt entries and orphaned temp files, records this
 * instance's reads in the files' mtimes (the shared "last used" time), then
 * evicts least recently used entries until the bounds hold.
 */
export async function sweepDirectory(options: SweepOptions): Promise<SweepReport> {
  const report: SweepReport = {
    expired: 0,
    evicted: 0,
    corrupt: 0,
    orphanedTempFiles: 0,
    strayEntries: 0,
    itemCount: 0,
    sizeBytes: 0,
  };
  const accessed = new Map(options.accessTimes);
  options.accessTimes.clear();
  const now = Date.now();
  const live: LiveEntry[] = [];
  await scanDirectory(options.directory, {
    entry: async ({ file, ino, sizeBytes, mtimeMs, head }) => {
      if ('kind' in head) {
        if (head.kind === 'corrupt' && (await removeIfSame(file, ino))) report.corrupt++;
        else if (head.kind === 'newer-version')
          live.push({ file, ino, sizeBytes, usedAtMs: mtimeMs, evictable: false });
        return;
      }
      if (head.expiresAtMs <= now) {
        if (await removeIfSame(file, ino)) report.expired++;
        return;
      }
      const readAtMs = accessed.get(file) ?? 0;
      let usedAtMs = mtimeMs;
      if (readAtMs > mtimeMs) {
        usedAtMs = readAtMs;
        await touch(file, readAtMs);
      }
      live.push({ file, ino, sizeBytes, usedAtMs, evictable: (head.flags & FLAG_INTERNAL) === 0 });
    },
    temp: async (file, pid) => {
      if (pid !== process.pid && !isAlive(pid) && (await removeFile(file)))
        report.orphanedTempFiles++;
    },
    stray: async () => {
      report.strayEntries++;
    },
  });
  let count = live.length;
  let bytes = live.reduce((sum, e) => sum + e.sizeBytes, 0);
  if (count > options.maxItems || bytes > options.maxSizeBytes) {
    const victims = live.filter((e) => e.evictable).sort((a, b) => a.usedAtMs - b.usedAtMs);
    for (const victim of victims) {
      if (count <= options.maxItems && bytes <= options.maxSizeBytes) break;
      if (await removeIfSame(victim.file, victim.ino)) report.evicted++;
      count--;
      bytes -= victim.sizeBytes;
    }
  }
  report.itemCount = count;
  report.sizeBytes = bytes;
  return report;
}

async function touch(file: string, atMs: number): Promise<void> {
  try {
    await utimes(file, atMs / 1000, atMs / 1000);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}
