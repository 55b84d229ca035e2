import { CacheError } from '@pywatt/cache-core';

/** The kind a query parameter is read as. */
export type ParamKind = 'string' | 'number' | 'boolean';

/** A cache URL taken apart, for a backend's `fromUrl`. */
export interface ParsedCacheUrl {
  /** Lower-case scheme: `redis`, `proxy+tcp`, `acme`. */
  readonly scheme: string;
  /** The decoded user name, if the URL gives one. */
  readonly username: string | undefined;
  /** The decoded password, if the URL gives one. Never put it in a message. */
  readonly password: string | undefined;
  /** The comma-separated hosts of the authority (`h1:1,h2`), as written. */
  readonly hosts: readonly string[];
  /** The decoded path (`/2`, `/mymaster/0`, `/var/cache`). */
  readonly path: string;
  /** The path split on `/`, empty segments dropped. */
  readonly segments: readonly string[];
}

/**
 * Throws CONFIGURATION about a cache URL. The message names the scheme and
 * what is wrong, never the URL or any value taken from it: a password can sit
 * anywhere in a malformed URL (issue 15 #6).
 */
export function urlError(scheme: string | undefined, message: string): never {
  const where = scheme === undefined ? 'cache URL' : `cache URL (${scheme}://…)`;
  throw new CacheError('CONFIGURATION', `${where}: ${message}`, { operation: 'create' });
}

function decode(scheme: string | undefined, text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return urlError(scheme, `the ${what} is not valid percent-encoding`);
  }
}

/**
 * An unknown parameter's name, when it is safe to repeat: a short identifier
 * that looks like a misspelt accepted one (`maxItem`). Any other name could be
 * a pasted secret, so it is named by position only.
 */
function unknownName(name: string, position: number, known: readonly string[]): string {
  const stem = name.slice(0, 3).toLowerCase();
  const misspelt =
    /^[A-Za-z][A-Za-z0-9_]{2,39}$/.test(name) &&
    known.some((a) => a === name || a.toLowerCase().startsWith(stem));
  return misspelt ? `'${name}'` : `#${position}`;
}

const HOSTS = /^[A-Za-z0-9.\-_[\]:,%]*$/;

/**
 * Where the authority ends and the user information (if any) is. A password
 * may hold an unencoded `/`, `?` or `@`, so the authority is taken after the
 * first `@` that is followed by a plausible host list, not cut at the first `/`.
 */
function splitAuthority(rest: string): { userinfo: string | undefined; after: string } {
  for (let at = rest.indexOf('@'); at !== -1; at = rest.indexOf('@', at + 1)) {
    const after = rest.slice(at + 1);
    const end = after.search(/[/?]/);
    const hosts = end === -1 ? after : after.slice(0, end);
    const before = rest.slice(0, at);
    // `?name=` before it: this `@` is inside a query value (`?namespace=a@b`), not after a password.
    if (/\?[^=]*=/.test(before)) break;
    if (hosts.length > 0 && HOSTS.test(hosts)) return { userinfo: before, after };
  }
  return { userinfo: undefined, after: rest };
}

/**
 * Takes `scheme://[user[:password]@]host1,host2/path?query` apart without
 * WHATWG's single-host rules. Returns the parts and the raw query.
 */
export function splitCacheUrl(url: string): { parts: ParsedCacheUrl; query: string } {
  const head = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (head === null) return urlError(undefined, 'expected scheme://host/path?query');
  const scheme = (head[1] as string).toLowerCase();
  const { userinfo, after } = splitAuthority(url.slice(head[0].length));
  const match = /^([^/?]*)([^?]*)(?:\?(.*))?$/s.exec(after) as RegExpExecArray;
  const [, hostList = '', rawPath = '', query = ''] = match;
  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
    username = decode(scheme, user, 'user name') || undefined;
    password =
      colon === -1 ? undefined : decode(scheme, userinfo.slice(colon + 1), 'password') || undefined;
  }
  const path = decode(scheme, rawPath, 'path');
  return {
    parts: {
      scheme,
      username,
      password,
      hosts: hostList === '' ? [] : hostList.split(','),
      path,
      segments: path.split('/').filter((s) => s !== ''),
    },
    query,
  };
}

/**
 * Reads typed query parameters (`maxItems=5&durable=true`) by `kinds`.
 * CONFIGURATION for an unknown, repeated or mistyped parameter; the message
 * names the parameter, never its value.
 */
