export { ServiceEntry, nodeArgsFor, startNodeService } from './child-service.js';
export type { NodeService, NodeServiceOptions } from './child-service.js';
export {
  NatsServerMissingError,
  findNatsServer,
  natsReachable,
  spawnNats,
} from './nats-process.js';
export type { SpawnedNats } from './nats-process.js';
export { RssSampler } from './rss-sampler.js';
export { exitOnSignals } from './exit-on-signals.js';
export { ServiceStartError, announceReady, waitForReady } from './ready-signal.js';
export type { WaitReadyOptions } from './ready-signal.js';
export { startMallocTrimming } from './malloc-trim.js';
