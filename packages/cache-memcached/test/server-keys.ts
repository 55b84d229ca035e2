import { createConnection } from 'node:net';

/**
 * Every key stored on the memcached at `address`, as memcached itself lists
 * them (`lru_crawler metadump all`, URL-encoded by the server). The crawler is no
 * snapshot: items the LRU maintainer moves between queues during the walk can be
 * missed, so this unions dumps until at least `atLeast` keys were seen (at most 20).
 */
export async function dumpServerKeys(address: string, atLeast = 0): Promise<string[]> {
  const seen = new Set<string>();
  for (let attempt = 0; attempt < 20 && (attempt === 0 || seen.size < atLeast); attempt++) {
    for (const key of await dumpOnce(address)) seen.add(key);
  }
  return [...seen];
}

async function dumpOnce(address: string): Promise<string[]> {
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
