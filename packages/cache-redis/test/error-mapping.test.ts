import { startRedis } from '@pywatt/test-servers/redis';
import { describe, expect, it } from 'vitest';
import { createRedisCache } from '../src/index.js';
import { mapRedisError } from '../src/map-error.js';
import { bytes, caught } from './helpers.js';

const ctx = {
  endpoint: 'redis at 10.0.0.1:6390',
  operationTimeoutMs: 250,
  lastConnectionError: undefined,
  secrets: ['hunter2'],
};

describe('error mapping', () => {
  // Faults a real server cannot produce on demand: synthetic driver errors.
  it.each([
    [
      'Too many Cluster redirections. Last error: MOVED 1 10.0.0.2:7000',
      'CONNECTION',
      'MOVED/ASK storm',
    ],
    ['CLUSTERDOWN The cluster is down', 'CONNECTION', 'retry shortly'],
    ["OOM command not allowed when used memory > 'maxmemory'.", 'CAPACITY_EXCEEDED', 'maxmemory'],
    [
      'WRONGTYPE Operation against a key holding the wrong kind of value',
      'PROTOCOL',
      'other than a string',
    ],
    ['Command timed out', 'TIMEOUT', '250 ms'],
    ['connect ECONNREFUSED 10.0.0.1:6390', 'CONNECTION', 'is redis-server running?'],
    [
      'WRONGPASS invalid username-password pair (hunter2)',
      'UNAUTHORIZED',
      'check username and password',
    ],
  ])('%s → %s', (message, code, hint) => {
    const error = mapRedisError(new Error(message), 'get', ctx);
    expect(error.code).toBe(code);
    expect(error.message).toContain('10.0.0.1:6390');
    expect(error.message).toContain(hint);
    expect(error.message).not.toContain('hunter2');
  });

  it('names the cause of a lost connection from the last connection error', () => {
    const error = mapRedisError(
      new Error('Reached the max retries per request limit (which is 0).'),
      'increment',
      {
        ...ctx,
        lastConnectionError: new Error('connect ECONNREFUSED 10.0.0.1:6390'),
      },
    );
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toContain('refused');
    expect(error.retryable, 'a lost increment may have run').toBe(false);
  });

  it('maps a write to a read-only replica to CONNECTION (READONLY)', async () => {
    const master = await startRedis();
    const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    const cache = await createRedisCache({ url: replica.url, operationTimeoutMs: 2_000 });
    try {
      const error = await caught(cache.set('k', bytes('v')));
      expect(error.code).toBe('CONNECTION');
      expect(error.message).toContain('read-only replica');
      expect(error.message).toContain(`127.0.0.1:${replica.port}`);
    } finally {
      await cache.close();
      await replica.stop();
      await master.stop();
    }
  });
});
