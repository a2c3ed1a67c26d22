export { startGrpcServer, EVENTS_HEALTH_NAME, SERVICE_NAME } from './server.js';
export type { GrpcServerDeps, RunningServer } from './server.js';
export { toGrpcStatus, statusName } from './errors.js';
