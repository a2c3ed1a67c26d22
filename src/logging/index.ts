export { JsonLogger, silentLogger } from './json-logger.js';
export { DEFAULT_LOG_FILE_MAX_BYTES, LogFile } from './log-file.js';
export { Progress } from './progress.js';
