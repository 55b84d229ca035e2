import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Send } from './dispatch.js';
import { followRedirect } from './redirect.js';

/** A Lua script with its SHA1, run by {@link runScript}. */
export interface LuaScript {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): LuaScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * KEYS[1] counter, ARGV[1] delta (decimal), ARGV[2] PX for a new key ('' = none).
 * Lua numbers are doubles: the stored value is checked against the safe-integer
 * range as text (exact), and the sum of two safe integers rounds monotonically,
 * so comparing it with 2^53 - 1 is exact too.
 */
export const INCREMENT = script(`
local v = redis.call('GET', KEYS[1])
local d = ARGV[1]
if not v then
  if ARGV[2] == '' then redis.call('SET', KEYS[1], d) else redis.call('SET', KEYS[1], d, 'PX', ARGV[2]) end
  return d
end
local sign, digits = string.match(v, '^(%-?)(%d+)$')
if not digits or #digits > 16 or (#digits > 1 and string.sub(digits, 1, 1) == '0')
  or (#digits == 16 and digits > '9007199254740991') then
  return redis.error_reply('PYWATT_NOT_NUMERIC')
end
local n = tonumber(v) + tonumber(d)
if n > 9007199254740991 or n < -9007199254740991 then
  return redis.error_reply('PYWATT_OUT_OF_RANGE ' .. v)
end
local s = string.format('%.0f', n)
redis.call('SET', KEYS[1], s, 'KEEPTTL')
return s
`);

/** KEYS[1] lock, ARGV[1] token: deletes the lock only if the token still holds it. */
export const UNLOCK = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** KEYS[1] lock, ARGV[1] token, ARGV[2] ms: re-arms the lock only if the token still holds it. */
export const EXTEND_LOCK = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

const isNoScript = (error: unknown): boolean =>
  error instanceof Error && error.message.startsWith('NOSCRIPT');

/**
 * Runs a one-key script with EVALSHA; when the server has not cached it yet
 * (NOSCRIPT, which means it did not run), sends it once with EVAL, which also
 * caches it for the next EVALSHA. In a Cluster, a script refused with a
 * redirection (ASK/MOVED/TRYAGAIN: not run either) is re-sent alone
 * ({@link followRedirect}); the node it lands on may answer NOSCRIPT.
 */
export async function runScript(
  send: Send,
  client: Redis | Cluster,
  lua: LuaScript,
  key: string,
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  let failure: unknown;
  try {
    return await send('evalsha', [lua.sha, 1, key, ...args], 'utf8');
  } catch (error) {
    failure = error;
  }
  try {
    return await followRedirect(client, failure, 'utf8');
  } catch (error) {
    failure = error;
  }
  if (!isNoScript(failure)) throw failure;
  try {
    return await send('eval', [lua.lua, 1, key, ...args], 'utf8');
  } catch (error) {
    return followRedirect(client, error, 'utf8');
  }
}
