import { type Cluster, Command, type Redis } from 'ioredis';

// The message ioredis's own commandTimeout rejects with: map-error.ts turns it into TIMEOUT.
const TIMED_OUT = 'Command timed out';
/** Settled commands are dropped from the front of the list once this many have piled up. */
const COMPACT_AT = 1_024;

/** A reply as ioredis hands it over: `null` for Buffers, `'utf8'` for strings. */
export type ReplyEncoding = 'utf8' | null;

/** Sends one command and resolves with its reply: {@link Dispatcher.send}, or {@link nodeSender}. */
export type Send = <T = unknown>(
  name: string,
  args: Array<string | Buffer | number>,
  encoding: ReplyEncoding,
) => Promise<T>;

/** A {@link Send} straight to one Cluster node (its own `commandTimeout` bounds it). */
export function nodeSender(node: Redis): Send {
  return <T>(name: string, args: Array<string | Buffer | number>, encoding: ReplyEncoding) =>
    node.sendCommand(new Command(name, args, { replyEncoding: encoding })) as Promise<T>;
}

/** A socket that can be corked (Node's net.Socket and tls.TLSSocket). */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * How every command of the cache reaches ioredis, through its public API only
 * (`new Command`, `sendCommand`, `Command.reject`, the client's `stream`).
 *
 * **Batching.** A command issued when nothing else is in flight is written at
 * once, as plain ioredis does, with nothing scheduled: one awaited call pays no
 * batching delay. A command issued while others await their replies opens a
 * batch: it and the commands after it in the same tick are written into the
 * corked socket and leave in one `writev` when the tick ends
 * (`process.nextTick`), so 1,000 commands in flight, or a `setMany`, cost one or
 * two syscalls per tick, as
 * ioredis's auto-pipelining does, without its `setImmediate` hop, its Pipeline
 * object per batch and the rule that one batch waits for the previous one.
 *
 * **Timeout** (`timeoutMs`, single node and Sentinel). One interval, running
 * only while commands are pending, notes how many commands had been issued and
 * when; once a note is `timeoutMs` old, the commands issued before it that are
 * still unanswered reject with "Command timed out". So every command rejects
 * between `timeoutMs` and `timeoutMs` + two sweep periods after it was issued
 * (a period is a tenth of the timeout, 5–100 ms), wherever it waits: held
 * during a failover, in ioredis's offline queue, or sent to a frozen server.
 * ioredis's `commandTimeout` arms a timer per command instead, about a tenth of
 * the CPU time of a GET. Cluster keeps ioredis's timer (it builds the node
 * clients itself), so there `timeoutMs` is undefined.
 *
 * **Hold.** While held (a Sentinel failover is under way, see sentinel-watch.ts)
 * commands wait here, still timed, and go out when released.
 */
export class Dispatcher {
  readonly #client: Redis | Cluster;
  readonly #timeoutMs: number | undefined;
  readonly #periodMs: number;
  /** Commands issued and not known to be settled, oldest first, from index #head on. */
  #pending: Command[] = [];
  #head = 0;
  /** How many commands left #pending from the front: absolute number of #pending[0]. */
  #dropped = 0;
  /** Sweep notes: [commands issued so far, time], oldest first. */
  #marks: Array<[number, number]> = [];
  #sweeper: NodeJS.Timeout | undefined;
  #inTick = false;
  /** The command written last, to tell whether anything is in flight. */
  #last: Command | undefined;
  #corked: Corkable[] = [];
  #held: Command[] | undefined;

