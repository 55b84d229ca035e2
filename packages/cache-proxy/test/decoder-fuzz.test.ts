import { randomBytes } from 'node:crypto';
import { CacheError } from '@pywatt/cache-core';
import { describe, expect, it } from 'vitest';
import { FrameKind, Op } from '../src/protocol/constants.js';
import { FrameDecoder } from '../src/protocol/frame-decoder.js';
import {
  type Frame,
  readFrame,
  writeError,
  writeHello,
  writeRequest,
  writeResult,
} from '../src/protocol/messages.js';
import { Writer } from '../src/protocol/writer.js';

// A deterministic generator, so a failure can be replayed.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sampleStream(random: () => number): Buffer {
  const w = new Writer();
  writeHello(w, 1, 'token-0123456789abcdef', random() < 0.5 ? undefined : 'ns');
  for (let i = 0; i < 6; i++) {
    const value = Buffer.from(
      Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)),
    );
    const pick = random();
    if (pick < 0.4)
      writeRequest(w, i + 1, Op.set, [
        `k${i}é`,
        value,
        random() < 0.5 ? 1000 : Number.POSITIVE_INFINITY,
      ]);
    else if (pick < 0.6) writeRequest(w, i + 1, Op.getMany, [['a', 'b', `c${i}`]]);
    else if (pick < 0.8) writeResult(w, i + 1, new Map([['x', value]]));
    else writeError(w, i + 1, 'NOT_NUMERIC', 'not a number');
  }
  return w.take();
}

function decodeAll(chunks: Buffer[], max = 1 << 20, complete = true): Frame[] {
  const decoder = new FrameDecoder(max);
  const frames: Frame[] = [];
  for (const chunk of chunks) decoder.push(chunk, (payload) => frames.push(readFrame(payload)));
  if (complete) expect(decoder.partial).toBe(false);
  return frames;
}

describe('frame decoder', () => {
  it('decodes identically however the stream is split (every byte boundary, pairs of cuts, single bytes)', () => {
    const random = rng(1);
    let cases = 0;
    for (let s = 0; s < 5; s++) {
      const stream = sampleStream(random);
      const whole = decodeAll([stream]);
      expect(whole.length).toBe(7);
      for (let cut = 0; cut <= stream.length; cut++) {
        expect(decodeAll([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(whole);
        const cut2 = Math.floor(random() * (stream.length + 1));
        const [a, b] = cut < cut2 ? [cut, cut2] : [cut2, cut];
        expect(
          decodeAll([stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]),
        ).toEqual(whole);
        cases += 2;
      }
      const bytes = [...stream].map((byte) => Buffer.from([byte]));
      expect(decodeAll(bytes)).toEqual(whole);
      // Glued: two streams in one chunk decode as both, in order.
      expect(decodeAll([Buffer.concat([stream, stream])])).toEqual([...whole, ...whole]);
    }
    expect(cases).toBeGreaterThan(1000);
  }, 60_000); // CPU-bound: seconds on a loaded 2-core machine

  it('answers random bytes with PROTOCOL or valid frames, never another exception (thousands of cases)', () => {
    const random = rng(2);
    let protocolErrors = 0;
    for (let i = 0; i < 5000; i++) {
      const length = Math.floor(random() * 64);
      const body = randomBytes(length);
      // Half the cases get a plausible length prefix, so the payload parser is reached.
      const chunk = random() < 0.5 ? Buffer.concat([u32(length), body]) : body;
      try {
        decodeAll([chunk], 4096, false);
      } catch (error) {
        expect(CacheError.is(error, 'PROTOCOL'), String(error)).toBe(true);
        protocolErrors++;
      }
    }
    expect(protocolErrors).toBeGreaterThan(1000);
  });

  it('refuses length 0, 2^32 - 1 and over-limit frames before allocating', () => {
    for (const length of [0, 0xffffffff, 4097]) {
      const decoder = new FrameDecoder(4096);
      expect(() => decoder.push(u32(length), () => {})).toThrowError(/frame/);
      try {
        new FrameDecoder(4096).push(u32(length), () => {});
      } catch (error) {
        expect(CacheError.is(error, 'PROTOCOL')).toBe(true);
      }
    }
    const frames: Buffer[] = [];
    new FrameDecoder(4096).push(Buffer.concat([u32(4096), Buffer.alloc(4096, 1)]), (p) =>
      frames.push(p),
    );
    expect(frames[0]?.length).toBe(4096);
  });

  it('rejects trailing bytes, unknown kinds and deep nesting with PROTOCOL', () => {
    const nested = Buffer.from([
      FrameKind.REQUEST,
      0,
      0,
      0,
      1,
      1,
      ...Array(20)
        .fill(7)
        .flatMap((t) => [t, 0, 0, 0, 1]),
      0,
    ]);
    for (const payload of [
      Buffer.from([99]),
      Buffer.from([FrameKind.RESULT, 0, 0, 0, 1, 0, 0]),
      nested,
    ]) {
      expect(() => readFrame(payload)).toThrow(CacheError);
    }
  });

  it('keeps __proto__ keys as data when decoding objects', () => {
    const w = new Writer();
    writeResult(w, 1, JSON.parse('{"__proto__": {"polluted": 1}, "ok": 2}'));
    const frame = decodeAll([w.take()])[0] as Extract<Frame, { kind: 4 }>;
    expect(Object.getPrototypeOf(frame.result)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}
