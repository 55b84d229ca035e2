import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, formatBytes, parseCount, parseDuration, UsageError } from '../command.js';
import { hitRatio, type LiveFigures, liveFigures } from './stats.js';

function rate(
  now: number | undefined,
  before: number | undefined,
  seconds: number,
): number | undefined {
  if (now === undefined || before === undefined || seconds <= 0) return undefined;
  return Math.max(0, now - before) / seconds;
}

export const watchCommand: Command = {
  name: 'watch',
  summary: 'refreshing hit ratio, operations/s and memory',
  help: `Usage: pywatt-cache watch [URL] [--interval 2s] [--count N] [--json]

Shows the server's hit ratio, operations per second, memory and entries,
refreshed every interval, until Ctrl-C (or N refreshes). On a terminal the
line is redrawn in place; otherwise one line per refresh.

  --interval D   time between refreshes (default 2s)
  --count N      stop after N refreshes
  --json         one JSON object per refresh`,
  options: {
    interval: { type: 'string' },
    count: { type: 'string' },
    json: { type: 'boolean' },
  },
  args: { min: 0, max: 0 },
  async run({ terminal, values, shownUrl, open }) {
    const intervalMs =
      typeof values.interval === 'string' ? parseDuration(values.interval, '--interval') : 2000;
    if (!Number.isFinite(intervalMs)) throw new UsageError('--interval must be finite');
    const count = parseCount(values.count, '--count', Number.POSITIVE_INFINITY);
    const cache = await open();
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    const inPlace = terminal.io.stdout.isTTY === true && values.json !== true;
    if (values.json !== true)
      terminal.err(terminal.paint('bold', `watching ${shownUrl} (${cache.type})`, true));
    let before: { figures: LiveFigures; at: number } | undefined;
    try {
      for (let refresh = 0; refresh < count && !stop.signal.aborted; refresh++) {
        if (refresh > 0)
          await sleep(intervalMs, undefined, { signal: stop.signal }).catch(() => {});
        if (stop.signal.aborted) break;
        const figures = liveFigures(await cache.stats());
        const at = performance.now();
        const seconds = before === undefined ? 0 : (at - before.at) / 1000;
        const opsPerSecond = rate(figures.operations, before?.figures.operations, seconds);
        before = { figures, at };
        if (values.json === true) {
          terminal.out(
            JSON.stringify({
              time: new Date().toISOString(),
              ...figures,
              opsPerSecond: opsPerSecond ?? null,
            }),
          );
          continue;
        }
        const line = [
          `${new Date().toISOString().slice(11, 19)}`,
          `hit ratio ${terminal.paint('green', hitRatio(figures))}`,
          `ops/s ${opsPerSecond === undefined ? '—' : Math.round(opsPerSecond)}`,
          `memory ${formatBytes(figures.memoryBytes)}`,
          `entries ${figures.items ?? '—'}`,
        ].join('  ');
        if (inPlace) terminal.io.stdout.write(`\r\u001b[K${terminal.scrub(line)}`);
        else terminal.out(line);
      }
    } finally {
      process.off('SIGINT', onSignal);
      if (inPlace) terminal.io.stdout.write('\n');
    }
  },
};
