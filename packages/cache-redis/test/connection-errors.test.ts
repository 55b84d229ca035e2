import { freePort } from '@pywatt/test-servers/process';
import { redisCli, startRedis } from '@pywatt/test-servers/redis';
import { describe, expect, it } from 'vitest';
import { createRedisCache } from '../src/index.js';
import { caught, sleep } from './helpers.js';

const connections = async (port: number, password: string): Promise<number> => {
  const info = await redisCli(port, ['info', 'stats'], password);
  return Number(/total_connections_received:(\d+)/.exec(info)?.[1]);
};

describe('connection errors', () => {
  it('a wrong password rejects with UNAUTHORIZED, never shows the password, and does not keep reconnecting', async () => {
    const server = await startRedis({ password: 'right-secret' });
    try {
      const before = await connections(server.port, 'right-secret');
      const error = await caught(
        createRedisCache({ hosts: ['127.0.0.1'], port: server.port, password: 'wrong-secret-42' }),
      );
      expect(error.code).toBe('UNAUTHORIZED');
      expect(error.message).toContain(`127.0.0.1:${server.port}`);
      expect(error.message).not.toContain('wrong-secret-42');
      expect(
        JSON.stringify(error.cause, Object.getOwnPropertyNames(error.cause ?? {})),
      ).not.toContain('wrong-secret-42');
      const viaUrl = await caught(
        createRedisCache({ url: `redis://:wrong-secret-42@127.0.0.1:${server.port}` }),
      );
      expect(viaUrl.code).toBe('UNAUTHORIZED');
      expect(viaUrl.message).not.toContain('wrong-secret-42');
      await sleep(1_000);
      const after = await connections(server.port, 'right-secret');
      // Two failed caches and the second redis-cli: a reconnect loop would add many more.
      expect(after - before).toBeLessThanOrEqual(4);
      const ok = await createRedisCache({ url: server.url });
      await ok.ping();
      await ok.close();
    } finally {
      await server.stop();
    }
  });

  it('a refused connection rejects with CONNECTION naming host and port', async () => {
    const port = await freePort();
    const error = await caught(createRedisCache({ url: `redis://:pw-secret@127.0.0.1:${port}` }));
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('refused');
    expect(error.message).not.toContain('pw-secret');
  });
});
