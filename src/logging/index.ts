export { JsonLogger, silentLogger } from './json-logger.js';
