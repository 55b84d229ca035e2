export {
  ADMIN_TOKEN_ENV,
  type AdminEndpoint,
  type AdminEvent,
  type AdminOptions,
  serveAdmin,
} from './admin/admin-server.js';
export {
  createProxyBus,
  ProxyBus,
  type ProxyBusListener,
  type ProxyBusMembership,
  type ProxyBusOptions,
  type ProxyInvalidation,
} from './client/proxy-bus.js';
export {
  createProxyCache,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_OPERATION_TIMEOUT_MS,
  type ProxyCacheConfig,
  type ProxyCacheOptions,
  ProxyCacheService,
  ProxyStore,
  proxyConfigSchema,
  TOKEN_ENV,
} from './client/proxy-cache-service.js';
export { DEFAULT_MAX_FRAME_BYTES, PROTOCOL_VERSION } from './protocol/constants.js';
export type { AuthOptions, TokenGrant } from './server/auth.js';
export {
  type CacheServer,
  type CacheServerOptions,
  type ListenTarget,
  type ServerAddress,
  startCacheServer,
} from './server/cache-server.js';
export type { ConnectionEvent } from './server/connection.js';
export type { Servable, StoreBackedCache } from './server/hosted-cache.js';
export {
  METRICS_CONTENT_TYPE,
  type MetricsEndpoint,
  type MetricsObserver,
  type RequestRecord,
  ServerMetrics,
  serveMetrics,
} from './server/server-metrics.js';
export type { IpcChannel } from './transport/ipc-channel.js';
