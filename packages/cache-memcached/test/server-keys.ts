import { createConnection } from 'node:net';

/** One `lru_crawler metadump all` of the memcached at `address`: the keys it listed (URL-decoded). */
function dumpOnce(address: string): Promise<string[]> {
  const port = Number(address.split(':').pop());
  const host = address.slice(0, address.lastIndexOf(':'));
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port }, () =>
      socket.write('lru_crawler metadump all\r\n'),
    );
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.endsWith('END\r\n') || text.startsWith('BUSY')) {
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

/**
 * Every key stored on the memcached at `address`, as memcached itself lists
 * them (`lru_crawler metadump all`). A dump skips the slab classes memcached's
 * own background crawler is busy with at that moment, so this unites dumps
 * until `complete` says the keys are all there (or 50 dumps were taken).
 */
export async function dumpServerKeys(
  address: string,
  complete: (keys: string[]) => boolean = () => true,
): Promise<string[]> {
  const seen = new Set<string>();
  for (let attempt = 0; attempt < 50; attempt++) {
    for (const key of await dumpOnce(address)) seen.add(key);
    if (complete([...seen])) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [...seen];
}
