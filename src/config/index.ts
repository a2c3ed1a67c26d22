export { loadConfig, loadConfigOrExit, ConfigError } from './load-config.js';
export type { Config } from './load-config.js';
export { FIXED_SETTINGS, envSchema } from './schema.js';
export { SERVICE_PROCESS_ENV, childEnvironment, embeddedStoreEnv } from './child-env.js';
export { bareHost, splitHostPort } from './address.js';
export type { HostPort } from './address.js';
export { BUILT_IN_TABLES, loadTableProfiles, tablesFileSchema } from './table-profiles.js';
export type { TableProfileConfig, TableProfilesConfig } from './table-profiles.js';
