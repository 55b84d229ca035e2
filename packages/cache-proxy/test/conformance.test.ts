import { runCacheConformance } from '@pywatt/cache-core/testing';
import { freePort, makeTempDir } from '@pywatt/test-servers/process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProxyCache, type ProxyCacheOptions } from '../src/index.js';
import { type ServerProcess, startServerProcess, TOKENS } from './helpers/server-process.js';

// One server process serves all three transports; each transport runs the whole suite.
let server: ServerProcess;
const dir = makeTempDir('proxy-conf');
const socketPath = `${dir.path}/cache.sock`;
let port = 0;

beforeAll(async () => {
  port = await freePort();
  server = await startServerProcess({
    listen: [{ socketPath }, { host: '127.0.0.1', port }, { ipc: true }],
  });
}, 20_000);

afterAll(async () => {
  await server?.stop();
  dir.remove();
});

const transports: Array<[string, () => Pick<ProxyCacheOptions, 'transport' | 'channel'>]> = [
  ['unix socket', () => ({ transport: { socketPath } })],
  ['tcp', () => ({ transport: { host: '127.0.0.1', port } })],
  ['ipc', () => ({ transport: 'ipc', channel: server.child })],
];

for (const [name, transport] of transports) {
  runCacheConformance(
    { describe, it, expect, afterEach },
    {
      name: `proxy over ${name}`,
      create: (options) => createProxyCache({ ...transport(), token: TOKENS.alpha, ...options }),
      capabilities: { sharedStorage: true },
    },
  );
}
