import type { CacheErrorCode } from '@pywatt/cache-core';
import { FrameKind } from './constants.js';
import { type PushFrame, readPushBody } from './push-frame.js';
import { protocolError, Reader } from './reader.js';
import { readValue, type WireValue, writeValue } from './values.js';
import type { Writer } from './writer.js';

/** What a server announces in its WELCOME frame. */
export interface ServerInfo {
  /** The hosted backend's type. */
  backend: string;
  /** Largest frame payload the server accepts, in bytes. */
  maxFrameBytes: number;
  /** Most requests the server runs at once for one connection. */
  maxInFlight: number;
  /**
   * This connection's origin id, unique across server restarts: PUSH frames
   * name the connection whose write they report with it. Absent from old servers.
   */
  origin?: string | undefined;
  /** True when the server granted HELLO's `push` request. */
  push?: boolean | undefined;
}

/** The optional fourth element of HELLO: what the client asks beyond version 1's basics. */
export interface HelloOptions {
  /** The client takes PUSH frames (and may send `subscribe`). */
  push?: boolean | undefined;
}

/** A decoded frame. */
export type Frame =
  | {
      kind: typeof FrameKind.HELLO;
      version: number;
      token: string;
      namespace: string | undefined;
      options: HelloOptions;
    }
  | { kind: typeof FrameKind.WELCOME; version: number; info: ServerInfo }
  | { kind: typeof FrameKind.REQUEST; id: number; op: number; args: WireValue[] }
  | { kind: typeof FrameKind.RESULT; id: number; result: WireValue }
  | { kind: typeof FrameKind.ERROR; id: number; code: string; message: string }
  | { kind: typeof FrameKind.FATAL; code: string; message: string }
  | PushFrame;

export function writeHello(
  w: Writer,
  version: number,
  token: string,
  namespace: string | undefined,
  options?: HelloOptions,
): void {
  w.beginFrame(FrameKind.HELLO);
  // Without options the HELLO stays exactly version 1's, which every server accepts.
  writeValue(
    w,
    options?.push === true
      ? [version, token, namespace, { push: true }]
      : [version, token, namespace],
  );
  w.endFrame();
}

export function writeWelcome(w: Writer, version: number, info: ServerInfo): void {
  w.beginFrame(FrameKind.WELCOME);
  const { origin, push, ...basics } = info;
  writeValue(w, [
    version,
    { ...basics, ...(origin === undefined ? {} : { origin }), ...(push ? { push } : {}) },
  ]);
  w.endFrame();
}

/** Encodes a request; throws (leaving nothing written) if an argument cannot be encoded. */
export function writeRequest(w: Writer, id: number, op: number, args: WireValue[]): number {
  w.beginFrame(FrameKind.REQUEST);
  try {
    w.u32(id);
    w.u8(op);
    writeValue(w, args);
  } catch (error) {
    w.abortFrame();
    throw error;
  }
  return w.endFrame();
}

export function writeResult(w: Writer, id: number, result: WireValue): void {
  w.beginFrame(FrameKind.RESULT);
  w.u32(id);
  writeValue(w, result);
  w.endFrame();
}

export function writeError(w: Writer, id: number, code: CacheErrorCode, message: string): void {
  w.beginFrame(FrameKind.ERROR);
  w.u32(id);
  writeValue(w, [code, message]);
  w.endFrame();
}

export function writeFatal(w: Writer, code: CacheErrorCode, message: string): void {
  w.beginFrame(FrameKind.FATAL);
  writeValue(w, [code, message]);
  w.endFrame();
}

const isString = (v: WireValue): v is string => typeof v === 'string';
const isCount = (v: WireValue): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function pair(value: WireValue, what: string): [string, string] {
  if (!Array.isArray(value) || value.length !== 2 || !isString(value[0]) || !isString(value[1]))
    throw protocolError(`${what} frame must carry [code, message]`);
  return [value[0], value[1]];
}

function helloOptions(value: WireValue): HelloOptions {
  if (value === undefined) return {};
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    value instanceof Uint8Array ||
    value instanceof Map
  )
    throw protocolError('HELLO options must be an object');
  // Unknown options are ignored, so a later client can ask for more of an older server.
  const push = value.push;
  if (push !== undefined && typeof push !== 'boolean')
    throw protocolError('HELLO option push must be a boolean');
  return { push: push === true };
}

/** Decodes one frame payload; throws PROTOCOL for anything that does not follow PROTOCOL.md. */
export function readFrame(payload: Buffer): Frame {
  const r = new Reader(payload);
  const kind = r.u8();
  let frame: Frame;
  switch (kind) {
    case FrameKind.HELLO: {
      const v = readValue(r);
      if (
        !Array.isArray(v) ||
        (v.length !== 3 && v.length !== 4) ||
        !isCount(v[0]) ||
        !isString(v[1])
      )
        throw protocolError('HELLO frame must carry [version, token, namespace, options?]');
      const ns = v[2];
      if (ns !== undefined && !isString(ns))
        throw protocolError('HELLO namespace must be a string');
      frame = { kind, version: v[0], token: v[1], namespace: ns, options: helloOptions(v[3]) };
      break;
    }
    case FrameKind.WELCOME: {
      const v = readValue(r);
      const info = Array.isArray(v) ? (v[1] as Record<string, WireValue> | undefined) : undefined;
      if (
        !Array.isArray(v) ||
        !isCount(v[0]) ||
        typeof info !== 'object' ||
        info === null ||
        !isString(info.backend ?? null) ||
        !isCount(info.maxFrameBytes ?? null) ||
        !isCount(info.maxInFlight ?? null)
      )
        throw protocolError(
          'WELCOME frame must carry [version, { backend, maxFrameBytes, maxInFlight }]',
        );
      frame = {
        kind,
        version: v[0],
        info: {
          backend: info.backend as string,
          maxFrameBytes: info.maxFrameBytes as number,
          maxInFlight: info.maxInFlight as number,
          // Optional: old servers send neither; a wrong type counts as absent.
          origin: isString(info.origin ?? null) ? (info.origin as string) : undefined,
          push: info.push === true,
        },
      };
      break;
    }
    case FrameKind.REQUEST: {
      const id = r.u32();
      const op = r.u8();
      const args = readValue(r);
      if (!Array.isArray(args)) throw protocolError('REQUEST arguments must be an array');
      frame = { kind, id, op, args };
      break;
    }
    case FrameKind.RESULT:
      frame = { kind, id: r.u32(), result: readValue(r) };
      break;
    case FrameKind.ERROR: {
      const id = r.u32();
      const [code, message] = pair(readValue(r), 'ERROR');
      frame = { kind, id, code, message };
      break;
    }
    case FrameKind.FATAL: {
      const [code, message] = pair(readValue(r), 'FATAL');
      frame = { kind, code, message };
      break;
    }
    case FrameKind.PUSH:
      frame = readPushBody(r);
      break;
    default:
      throw protocolError(`unknown frame kind ${kind}`);
  }
  r.end();
  return frame;
}
