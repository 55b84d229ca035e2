import { CacheError, type CacheErrorCode, describeError } from '@pywatt/cache-core';

/** What the mapping needs to know about the connection. */
export interface ErrorContext {
  /** Password-free description of the server, e.g. `redis at 127.0.0.1:6379`. */
  readonly endpoint: string;
  readonly operationTimeoutMs: number | undefined;
  /** The last error the client reported on its own (connect refused, auth failed...). */
  readonly lastConnectionError: Error | undefined;
  /** Scrubbed from every message, in case a driver ever echoes it. */
  readonly secrets: readonly string[];
}

const AUTH = /^(WRONGPASS|NOAUTH|NOPERM)|invalid (username-)?password|Authentication required/i;
const REFUSED = /ECONNREFUSED/;
const TRANSIENT_REPLY = /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|BUSY|ASK|MOVED)\b/;
// ioredis's own messages for a command that did not get an answer because the connection went away.
const CONNECTION_LOST =
  /Connection is closed|Reached the max retries per request|Stream isn't writeable|Cluster isn't ready|Cluster is ended|Failed to refresh slots cache|None of startup nodes|All sentinels are unreachable|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN|socket|max number of clients/i;
// Could the command have run on the server before its answer was lost?
const MAYBE_APPLIED =
  /Command timed out|Connection is closed|Reached the max retries per request|ECONNRESET|socket/i;
const NOT_SENT = /Stream isn't writeable|Cluster isn't ready/;

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  return out;
}

/**
 * Maps an ioredis or Redis error to a CacheError with a code, a message naming
 * host and port (never a password) and a `retryable` flag. An `increment`
 * whose answer was lost is marked not retryable: it may have been applied.
 */
export function mapRedisError(error: unknown, operation: string, ctx: ErrorContext): CacheError {
  const detail = scrub(describeError(error), ctx.secrets);
  const last = ctx.lastConnectionError;
  const lastDetail = last === undefined ? '' : scrub(last.message, ctx.secrets);
  let code: CacheErrorCode;
  let message: string;
  let retryable: boolean | undefined;

  if (
    AUTH.test(detail) ||
    (CONNECTION_LOST.test(detail) && last !== undefined && AUTH.test(lastDetail))
  ) {
    code = 'UNAUTHORIZED';
    message = `${ctx.endpoint} rejected the credentials (${AUTH.test(detail) ? detail : lastDetail}); check username and password`;
  } else if (/Command timed out/.test(detail)) {
    code = 'TIMEOUT';
    message = `${ctx.endpoint} did not answer ${operation} within ${ctx.operationTimeoutMs ?? 'the client commandTimeout'} ms (operationTimeoutMs); is the server overloaded or frozen?`;
  } else if (/^READONLY/.test(detail)) {
    code = 'CONNECTION';
    message = `${ctx.endpoint} is a read-only replica (${detail}); a failover is probably in progress, the client reconnects to the master by itself: retry shortly`;
  } else if (/Too many Cluster redirections/.test(detail)) {
    code = 'CONNECTION';
    message = `${ctx.endpoint} kept redirecting ${operation} (MOVED/ASK storm: ${detail}); slots are moving, retry shortly`;
  } else if (TRANSIENT_REPLY.test(detail)) {
    code = 'CONNECTION';
    message = `${ctx.endpoint} cannot serve ${operation} right now (${detail}); retry shortly`;
  } else if (/^OOM/.test(detail)) {
    code = 'CAPACITY_EXCEEDED';
    message = `${ctx.endpoint} is out of memory and refuses writes (${detail}); raise maxmemory or use an evicting maxmemory-policy`;
  } else if (/^WRONGTYPE/.test(detail)) {
    code = 'PROTOCOL';
    message = `${ctx.endpoint}: the key of ${operation} holds a Redis type other than a string, so this cache did not write it (${detail})`;
  } else if (REFUSED.test(detail) || (CONNECTION_LOST.test(detail) && REFUSED.test(lastDetail))) {
    code = 'CONNECTION';
    message = `${ctx.endpoint} refused the connection; is redis-server running?`;
  } else if (CONNECTION_LOST.test(detail)) {
    code = 'CONNECTION';
    message = `lost the connection to ${ctx.endpoint} during ${operation} (${detail}${lastDetail ? `; last connection error: ${lastDetail}` : ''}); the client reconnects with backoff`;
  } else {
    code = 'INTERNAL';
    message = `${ctx.endpoint} failed ${operation} unexpectedly: ${detail}`;
  }
  if (operation === 'increment' && (code === 'TIMEOUT' || code === 'CONNECTION')) {
    if (MAYBE_APPLIED.test(detail) && !NOT_SENT.test(detail)) {
      retryable = false;
      message += '; the increment may or may not have been applied, so it was not re-sent';
    }
  }
  // An auth error carries the AUTH/HELLO command and its arguments: never keep it as the cause.
  const cause = code === 'UNAUTHORIZED' ? new Error(detail) : error;
  return new CacheError(code, message, { operation, backend: 'redis', retryable, cause });
}