  constructor(client: Redis | Cluster, timeoutMs: number | undefined) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
    this.#periodMs =
      timeoutMs === undefined ? 0 : Math.min(100, Math.max(5, Math.ceil(timeoutMs / 10)));
  }

  /** Sends `name args` and resolves with the reply (Buffers for `null`, strings for `'utf8'`). */
  readonly send: Send = <T>(
    name: string,
    args: Array<string | Buffer | number>,
    encoding: ReplyEncoding,
  ): Promise<T> => {
    const command = new Command(name, args, { replyEncoding: encoding });
    if (this.#timeoutMs !== undefined) this.#track(command);
    if (this.#held !== undefined) this.#held.push(command);
    else this.#write(command);
    return command.promise as Promise<T>;
  };

  /** Whether commands are being held. */
  get holding(): boolean {
    return this.#held !== undefined;
  }

  /** Holds every command issued from now on until {@link release}. */
  hold(): void {
    this.#held ??= [];
  }

  /** Sends the held commands (those not timed out meanwhile), in order, and stops holding. */
  release(): void {
    const held = this.#held;
    this.#held = undefined;
    for (const command of held ?? []) if (!command.isSettled) this.#write(command);
  }

  /** Rejects every held command with `error` (the cache is closing). */
  rejectHeld(error: Error): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const command of held) if (!command.isSettled) command.reject(error);
  }

  /** Stops the sweep; commands still pending keep whatever ioredis does with them. */
  stop(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #write(command: Command): void {
    const last = this.#last;
    this.#last = command;
    // Nothing in flight (replies come in order, so the last command settled means all did):
    // straight out, with nothing to schedule. Otherwise batch until the tick ends.
    if (!this.#inTick && last !== undefined && !last.isSettled) {
      this.#inTick = true;
      process.nextTick(this.#endTick);
      this.#cork();
    }
    this.#client.sendCommand(command);
  }

  #cork(): void {
    const clients = this.#client.isCluster
      ? (this.#client as Cluster).nodes('master')
      : [this.#client as Redis];
    for (const client of clients) {
      const stream = client.stream as Partial<Corkable> | undefined;
      if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') continue;
      stream.cork();
      this.#corked.push(stream as Corkable);
    }
  }

  readonly #endTick = (): void => {
    this.#inTick = false;
    if (this.#corked.length === 0) return;
    const corked = this.#corked;
    this.#corked = [];
    for (const stream of corked) stream.uncork();
  };

  #track(command: Command): void {
    // Let go of the settled commands at the front now rather than at the next sweep: one
    // awaited call at a time then keeps no command (and its reply) alive past its turn.
    const pending = this.#pending;
    while (this.#head < pending.length && (pending[this.#head] as Command).isSettled) this.#head++;
    if (this.#head === pending.length && this.#head > 0) {
      this.#dropped += this.#head;
      pending.length = 0;
      this.#head = 0;
    }
    pending.push(command);
    if (this.#sweeper === undefined) {
      this.#sweeper = setInterval(this.#sweep, this.#periodMs);
      this.#sweeper.unref();
    }
  }

  readonly #sweep = (): void => {
    const pending = this.#pending;
    while (this.#head < pending.length && (pending[this.#head] as Command).isSettled) this.#head++;
    if (this.#head === pending.length) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
      this.#dropped += pending.length;
      this.#pending = [];
      this.#head = 0;
      this.#marks = [];
      return;
    }
    const now = Date.now();
    const issued = this.#dropped + pending.length;
    if (this.#marks.at(-1)?.[0] !== issued) this.#marks.push([issued, now]);
    // The newest note old enough covers the older ones.
    const oldest = now - (this.#timeoutMs as number);
    let due = -1;
    while (due + 1 < this.#marks.length && (this.#marks[due + 1] as [number, number])[1] <= oldest)
      due++;
    if (due >= 0) {
      const end = (this.#marks[due] as [number, number])[0] - this.#dropped;
      this.#marks.splice(0, due + 1);
      for (; this.#head < end; this.#head++) {
        const command = pending[this.#head] as Command;
        if (!command.isSettled) command.reject(new Error(TIMED_OUT));
      }
    }
    if (this.#head >= COMPACT_AT && this.#head * 2 >= pending.length) {
      this.#pending = pending.slice(this.#head);
      this.#dropped += this.#head;
      this.#head = 0;
    }
  };
}