export function readParams(
  scheme: string | undefined,
  query: string,
  kinds: Readonly<Record<string, ParamKind>>,
  otherNames: readonly string[] = [],
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  const accepted = Object.keys(kinds);
  let position = 0;
  for (const [name, raw] of new URLSearchParams(query)) {
    position++;
    const kind = Object.hasOwn(kinds, name) ? kinds[name] : undefined;
    if (kind === undefined)
      urlError(
        scheme,
        `unknown parameter ${unknownName(name, position, [...accepted, ...otherNames])} for this backend; accepted: ${accepted.join(', ')}`,
      );
    // Only accepted names get this far: safe to repeat.
    if (Object.hasOwn(params, name)) urlError(scheme, `parameter '${name}' is given twice`);
    if (kind === 'number') {
      const value =
        raw === 'Infinity'
          ? Number.POSITIVE_INFINITY
          : raw.trim() === ''
            ? Number.NaN
            : Number(raw);
      if (Number.isNaN(value)) urlError(scheme, `parameter '${name}' must be a number`);
      params[name] = value;
    } else if (kind === 'boolean') {
      if (raw !== 'true' && raw !== 'false')
        urlError(scheme, `parameter '${name}' must be true or false`);
      params[name] = raw === 'true';
    } else {
      params[name] = raw;
    }
  }
  return params;
}

/** Splits `host`, `host:port` or `[v6]:port` of a URL; CONFIGURATION (not naming it) when malformed. */
export function hostPort(
  scheme: string,
  host: string,
  defaultPort: number,
): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (match === null) return urlError(scheme, 'a host is not host or host:port');
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (match[2] !== undefined && (port < 1 || port > 65535))
    urlError(scheme, `port ${port} is out of range`);
  return { host: match[1] as string, port };
}

/** `host:port`, the default port added when missing. */
export function withPort(scheme: string, host: string, defaultPort: number): string {
  const parsed = hostPort(scheme, host, defaultPort);
  return `${parsed.host}:${parsed.port}`;
}

/** `{ username, password }` of a URL, each only when given. */
export function credentials(parts: ParsedCacheUrl): { username?: string; password?: string } {
  return {
    ...(parts.username === undefined ? {} : { username: parts.username }),
    ...(parts.password === undefined ? {} : { password: parts.password }),
  };
}

/**
 * The secrets a URL carries (its password, and the value of every parameter
 * named like a secret), as parsed: what {@link scrubSecrets} removes.
 */
export function secretsOf(url: string): string[] {
  const secrets: string[] = [];
  try {
    const { parts, query } = splitCacheUrl(url);
    if (parts.password !== undefined) secrets.push(parts.password);
    for (const [name, value] of new URLSearchParams(query))
      if (/token|password|secret|key/i.test(name)) secrets.push(value);
  } catch {
    // unparsable: nothing more is known
  }
  return secrets.filter((s) => s.length > 0);
}

/** Replaces each of `secrets` (and their URL-encoded forms) in `text` with `***`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret)]))
      out = out.split(form).join('***');
  }
  return out;
}

/**
 * The URL with its password and secret parameters replaced by `***`, for
 * logs. Works on the parsed URL (an unencoded `/`, `?` or `@` in a password
 * is still found); an unparsable URL gives `'<unparsable cache URL>'`.
 */
export function redactCacheUrl(url: string): string {
  let scheme: string;
  try {
    scheme = splitCacheUrl(url).parts.scheme;
  } catch {
    return '<unparsable cache URL>';
  }
  const head = `${url.slice(0, scheme.length)}://`;
  const { userinfo, after } = splitAuthority(url.slice(head.length));
  const [authority = '', query] = splitOnce(after, '?');
  let user = '';
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    user = colon === -1 ? `${userinfo}@` : `${userinfo.slice(0, colon)}:***@`;
  }
  if (query === undefined) return `${head}${user}${authority}`;
  const params = query
    .split('&')
    .map((pair) => {
      const [name = '', value] = splitOnce(pair, '=');
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        return '***';
      }
      return value !== undefined && /token|password|secret|key/i.test(decoded)
        ? `${name}=***`
        : pair;
    })
    .join('&');
  return `${head}${user}${authority}?${params}`;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
