import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfigOrExit, splitHostPort } from './config/index.js';
import {
  LeaseLostError,
  runConsumer,
  startSdkTelemetry,
  type ConsumerHandle,
} from './consumer/index.js';
import { hasErrorCode } from './domain/index.js';
import { JsonLogger } from './logging/index.js';
import { announceReady, exitOnSignals } from './processes/index.js';

/**
 * Runs the metrics consumer until SIGINT/SIGTERM (then drains and exits 0). `--replay`
 * rebuilds everything from the start of the events stream. Exit code 2 on bad configuration
 * or a checkpoint that does not fit it; 1 when start-up fails otherwise or consuming stops by itself.
 */
export async function consumeMain(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const config = loadConfigOrExit();
  const logger = new JsonLogger(config.logLevel, { service: 'vectoradmin-consumer' });
  const replay = argv.includes('--replay');
  // Created once: the SDK registers itself globally, and a lost lease restarts the consumer.
  const telemetry = startSdkTelemetry();
  // An unreachable OTLP endpoint costs the last spans, not a clean exit.
  const shutdownTelemetry = () =>
    telemetry.shutdown().catch((err: unknown) => logger.warn('cannot flush spans', { err }));
  // Handled from the start: until the consumer runs nothing is applied or acked, so a signal
  // during start-up (e.g. while NATS is still unreachable or another process holds the lease)
  // just exits.
  let running: ConsumerHandle | undefined;
  exitOnSignals(logger, () =>
    running === undefined
      ? undefined
      : {
          stop: async () => {
            try {
              await running?.stop();
            } finally {
              await shutdownTelemetry();
            }
          },
        },
  );
  const start = async (replayNow: boolean, restarting: boolean): Promise<void> => {
    for (let delayMs = 1000; running === undefined; delayMs = Math.min(delayMs * 2, 30_000)) {
      try {
        running = await runConsumer(config, logger, { replay: replayNow, telemetry });
      } catch (err) {
        if (err instanceof ConfigError || hasErrorCode(err, 'failed_precondition')) {
          process.stderr.write(`${(err as Error).message}\n`);
          process.exit(2);
        }
        if (!restarting) {
          logger.error('start-up failed', { err });
          process.exit(1);
        }
        // Starting over right after NATS came back meets its passing errors: keep trying.
        logger.warn('cannot start over yet; retrying', { err, delayMs });
        await sleep(delayMs);
      }
    }
    const handle = running;
    void handle.failed.then(async (err: unknown) => {
      await handle.stop().catch(() => undefined);
      if (err instanceof LeaseLostError) {
        // What was not checkpointed is redelivered; start over from the checkpoint.
        logger.warn('consumer lease lost; starting over from the checkpoint', { err });
        running = undefined;
        await start(false, true);
        return;
      }
      logger.error('the consumer stopped unexpectedly', { err });
      await shutdownTelemetry();
      process.exit(1);
    });
  };
  await start(replay, false);
  announceReady({
    dashboard: `${splitHostPort(config.consumer.dashboardAddress).host}:${running?.dashboardPort}`,
    prometheus: `${splitHostPort(config.consumer.prometheusAddress).host}:${running?.prometheusPort}/metrics`,
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await consumeMain();
