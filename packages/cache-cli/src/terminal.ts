import type { Readable, Writable } from 'node:stream';

/** Where the command line reads and writes; the real process streams by default. */
export interface CliIo {
  /** Results: values, tables, JSON. */
  readonly stdout: Writable & { isTTY?: boolean | undefined };
  /** Errors, prompts, progress bars and notes. */
  readonly stderr: Writable & { isTTY?: boolean | undefined; columns?: number | undefined };
  /** Confirmations and `set KEY -` values. */
  readonly stdin: Readable & { isTTY?: boolean | undefined };
  /** The environment: `PYWATT_CACHE_URL`, `NO_COLOR`, `FORCE_COLOR`, `TERM`. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';
const CODES: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
};

/**
 * Colour on a terminal only, following https://no-color.org: a non-empty
 * `NO_COLOR` always wins; `FORCE_COLOR` (not `0`) turns colour on off a terminal.
 */
export function colourEnabled(stream: { isTTY?: boolean | undefined }, env: CliIo['env']): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** The streams the commands use, with colour decided once and every secret of the URL scrubbed. */
export class Terminal {
  readonly io: CliIo;
  readonly #secrets: string[] = [];
  readonly #colourOut: boolean;
  readonly #colourErr: boolean;

  constructor(io: CliIo) {
    this.io = io;
    this.#colourOut = colourEnabled(io.stdout, io.env);
    this.#colourErr = colourEnabled(io.stderr, io.env);
  }

  /** Never prints `secret` (nor its URL-encoded form) from now on: it becomes `***`. */
  addSecret(secret: string): void {
    if (secret.length > 0) this.#secrets.push(secret, encodeURIComponent(secret));
  }

  /** `text` with every known secret replaced by `***`. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join('***');
    return out;
  }

  /** `text` in `style` when stdout (or stderr with `toErr`) shows colour. */
  paint(style: Style, text: string, toErr = false): string {
    if (!(toErr ? this.#colourErr : this.#colourOut)) return text;
    const [on, off] = CODES[style];
    return `\u001b[${on}m${text}\u001b[${off}m`;
  }

  /** Writes a line of text to stdout, scrubbed. */
  out(line = ''): void {
    this.io.stdout.write(`${this.scrub(line)}\n`);
  }

  /** Writes bytes to stdout unchanged (`get --raw`). */
  outBytes(bytes: Uint8Array): void {
    this.io.stdout.write(bytes);
  }

  /** Writes a line of text to stderr, scrubbed. */
  err(line: string): void {
    this.io.stderr.write(`${this.scrub(line)}\n`);
  }

  /** True when stderr is a terminal: progress bars and in-place refreshes go there. */
  get interactive(): boolean {
    return this.io.stderr.isTTY === true;
  }

  /** Asks a yes/no question on stderr and reads one line of stdin; true only for y or yes. */
  async confirm(question: string): Promise<boolean> {
    this.io.stderr.write(`${this.scrub(question)} [y/N] `);
    const answer = await readLine(this.io.stdin);
    return /^(y|yes)$/i.test(answer.trim());
  }
}

function readLine(stream: Readable): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = (): void => {
      stream.off('data', onData);
      stream.off('end', done);
      stream.pause();
      resolve(text);
    };
    const onData = (chunk: Buffer | string): void => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline !== -1) {
        text = text.slice(0, newline);
        done();
      }
    };
    stream.on('data', onData);
    stream.once('end', done);
    stream.resume();
  });
}

/** Reads all of stdin as bytes (`set KEY -`). */
export async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * A one-line progress bar on stderr, redrawn with `\r` at most ten times a
 * second, drawn only when stderr is a terminal.
 */
export class ProgressBar {
  readonly #terminal: Terminal;
  readonly #label: string;
  readonly #total: number;
  #done = 0;
  #drawnAt = 0;
  #drawn = false;

  constructor(terminal: Terminal, label: string, total: number) {
    this.#terminal = terminal;
    this.#label = label;
    this.#total = Math.max(total, 1);
  }

  /** Adds `count` finished units and redraws when due. */
  tick(count = 1): void {
    this.#done += count;
    const now = Date.now();
    if (now - this.#drawnAt >= 100 || this.#done >= this.#total) {
      this.#drawnAt = now;
      this.#draw();
    }
  }

  /** Erases the bar. */
  finish(): void {
    if (this.#drawn) this.#terminal.io.stderr.write('\r\u001b[K');
    this.#drawn = false;
  }

  #draw(): void {
    if (!this.#terminal.interactive) return;
    const width = 30;
    const ratio = Math.min(this.#done / this.#total, 1);
    const filled = Math.round(ratio * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const percent = `${Math.floor(ratio * 100)}`.padStart(3);
    this.#terminal.io.stderr.write(
      `\r\u001b[K${this.#label} [${this.#terminal.paint('cyan', bar, true)}] ${percent}% ${this.#done}/${this.#total}`,
    );
    this.#drawn = true;
  }
}
