export { Progress } from './progress.js';
export { formatTable, toJson } from './format.js';
