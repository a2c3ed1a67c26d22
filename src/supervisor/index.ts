export { StartError, startCommand } from './start-command.js';
