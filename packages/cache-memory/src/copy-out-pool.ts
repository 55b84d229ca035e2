// The copies `get` hands out, carved from slabs of the store's own (issue 19, "cheaper copies").
//
// What costs in a fresh 1 KiB copy is not the memcpy but the allocation around it: each new
// backing store is external memory that V8 must account for and that drives its full GCs, and
// `Buffer.allocUnsafe` takes a new 8 KiB pool every 8 copies of 1 KiB. `pnpm bench memory-copies`
// ("copy alone" rows) puts every way side by side; a view into a 64 KiB slab measured the
// cheapest or close to it in every run (2026-12-01, loaded machine, CPU time).

/**
 * A copy is a Buffer in every way callers can see (`Buffer.isBuffer`, every Buffer method,
 * `constructor === Buffer`) without going through `Buffer.from(arrayBuffer, …)`, whose check of
 * its argument calls into C++ on every copy: that call alone made a copy cost as much as an
 * allocation of its own (bench memory-copies, "Buffer.from view" against "Buffer view" rows).
 */
class SlabBuffer extends Uint8Array {}
Object.setPrototypeOf(SlabBuffer.prototype, Buffer.prototype);
Object.defineProperty(SlabBuffer.prototype, 'constructor', {
  value: Buffer,
  writable: true,
  configurable: true,
});

const SLAB_BYTES = 64 * 1024;
/** Larger copies get memory of their own: at most 1/16 of a slab is left unused at its end. */
const MAX_POOLED_BYTES = 4 * 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let offset = 0;

/**
 * A fresh copy of `value` as a Buffer that no one else can change. Copies up
 * to 4 KiB share 64 KiB slabs, so (like Node's pooled `Buffer.allocUnsafe`,
 * whose pool is 8 KiB) a copy kept long keeps its slab alive; larger ones get
 * memory of their own.
 */
export function copyOut(value: Uint8Array): Uint8Array {
  const bytes = value.byteLength;
  if (bytes > MAX_POOLED_BYTES) {
    const own = Buffer.allocUnsafeSlow(bytes);
    own.set(value);
    return own;
  }
  // A caller may transfer a copy's buffer (postMessage): the slab is then detached, length 0.
  if (offset + bytes > SLAB_BYTES || slab.byteLength === 0) {
    slab = new ArrayBuffer(SLAB_BYTES);
    offset = 0;
  }
  const copy = new SlabBuffer(slab, offset, bytes);
  // Kept 8-aligned, as Node aligns its pool, so a copy's bytes can back any typed array.
  offset = (offset + bytes + 7) & ~7;
  copy.set(value);
  return copy;
}
