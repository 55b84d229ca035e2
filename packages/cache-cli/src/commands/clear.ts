import { CacheError } from '@pywatt/cache-core';
import { type Command, Outcome, UsageError } from '../command.js';
import { keysToClear } from '../inspect.js';
import { ProgressBar } from '../terminal.js';

/** Keys removed per deleteMany while a bar shows progress. */
const BATCH = 500;

export const clearCommand: Command = {
  name: 'clear',
  summary: 'remove every entry of the cache, or those under a prefix',
  help: `Usage: pywatt-cache clear [URL] [PREFIX] [--dry-run] [--yes]

Removes every entry the cache owns (its namespace, when the URL names one),
or with PREFIX those whose key starts with "PREFIX:". Says how many entries
match where the backend can count them (Redis, file), asks for confirmation on a
terminal, and shows a progress bar while it removes them.

  --dry-run   only count, remove nothing
  --yes, -y   do not ask (required when stdin is not a terminal)

Without --yes and without a terminal to ask on, nothing is removed (exit 2).`,
  options: {
    'dry-run': { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
  },
  args: { min: 0, max: 1 },
  async run({ terminal, values, args, shownUrl, open }) {
    const prefix = args[0];
    const dryRun = values['dry-run'] === true;
    if (!dryRun && values.yes !== true && terminal.io.stdin.isTTY !== true)
      throw new UsageError(
        'clear removes data: pass --yes to confirm (stdin is not a terminal, so it cannot ask)',
      );
    const cache = await open();
    const what =
      prefix === undefined
        ? `every entry of ${shownUrl}`
        : `entries under '${prefix}:' of ${shownUrl}`;
    const keys = await keysToClear(cache, prefix);
    const count =
      keys === undefined
        ? 'an unknown number of entries'
        : `${keys.length} ${keys.length === 1 ? 'entry' : 'entries'}`;
    if (dryRun) {
      terminal.out(
        keys === undefined
          ? `would remove ${what}; the ${cache.type} backend cannot count them`
          : `would remove ${keys.length} ${keys.length === 1 ? 'entry' : 'entries'} (${what})`,
      );
      return;
    }
    if (values.yes !== true && !(await terminal.confirm(`Remove ${count} (${what})?`)))
      throw new Outcome('not confirmed: nothing removed');
    let removed = 0;
    if (keys !== undefined && keys.length > 0) {
      const bar = new ProgressBar(terminal, 'clearing', keys.length);
      try {
        for (let i = 0; i < keys.length; i += BATCH) {
          const batch = keys.slice(i, i + BATCH);
          removed += await cache.deleteMany(batch);
          bar.tick(batch.length);
        }
      } catch (error) {
        // A key another program wrote that is not a valid cache key: clear() below takes it.
        if (!CacheError.is(error, 'INVALID_KEY')) throw error;
      } finally {
        bar.finish();
      }
    }
    // Entries written since the count, and on backends that cannot list keys, all of them.
    await cache.clear(prefix);
    terminal.out(
      keys === undefined
        ? `cleared ${what}`
        : `removed ${removed} ${removed === 1 ? 'entry' : 'entries'}`,
    );
  },
};
