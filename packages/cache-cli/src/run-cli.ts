import { parseArgs } from 'node:util';
import { createCacheService, parseCacheUrl, redactCacheUrl } from '@pywatt/cache-all';
import { CacheError, type StoreCache } from '@pywatt/cache-core';
import { type Command, Outcome, UsageError } from './command.js';
import { benchCommand } from './commands/bench.js';
import { clearCommand } from './commands/clear.js';
import { delCommand, getCommand, setCommand, ttlCommand } from './commands/entries.js';
import { statsCommand } from './commands/stats.js';
import { watchCommand } from './commands/watch.js';
import { type CliIo, Terminal } from './terminal.js';

const COMMANDS: readonly Command[] = [
  statsCommand,
  getCommand,
  setCommand,
  delCommand,
  ttlCommand,
  clearCommand,
  benchCommand,
  watchCommand,
];

/** The environment variable read for the URL when the command line gives none. */
export const URL_ENV = 'PYWATT_CACHE_URL';

const COMMON = `URL is any URL createCacheService accepts: file:///var/cache/app,
redis://:password@host:6379/0?namespace=app, memcached://h1:11211,h2:11211,
proxy+tcp://:token@127.0.0.1:7070, proxy+unix:///run/cache.sock. When the
first argument is not a URL (scheme:// or file:), ${URL_ENV} is used.
Passwords and tokens are never printed.

  -h, --help   this text

Exit codes: 0 ok, 1 operational error (or a miss), 2 usage error.`;

function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: pywatt-cache <command> [URL] [arguments] [options]

Looks inside a live PyWatt cache.

Commands:
${lines.join('\n')}

Run "pywatt-cache <command> --help" for a command's options.

${COMMON}`;
}

const looksLikeUrl = (text: string): boolean =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^file:/i.test(text);

/** The password, token and secret-named parameters of `url`, to scrub from every line printed. */
function secretsOf(url: string): string[] {
  const secrets: string[] = [];
  const config = parseCacheUrl(url) as unknown as Record<string, unknown>;
  for (const field of ['password', 'token'])
    if (typeof config[field] === 'string') secrets.push(config[field] as string);
  const query = url.indexOf('?');
  if (query !== -1)
    for (const [name, value] of new URLSearchParams(url.slice(query + 1)))
      if (/token|password|secret|key/i.test(name)) secrets.push(value);
  return secrets;
}

function parse(command: Command, argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] as string);
  }
}

async function runCommand(command: Command, argv: readonly string[], terminal: Terminal) {
  const { values, positionals } = parse(command, argv);
  if (values.help === true) {
    terminal.out(`${command.help}\n\n${COMMON}`);
    return;
  }
  let url: string | undefined;
  let args = positionals;
  if (positionals[0] !== undefined && looksLikeUrl(positionals[0])) {
    url = positionals[0];
    args = positionals.slice(1);
  } else {
    url = terminal.io.env[URL_ENV] || undefined;
  }
  if (url === undefined) throw new UsageError(`give a URL or set ${URL_ENV}`);
  try {
    for (const secret of secretsOf(url)) terminal.addSecret(secret);
  } catch (error) {
    // A URL that cannot be read is a usage error; the message never quotes the URL.
    if (!CacheError.is(error)) throw error;
    throw new UsageError(`${error.code}: ${error.message}`);
  }
  const { min, max } = command.args;
  if (args.length < min || args.length > max)
    throw new UsageError(`wrong number of arguments; ${command.help.split('\n')[0]}`);
  let cache: StoreCache | undefined;
  const cacheUrl = url;
  try {
    await command.run({
      terminal,
      values: values as Record<string, string | boolean | undefined>,
      args,
      shownUrl: redactCacheUrl(cacheUrl),
      open: async () => {
        cache ??= (await createCacheService(cacheUrl)) as StoreCache;
        return cache;
      },
    });
  } finally {
    await cache?.close();
  }
}

/** One line, whatever the message holds. */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

/**
 * Runs `pywatt-cache` with `argv` (the arguments after the program name) and
 * resolves to its exit code: 0 ok, 1 an operational error or a miss, 2 a usage
 * error. Never rejects. Errors are one line on stderr naming the
 * {@link CacheError} code (`pywatt-cache get: CONNECTION: …`); the password and
 * tokens of the URL are never written.
 *
 * @param argv - e.g. `['get', 'redis://127.0.0.1:6379', 'user:42']`.
 * @param io - the streams and environment; the process's own by default.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const terminal = new Terminal(io);
  const [name, ...rest] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  const label = command === undefined ? 'pywatt-cache' : `pywatt-cache ${command.name}`;
  const fail = (kind: string, message: string): void =>
    terminal.err(`${terminal.paint('red', `${label}: ${kind}`, true)}${oneLine(message)}`);
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = COMMANDS.find((c) => c.name === rest[0]);
    terminal.out(topic === undefined ? generalHelp() : `${topic.help}\n\n${COMMON}`);
    return 0;
  }
  if (command === undefined) {
    fail('', name === undefined ? 'no command given' : `unknown command '${name}'`);
    terminal.err('Run "pywatt-cache --help" for the commands.');
    return 2;
  }
  try {
    await runCommand(command, rest, terminal);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      fail('', error.message);
      terminal.err(`Run "pywatt-cache ${command.name} --help" for its usage.`);
      return 2;
    }
    if (error instanceof Outcome) {
      fail('', error.message);
      return 1;
    }
    if (CacheError.is(error)) {
      fail(`${error.code}: `, error.message);
      return 1;
    }
    fail('INTERNAL: ', error instanceof Error ? error.message : String(error));
    return 1;
  }
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}
