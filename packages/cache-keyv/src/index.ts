export {
  type KeyvEntry,
  type KeyvStoreOptions,
  PyWattKeyvStore,
  toKeyvStore,
} from './keyv-store.js';
export { decodeKeyvValue, encodeKeyvValue } from './value-encoding.js';
