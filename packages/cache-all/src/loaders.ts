import {
  type CacheConfig,
  CacheError,
  type CacheService,
  type CacheType,
  describeError,
} from '@pywatt/cache-core';

/** A backend's factory, as its package exports it. */
export type BackendFactory = (config: CacheConfig) => Promise<CacheService>;

/**
 * Imports `packageName` and returns its export `factoryName`. The specifier is a
 * parameter on purpose: this package must build and type-check without any backend
 * installed; `loaders.test.ts` proves each entry resolves to a real factory.
 */
async function importFactory(packageName: string, factoryName: string): Promise<BackendFactory> {
  const module = (await import(packageName)) as Record<string, unknown>;
  const factory = module[factoryName];
  if (typeof factory !== 'function') {
    throw new Error(
      `${packageName} does not export ${factoryName}(); its version does not match @pywatt/cache-all`,
    );
  }
  return factory as BackendFactory;
}

interface BackendEntry {
  /** The npm package that holds the backend. */
  packageName: string;
  /** Imports the package (only when this backend is asked for) and returns its factory. */
  load: () => Promise<BackendFactory>;
}

// One table: the only place that names the backends. Each import() runs only when its
// type is asked for, so an app that uses memory never loads ioredis or memjs.
const BACKENDS: Readonly<Record<CacheType, BackendEntry>> = {
  memory: {
    packageName: '@pywatt/cache-memory',
    load: () => importFactory('@pywatt/cache-memory', 'createMemoryCache'),
  },
  file: {
    packageName: '@pywatt/cache-file',
    load: () => importFactory('@pywatt/cache-file', 'createFileCache'),
  },
  redis: {
    packageName: '@pywatt/cache-redis',
    load: () => importFactory('@pywatt/cache-redis', 'createRedisCache'),
  },
  memcached: {
    packageName: '@pywatt/cache-memcached',
    load: () => importFactory('@pywatt/cache-memcached', 'createMemcachedCache'),
  },
  proxy: {
    packageName: '@pywatt/cache-proxy',
    load: () => importFactory('@pywatt/cache-proxy', 'createProxyCache'),
  },
};

function isModuleNotFound(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    describeError(error).includes(packageName)
  );
}

/**
 * Loads the factory of backend `type`. Rejects with BACKEND_NOT_INSTALLED, giving
 * the install command, when its package is not installed; CONFIGURATION for an
 * unknown type.
 */
export async function loadBackend(type: unknown): Promise<BackendFactory> {
  const entry =
    typeof type === 'string' && Object.hasOwn(BACKENDS, type)
      ? BACKENDS[type as CacheType]
      : undefined;
  if (entry === undefined) {
    throw new CacheError(
      'CONFIGURATION',
      `cache config: field 'type' must be one of ${Object.keys(BACKENDS).join(', ')}, got ${JSON.stringify(type)}`,
      {
        operation: 'create',
      },
    );
  }
  try {
    return await entry.load();
  } catch (error) {
    if (isModuleNotFound(error, entry.packageName)) {
      throw new CacheError(
        'BACKEND_NOT_INSTALLED',
        `the ${type} backend is not installed; install it next to @pywatt/cache-all: pnpm add ${entry.packageName} (or npm i ${entry.packageName})`,
        { operation: 'create', backend: type as CacheType, cause: error },
      );
    }
    throw new CacheError(
      'BACKEND_NOT_INSTALLED',
      `the ${type} backend (${entry.packageName}) failed to load: ${describeError(error)}; reinstall it`,
      {
        operation: 'create',
        backend: type as CacheType,
        cause: error,
      },
    );
  }
}
