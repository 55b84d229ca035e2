import { type Cluster, Command, type Redis } from 'ioredis';

/**
 * How many times one command is re-sent after a redirection reply. Each re-send
 * goes through Cluster.sendCommand, which itself follows further ASK/MOVED
 * (at most `maxRedirections` hops, then "Too many Cluster redirections"), so a
 * bare redirection coming back from it is rare (a malformed MOVED, say); the
 * bound makes sure even that ends in an error (CONNECTION) instead of a loop.
 */
export const MAX_RESENDS = 3;

/** What ioredis puts on an error reply: the command it answered, arguments as sent. */
interface SentCommand {
  readonly name: string;
  readonly args: Array<string | Buffer | number>;
}

// Replies meaning "not executed here, ask another node / again": re-sending never runs a command twice.
// TRYAGAIN: a multi-key command (MGET, UNLINK) whose keys are split across the two nodes mid-migration.
const NOT_EXECUTED = /^(ASK|MOVED|TRYAGAIN) /;

/**
 * The command a Cluster node refused with ASK, MOVED or TRYAGAIN (the server
 * did not run it), or undefined for any other error. ioredis sets
 * `error.command = { name, args }` on every error reply (DataHandler.returnError).
 */
export function notExecuted(error: unknown): SentCommand | undefined {
  if (!(error instanceof Error) || !NOT_EXECUTED.test(error.message)) return undefined;
  const command = (error as { command?: Partial<SentCommand> }).command;
  if (typeof command?.name !== 'string' || !Array.isArray(command.args)) return undefined;
  return command as SentCommand;
}

/**
 * Cluster: re-sends, alone, a command the server refused with a redirection;
 * any other error (and every error of a non-Cluster client) is rethrown as is.
 *
 * With auto-pipelining, ioredis follows ASK/MOVED for a batched command only
 * when every command of its batch got the same reply (Pipeline.fillResult);
 * otherwise the reply reaches the caller. Cluster.sendCommand, unlike the
 * auto-pipeline, follows redirections per command: ASK goes to the importing
 * node after ASKING, MOVED updates the slot map, TRYAGAIN waits
 * `retryDelayOnTryAgain`. Only failures land here, so a command that succeeds
 * pays nothing.
 */
export async function followRedirect(
  client: Redis | Cluster,
  error: unknown,
  replyEncoding: BufferEncoding | null,
): Promise<unknown> {
  let last = error;
  if (!client.isCluster) throw last;
  for (let sent = 0; sent < MAX_RESENDS; sent++) {
    const command = notExecuted(last);
    if (command === undefined) break;
    try {
      return await ((client as Cluster).sendCommand(
        new Command(command.name, command.args, { replyEncoding }),
      ) as Promise<unknown>);
    } catch (next) {
      last = next;
    }
  }
  throw last;
}
