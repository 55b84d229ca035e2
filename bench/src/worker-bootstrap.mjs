// Starts a TypeScript worker under tsx: Node 20 does not hand the parent's loader to workers.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.script);
