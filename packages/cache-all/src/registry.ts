import { CacheError, describeError, type StoreCache } from '@pywatt/cache-core';
import { registerBuiltins } from './builtins.js';
import type { ParamKind, ParsedCacheUrl } from './url.js';

/** Any backend's config object: its `type` and its fields. */
export interface CustomCacheConfig {
  type: string;
  [field: string]: unknown;
}

/** A backend's factory: a config (validated by the backend) to a ready cache made by `createCache`. */
export type BackendFactory = (config: CustomCacheConfig) => Promise<StoreCache>;

/**
 * How `createCacheService` reaches a backend: its config `type`, its URL
 * schemes, a lazy loader and a URL reader. The built-ins register themselves
 * exactly so; a backend published elsewhere does the same:
 *
 * ```ts
 * registerBackend({
 *   type: 'acme',
 *   schemes: ['acme'],
 *   load: async () => (await import('acme-pywatt-store')).createAcmeCache,
 *   fromUrl: (url) => ({ type: 'acme', region: url.hosts[0] }),
 * });
 * await createCacheService('acme://eu-west-1?namespace=app');
 * ```
 */
export interface BackendRegistration {
  /** The `type` of its config objects (and its store's `name`). */
  readonly type: string;
  /** URL schemes it reads (lower case, e.g. `['redis', 'rediss']`). May be empty. */
  readonly schemes: readonly string[];
  /** The npm package to install when `load` cannot find it (for the error message). */
  readonly packageName?: string | undefined;
  /** Imports the backend (only when asked for) and returns its factory. */
  readonly load: () => Promise<BackendFactory>;
  /**
   * Reads a URL of one of `schemes` into config fields (without the query
   * parameters, which are read by `params`). Throw with `urlError` for a URL
   * it cannot read; never put a password in a message.
   */
  readonly fromUrl?: ((url: ParsedCacheUrl) => Record<string, unknown>) | undefined;
  /** How its own query parameters are read (the shared ones are known already). Default none. */
  readonly params?: Readonly<Record<string, ParamKind>> | undefined;
}

const byType = new Map<string, BackendRegistration>();
const byScheme = new Map<string, BackendRegistration>();
let builtinsRegistered = false;

// The built-ins register on first use, through registerBackend like any other: no import-time side effect.
function ensureBuiltins(): void {
  if (builtinsRegistered) return;
  builtinsRegistered = true;
  registerBuiltins();
}

/**
 * Adds a backend: `createCacheService({ type })` and `createCacheService('scheme://…')`
 * then reach it. Registering a type or scheme again replaces the earlier one.
 *
 * @throws CacheError CONFIGURATION for a malformed registration.
 */
export function registerBackend(registration: BackendRegistration): void {
  ensureBuiltins();
  const bad = (what: string): never => {
    throw new CacheError('CONFIGURATION', `registerBackend: ${what}`, { operation: 'register' });
  };
  if (typeof registration !== 'object' || registration === null) bad('expected an object');
  const { type, schemes, load } = registration;
  if (typeof type !== 'string' || !/^[a-z][a-z0-9-]*$/.test(type))
    bad("'type' must be a lower-case name such as 'acme'");
  if (!Array.isArray(schemes) || schemes.some((s) => !/^[a-z][a-z0-9+.-]*$/.test(s)))
    bad("'schemes' must be an array of lower-case URL schemes");
  if (typeof load !== 'function') bad("'load' must be a function returning the factory");
  if (schemes.length > 0 && typeof registration.fromUrl !== 'function')
    bad("'fromUrl' is needed to read URLs of its schemes");
  byType.set(type, registration);
  for (const scheme of schemes) byScheme.set(scheme, registration);
}

/** The registration of config `type`; CONFIGURATION listing the known types otherwise. */
export function registrationOf(type: unknown): BackendRegistration {
  ensureBuiltins();
  const found = typeof type === 'string' ? byType.get(type) : undefined;
  if (found !== undefined) return found;
  throw new CacheError(
    'CONFIGURATION',
    `cache config: field 'type' must be one of ${[...byType.keys()].join(', ')} (or a type added with registerBackend), got ${typeof type === 'string' && /^[a-z][a-z0-9-]{0,39}$/.test(type) ? `'${type}'` : `a ${typeof type}`}`,
    { operation: 'create' },
  );
}

/** The registration that reads URLs of `scheme`, if any. */
export function registrationForScheme(scheme: string): BackendRegistration | undefined {
  ensureBuiltins();
  return byScheme.get(scheme);
}

/** The URL parameter names of every registered backend (safe to repeat in a message). */
export function knownParamNames(): string[] {
  ensureBuiltins();
  return [...new Set([...byType.values()].flatMap((r) => Object.keys(r.params ?? {})))];
}

/** Every scheme a URL may use now. */
export function knownSchemes(): string[] {
  ensureBuiltins();
  return [...byScheme.keys()];
}

function isModuleNotFound(error: unknown, packageName: string | undefined): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    (packageName === undefined || describeError(error).includes(packageName))
  );
}

/**
 * Loads the factory of backend `type`. Rejects with BACKEND_NOT_INSTALLED,
 * giving the install command, when its package is not installed;
 * CONFIGURATION for an unknown type.
 */
export async function loadBackend(type: unknown): Promise<BackendFactory> {
  const entry = registrationOf(type);
  const pkg = entry.packageName ?? `the package of the ${entry.type} backend`;
  try {
    const factory = await entry.load();
    if (typeof factory !== 'function')
      throw new Error(`its loader returned no factory; its version does not match`);
    return factory;
  } catch (error) {
    const missing = isModuleNotFound(error, entry.packageName);
    throw new CacheError(
      'BACKEND_NOT_INSTALLED',
      missing
        ? `the ${entry.type} backend is not installed; install it next to @pywatt/cache-all: pnpm add ${pkg} (or npm i ${pkg})`
        : `the ${entry.type} backend (${pkg}) failed to load: ${describeError(error)}; reinstall it`,
      { operation: 'create', backend: entry.type, cause: error },
    );
  }
}
