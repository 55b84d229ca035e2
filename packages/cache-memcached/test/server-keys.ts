import { createConnection } from 'node:net';

/**
 * Every key stored on the memcached at `address`, as memcached itself lists
 * them (`lru_crawler metadump all`, URL-encoded by the server).
 */
export async function dumpServerKeys(address: string): Promise<string[]> {
  const port = Number(address.split(':').pop());
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () =>
      socket.write('lru_crawler metadump all\r\n'),
    );
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.endsWith('END\r\n')) {
        socket.destroy();
        resolve(
          text
            .split(/\r?\n/)
            .filter((line) => line.startsWith('key='))
            .map((line) => decodeURIComponent((line.split(' ')[0] as string).slice(4))),
        );
      }
    });
    socket.once('error', reject);
  });
}
