export { loadConfig, ConfigError } from './load-config.js';
export type { Config } from './load-config.js';
export { envSchema } from './schema.js';
export { childEnvironment } from './child-env.js';
