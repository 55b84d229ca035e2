import { CacheError, MAX_FINITE_TTL_MS } from '@pywatt/cache-core';
import { validateDelta, validateKey, validatePrefix } from '@pywatt/cache-core/store';
import { OP_NAMES, type OpName, PROTOCOL_VERSION } from '../protocol/constants.js';
import type { WireValue } from '../protocol/values.js';
import type { HostedCache } from './hosted-cache.js';

const invalid = (message: string, operation: string): CacheError =>
  new CacheError('INVALID_ARGUMENT', message, { operation, backend: 'proxy' });

// The server trusts nothing a client sends: every argument is checked again here.
function key(v: WireValue, op: string): string {
  validateKey(v, op, 'proxy');
  return v;
}
function bytes(v: WireValue, op: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw invalid('value must be bytes', op);
}
function ttl(v: WireValue, op: string, finite = false): number {
  if (typeof v !== 'number' || !(v > 0) || (finite && !Number.isFinite(v)))
    throw invalid(
      `ttlMs must be a positive number of milliseconds${finite ? '' : ' or Infinity'}`,
      op,
    );
  return v > MAX_FINITE_TTL_MS ? Number.POSITIVE_INFINITY : Math.ceil(v);
}
function token(v: WireValue, op: string): string {
  if (typeof v === 'string' && v.length > 0 && v.length <= 256) return v;
  throw invalid('token must be the non-empty string that lock() returned', op);
}
function keyList(v: WireValue, op: string): string[] {
  if (!Array.isArray(v)) throw invalid('keys must be an array', op);
  return v.map((k) => key(k, op));
}

/** Runs one request for a client confined to `scope`; resolves with what goes on the wire. */
export async function dispatch(
  hosted: HostedCache,
  scope: string,
  opCode: number,
  args: WireValue[],
): Promise<WireValue> {
  const op: OpName | undefined = OP_NAMES.get(opCode);
  if (op === undefined) throw invalid(`unknown operation code ${opCode}`, 'dispatch');
  const p = hosted.store;
  const k = (i: number) => hosted.key(scope, key(args[i], op));
  const lk = (i: number) => hosted.lockKey(scope, key(args[i], op));
  switch (op) {
    case 'get':
      return (await p.get(k(0))) ?? undefined;
    case 'set':
      await p.set(k(0), bytes(args[1], op), ttl(args[2], op));
      return undefined;
    case 'delete':
      return p.delete(k(0));
    case 'exists':
      return p.exists(k(0));
    case 'setIfAbsent':
      return p.setIfAbsent(k(0), bytes(args[1], op), ttl(args[2], op));
    case 'getAndSet':
      return (await p.getAndSet(k(0), bytes(args[1], op), ttl(args[2], op))) ?? undefined;
    case 'increment': {
      const userKey = key(args[0], op);
      const delta = args[1];
      validateDelta(delta, op, 'proxy');
      return p.increment(hosted.key(scope, userKey), delta, ttl(args[2], op), userKey);
    }
    case 'getMany': {
      const keys = keyList(args[0], op).map((one) => hosted.key(scope, one));
      if (keys.length === 0) return [];
      const values = await p.getMany(keys);
      return values.map((v) => v ?? null);
    }
    case 'setMany': {
      const keys = keyList(args[0], op);
      const values = args[1];
      if (!Array.isArray(values) || values.length !== keys.length)
        throw invalid('setMany needs as many values as keys', op);
      const entries = keys.map((one, i): [string, Uint8Array] => [
        hosted.key(scope, one),
        bytes(values[i], op),
      ]);
      if (entries.length > 0) await p.setMany(entries, ttl(args[2], op));
      return undefined;
    }
    case 'deleteMany': {
      const keys = [...new Set(keyList(args[0], op))].map((one) => hosted.key(scope, one));
      return keys.length === 0 ? 0 : p.deleteMany(keys);
    }
    case 'clear': {
      const prefix = args[0];
      if (prefix === undefined) {
        await p.clear(hosted.key(scope, ''));
        return undefined;
      }
      validatePrefix(prefix, op, 'proxy');
      await p.clear(hosted.key(scope, `${prefix}:`));
      return undefined;
    }
    case 'lock':
      return p.lock(lk(0), token(args[1], op), ttl(args[2], op, true));
    case 'unlock':
      return p.unlock(lk(0), token(args[1], op));
    case 'extendLock':
      return p.extendLock(lk(0), token(args[1], op), ttl(args[2], op, true));
    case 'stats':
      // Hosted-wide figures (item counts, memory) would tell one tenant about the others.
      return { backend: { servedBackend: hosted.type, protocolVersion: PROTOCOL_VERSION } };
    case 'ping':
      await p.ping();
      return undefined;
  }
}
