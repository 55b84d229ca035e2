import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startMemcached } from '../src/memcached.js';
import { probe } from '../src/process.js';

// A binary-protocol SASL PLAIN auth request; status 0 in the answer means accepted.
function saslAuth(port: number, username: string, password: string): Promise<number> {
  const mech = Buffer.from('PLAIN');
  const body = Buffer.from(`\u0000${username}\u0000${password}`);
  const header = Buffer.alloc(24);
  header.writeUInt8(0x80, 0);
  header.writeUInt8(0x21, 1);
  header.writeUInt16BE(mech.length, 2);
  header.writeUInt32BE(mech.length + body.length, 8);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () =>
      socket.write(Buffer.concat([header, mech, body])),
    );
    socket.once('data', (d: Buffer) => {
      socket.destroy();
      resolve(d.readUInt16BE(6));
    });
    socket.once('error', reject);
  });
}

describe('startMemcached', () => {
  it('starts a real memcached that answers, restarts on the same port, and stops', async () => {
    const server = await startMemcached({ maxItemBytes: 2 * 1024 * 1024 });
    try {
      expect(await probe(server.port, 'version\r\n')).toMatch(/^VERSION /);
      const settings = await probe(server.port, 'stats settings\r\n');
      expect(settings).toBeDefined();
      await server.kill();
      expect(await probe(server.port, 'version\r\n')).toBeUndefined();
      await server.restart();
      expect(await probe(server.port, 'version\r\n')).toMatch(/^VERSION /);
    } finally {
      await server.stop();
    }
    expect(await probe(server.port, 'version\r\n')).toBeUndefined();
  });

  it('starts a SASL server that accepts only its user', async () => {
    const server = await startMemcached({ sasl: { username: 'alice', password: 's3cret' } });
    try {
      expect(await saslAuth(server.port, 'alice', 's3cret')).toBe(0);
      expect(await saslAuth(server.port, 'alice', 'wrong')).not.toBe(0);
    } finally {
      await server.stop();
    }
  });
});
