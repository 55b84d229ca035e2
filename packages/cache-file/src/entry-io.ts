import {
  type FileHandle,
  lstat,
  mkdir,
  open,
  readFile,
  rename,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { dirname } from 'node:path';
import { tempPathFor } from './entry-paths.js';
import { errnoCode } from './fs-errors.js';

/** Temp names tried before a write gives up: each is random, so a second one already in use means foul play. */
const TEMP_NAME_ATTEMPTS = 5;

/** The whole file, or undefined when it does not exist. */
export async function readEntryFile(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** The first `headBytes` bytes and the size of a file (no bytes when it is not a regular file), or undefined when it does not exist. */
export async function readEntryHead(
  file: string,
  headBytes: number,
): Promise<
  { head: Buffer; sizeBytes: number; ino: number; mtimeMs: number; isFile: boolean } | undefined
> {
  const handle = await openIfExists(file);
  if (handle === undefined) return undefined;
  try {
    const stat = await handle.stat();
    // Something else at an entry path (a folder) has no head: reading it would fail with EISDIR.
    const isFile = stat.isFile();
    const head = Buffer.allocUnsafe(isFile ? Math.min(headBytes, stat.size) : 0);
    const bytesRead = isFile ? (await handle.read(head, 0, head.length, 0)).bytesRead : 0;
    return {
      head: head.subarray(0, bytesRead),
      sizeBytes: stat.size,
      ino: stat.ino,
      mtimeMs: stat.mtimeMs,
      isFile,
    };
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to a temp file in the same folder, fsyncs it (and the folder)
 * when `durable`, then renames it over `file`: readers see the old or the new
 * file, never a torn one. Creates the folder when it is missing (also when
 * the whole cache directory was removed). `beforeCommit` runs between the
 * write and the rename and may throw to abandon the write.
 */
export async function writeEntryAtomic(
  file: string,
  data: Uint8Array,
  durable: boolean,
  beforeCommit?: () => void,
): Promise<void> {
  let temp = tempPathFor(file);
  let madeFolder = false;
  for (let attempt = 1; ; attempt++) {
    try {
      await writeTemp(temp, data, durable);
      break;
    } catch (error) {
      const code = errnoCode(error);
      // Something already at the name is not ours (exclusive create failed): leave it, pick another.
      if (code === 'EEXIST' && attempt < TEMP_NAME_ATTEMPTS) temp = tempPathFor(file);
      else if (code === 'ENOENT' && !madeFolder) {
        await makeFolder(dirname(file));
        madeFolder = true;
      } else throw code === 'EEXIST' ? error : await discardTemp(temp, error);
    }
  }
  try {
    beforeCommit?.();
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  if (durable) await syncDirectory(dirname(file));
}

/**
 * `mkdir -p`, except that a failure reports its real cause: Node's recursive mkdir
 * says ENOENT on a read-only file system, where a plain mkdir says EROFS.
 */
async function makeFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
    await mkdir(folder); // throws EROFS/EACCES when that is the cause, ENOENT when the parent is gone
  }
}

/** Removes a half-written temp file (a full disk must not stay full of our debris); returns `error`. */
async function discardTemp(temp: string, error: unknown): Promise<unknown> {
  await unlink(temp).catch(() => undefined);
  return error;
}

// 'wx' creates the file or fails with EEXIST: it never follows a symlink planted at the name.
async function writeTemp(temp: string, data: Uint8Array, durable: boolean): Promise<void> {
  if (!durable) {
    await writeFile(temp, data, { flag: 'wx' });
    return;
  }
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes `file`; false when it was already gone. */
export async function removeFile(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Removes `file` only if it is still the file (inode) that was judged, so a
 * value written meanwhile by another process survives. The check and the
 * unlink are two calls; the window between them is a few microseconds.
 */
export async function removeIfSame(file: string, ino: number): Promise<boolean> {
  try {
    if ((await lstat(file)).ino !== ino) return false;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
  return removeFile(file);
}

/** Reads `file` through a handle, returning its bytes and inode, or undefined when missing. */
export async function readWithInode(
  file: string,
): Promise<{ bytes: Buffer; ino: number } | undefined> {
  const handle = await openIfExists(file);
  if (handle === undefined) return undefined;
  try {
    const stat = await handle.stat();
    return { bytes: await handle.readFile(), ino: stat.ino };
  } finally {
    await handle.close();
  }
}

/** Opens `file` for reading, or returns undefined when it does not exist. */
async function openIfExists(file: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}
