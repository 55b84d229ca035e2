import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cacheConfigFromEnv, createCacheService, parseCacheUrl } from '../src/index.js';

// Issue 15 #6: a password or token in a cache URL must appear in no message, stack, cause
// or util.inspect() of the error, however the URL is malformed. Each case names its secret.
const S = 'Zq9Se';
const cases: Array<[string, string]> = [
  [`redis://:${S}/cretPw@127.0.0.1:1`, `${S}/cretPw`],
  [`redis://:${S}?cretPw@127.0.0.1:1`, `${S}?cretPw`],
  [`redis://:${S}@cretPw@127.0.0.1:1`, `${S}@cretPw`],
  [`redis://user:${S}/x/y@127.0.0.1:1/0`, `${S}/x/y`],
  [`redis://:${S}%2Fenc@127.0.0.1:1`, `${S}/enc`],
  [`redis://:${S}@`, S],
  [`redis://:${S}@127.0.0.1:99999`, S],
  [`redis://:${S}@h1,h2`, S],
  [`redis://:${S}@host/notanumber`, S],
  [`redis://:${S}@host/1/2`, S],
  [`redis://:${S}%zz@host`, `${S}%zz`],
  [`redis://:${S}@host?password=${S}2`, `${S}2`],
  [`redis://:${S}@host?unknown=1`, S],
  [`redis://:${S}@host?connectTimeoutMs=soon`, S],
  [`redis+sentinel://:${S}@s1`, S],
  [`redis+cluster://:${S}@`, S],
  [`redis+cluster://:${S}/x@h:1,h:notaport`, `${S}/x`],
  [`rediss://:${S}@host:0`, S],
  [`memcached://u:${S}@`, S],
  [`memcached://u:${S}/x@h:99999`, `${S}/x`],
  [`memcached://u:${S}@h?retries=many`, S],
  [`proxy+tcp://:${S}@host`, S],
  [`proxy+tcp://host:1?token=${S}&token=B${S}`, `B${S}`],
  [`proxy+tcp://host:1?token=A${S}&token=${S}B`, `A${S}`],
  [`proxy+tcp://host?token=${S}`, S],
  [`proxy+tcp://host:1?%74oken=${S}&%74oken=x`, S],
  [`proxy+tcp://host:1?password=${S}`, S],
  [`proxy+unix://?token=${S}`, S],
  [`proxy+tcp://host:1?token=${S}&connectTimeoutMs=x`, S],
  [`memory://?token=${S}`, S],
  [`memory://?namespace=a&${S}=1`, S],
  [`memory://?maxItems=${S}`, S],
  [`nosuch://:${S}@host`, S],
  [`file:///tmp/x?password=${S}`, S],
  [`redis://:${S}@127.0.0.1:1/0?connectTimeoutMs=300&operationTimeoutMs=300`, S],
  [`memcached://u:${S}@127.0.0.1:1?operationTimeoutMs=300`, S],
  [`proxy+tcp://127.0.0.1:1?token=${S}&connectTimeoutMs=300&operationTimeoutMs=300`, S],
];

function everythingShown(error: unknown): string {
  const parts: string[] = [inspect(error, { depth: 10, showHidden: true })];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { message?: unknown; stack?: unknown; cause?: unknown };
    parts.push(String(e.message), String(e.stack), inspect(e.cause, { depth: 10 }));
    current = e.cause;
  }
  return parts.join('\n');
}

async function failureOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('secrets in cache URLs never reach an error (issue 15 #6)', () => {
  it('has a table of at least 30 secret-bearing inputs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('%s', async (url, secret) => {
    const error = await failureOf(() => createCacheService(url));
    expect(error, 'the URL must fail').toBeDefined();
    const shown = everythingShown(error);
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain(encodeURIComponent(secret));
    const parseError = await failureOf(() => parseCacheUrl(url));
    if (parseError !== undefined) expect(everythingShown(parseError)).not.toContain(secret);
  });

  it('through the environment too', async () => {
    const error = await failureOf(() =>
      cacheConfigFromEnv('CACHE_', { CACHE_URL: 'memory://', CACHE_TOKEN_VALUE: S }),
    );
    expect(error).toBeDefined();
    expect(everythingShown(error)).not.toContain(S);
  });
});
