import type { Logger } from '../domain/index.js';

/**
 * Installs SIGINT/SIGTERM/SIGHUP handlers (and a supervisor-gone watch) for an entry point: the first signal stops whatever `current`
 * returns by then (nothing yet during start-up) and exits 0, or 1 when stopping fails.
 */
export function exitOnSignals(
  logger: Logger,
  current: () => { stop(): Promise<void> } | undefined,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const running = current();
    if (running === undefined) process.exit(0);
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  // Started by a supervisor with an IPC channel: the channel closes when the supervisor dies,
  // however it died, and the service must not outlive it. Unref'd: it keeps nothing running.
  if (process.connected) {
    process.once('disconnect', () => stop('SIGHUP'));
    process.channel?.unref();
  }
}
