import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** A trace as dense key numbers 0 … distinct − 1, in access order. */
export interface Trace {
  name: string;
  accesses: Int32Array;
  distinct: number;
}

/**
 * Reads a trace file: `.gz` is LIRS text (one block number per line, `*` lines
 * ignored), `.xz` is cache2k binary (big-endian int32 per access), unpacked
 * with the system `xz`. Keys are renumbered densely in order of first use.
 */
export function loadTrace(path: string, name: string): Trace {
  const raw: number[] = [];
  if (path.endsWith('.gz')) {
    for (const line of gunzipSync(readFileSync(path)).toString('latin1').split('\n')) {
      const t = line.trim();
      if (t === '' || t.startsWith('*')) continue;
      raw.push(Number(t));
    }
  } else {
    const bytes = execFileSync('xz', ['-dc', path], { maxBuffer: 1 << 30 });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i + 4 <= bytes.byteLength; i += 4) raw.push(view.getInt32(i, false));
  }
  const ids = new Map<number, number>();
  const accesses = new Int32Array(raw.length);
  raw.forEach((block, i) => {
    let id = ids.get(block);
    if (id === undefined) {
      id = ids.size;
      ids.set(block, id);
    }
    accesses[i] = id;
  });
  return { name, accesses, distinct: ids.size };
}

/** Exact LRU on `capacity` entries (a Map in recency order): the hit ratio. */
export function lruHitRatio(trace: Trace, capacity: number): number {
  const held = new Map<number, true>();
  let hits = 0;
  for (const key of trace.accesses) {
    if (held.delete(key)) hits++;
    else if (held.size >= capacity) held.delete(held.keys().next().value as number);
    held.set(key, true);
  }
  return hits / trace.accesses.length;
}

/**
 * Belady's OPT with bypass: on a miss in a full cache, drop whichever of the
 * held keys and the new one is next used farthest in the future (never again
 * counts as farthest). No online policy can do better. O(n log capacity), a
 * max-heap of next uses with stale entries skipped.
 */
export function optHitRatio(trace: Trace, capacity: number): number {
  const n = trace.accesses.length;
  const next = new Int32Array(n);
  const last = new Int32Array(trace.distinct).fill(n);
  for (let i = n - 1; i >= 0; i--) {
    const key = trace.accesses[i] as number;
    next[i] = last[key] as number;
    last[key] = i;
  }
  // When each held key is next used; -1 when not held.
  const nextUse = new Int32Array(trace.distinct).fill(-1);
  const heapUse: number[] = [];
  const heapKey: number[] = [];
  const push = (use: number, key: number) => {
    let i = heapUse.length;
    heapUse.push(use);
    heapKey.push(key);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((heapUse[p] as number) >= use) break;
      heapUse[i] = heapUse[p] as number;
      heapKey[i] = heapKey[p] as number;
      i = p;
    }
    heapUse[i] = use;
    heapKey[i] = key;
  };
  const pop = () => {
    const lastUse = heapUse.pop() as number;
    const lastKey = heapKey.pop() as number;
    if (heapUse.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heapUse.length) break;
      const r = l + 1;
      const c = r < heapUse.length && (heapUse[r] as number) > (heapUse[l] as number) ? r : l;
      if ((heapUse[c] as number) <= lastUse) break;
      heapUse[i] = heapUse[c] as number;
      heapKey[i] = heapKey[c] as number;
      i = c;
    }
    heapUse[i] = lastUse;
    heapKey[i] = lastKey;
  };
  let held = 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const key = trace.accesses[i] as number;
    const following = next[i] as number;
    if ((nextUse[key] as number) >= 0) {
      hits++;
      nextUse[key] = following;
      push(following, key);
      continue;
    }
    if (held < capacity) {
      held++;
      nextUse[key] = following;
      push(following, key);
      continue;
    }
    // Skip heap entries that no longer describe a held key's next use.
    while (heapUse.length > 0 && nextUse[heapKey[0] as number] !== heapUse[0]) pop();
    const farthest = heapUse[0] as number;
    if (following >= farthest) continue;
    nextUse[heapKey[0] as number] = -1;
    pop();
    nextUse[key] = following;
    push(following, key);
  }
  return hits / n;
}
