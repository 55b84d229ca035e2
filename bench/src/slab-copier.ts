/** Makes a view of `bytes` bytes at `offset` in `slab`. */
export type ViewMaker = (slab: ArrayBuffer, offset: number, bytes: number) => Uint8Array;

/** A plain Uint8Array view: the cheapest copy the memory benches found (not a Buffer). */
export const uint8View: ViewMaker = (slab, offset, bytes) => new Uint8Array(slab, offset, bytes);

/** A Buffer view made the documented way (its argument check calls into C++). */
export const bufferFromView: ViewMaker = (slab, offset, bytes) => Buffer.from(slab, offset, bytes);

// A Uint8Array subclass whose prototype chain runs through Buffer.prototype (and whose
// constructor reads Buffer): a Buffer to callers without Buffer.from's argument check.
class SlabBuffer extends Uint8Array {}
Object.setPrototypeOf(SlabBuffer.prototype, Buffer.prototype);
Object.defineProperty(SlabBuffer.prototype, 'constructor', { value: Buffer });

/** A Buffer view by the subclass above. */
export const slabBufferView: ViewMaker = (slab, offset, bytes) =>
  new SlabBuffer(slab, offset, bytes);

/**
 * Private copies carved from slabs of `slabBytes` (8-aligned, as Node aligns
 * its pool): a view, then one `set`. A cache that hands out real copies cannot
 * do a get in less than a lookup plus this.
 */
export function slabCopier(
  slabBytes: number,
  view: ViewMaker = uint8View,
): (value: Uint8Array) => Uint8Array {
  let slab = new ArrayBuffer(slabBytes);
  let offset = 0;
  return (value) => {
    const bytes = value.byteLength;
    if (offset + bytes > slabBytes) {
      slab = new ArrayBuffer(slabBytes);
      offset = 0;
    }
    const copy = view(slab, offset, bytes);
    offset = (offset + bytes + 7) & ~7;
    copy.set(value);
    return copy;
  };
}
