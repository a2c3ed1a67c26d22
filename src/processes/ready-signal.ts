import type { ChildProcess } from 'node:child_process';

/** What a child service sends its parent over the IPC channel once it serves. */
interface ReadyMessage {
  readonly kind: typeof READY_KIND;
  /** Where it serves, e.g. `address`, `dashboard`. */
  readonly fields: Readonly<Record<string, unknown>>;
}

const READY_KIND = 'vectoradmin.ready';

/**
 * Tells the parent that this process serves, with where (`fields`). A no-op unless the parent
 * spawned it with an IPC channel (`stdio: [..., 'ipc']`); the readiness signal is this message,
 * never a log line, so log wording can change freely.
 */
export function announceReady(fields: Readonly<Record<string, unknown>>): void {
  if (process.send === undefined) return;
  const message: ReadyMessage = { kind: READY_KIND, fields };
  process.send(message);
  // The channel says nothing more: it must not keep this process alive on its own.
  process.channel?.unref();
}

/** Thrown when a child service exits, fails to spawn or stays silent during start-up. */
export class ServiceStartError extends Error {
  override readonly name = 'ServiceStartError';
}

/** How long to wait for the ready message, and what to show when it never comes. */
export interface WaitReadyOptions {
  /** Short name for messages, e.g. "server". */
  readonly name: string;
  readonly timeoutMs: number;
  /** The child's stderr so far: every start-up failure shows it. */
  readonly stderr: () => string;
}

/**
 * Resolves with the fields of `child`'s ready message (it must be spawned with an IPC channel).
 * Rejects with a ServiceStartError carrying the child's stderr when the child exits, cannot be
 * spawned, or sends nothing within `timeoutMs`.
 */
export function waitForReady(
  child: ChildProcess,
  options: WaitReadyOptions,
): Promise<Readonly<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
      // Kept open: its closing tells the child that this process is gone (exit-on-signals.ts).
      // Unref'd, so it keeps nothing here running.
      child.channel?.unref();
      outcome();
    };
    const fail = (why: string, cause?: unknown) =>
      settle(() =>
        reject(
          new ServiceStartError(`${options.name} did not start: ${why}${stderrBlock(options)}`, {
            cause,
          }),
        ),
      );
    const onMessage = (message: unknown) => {
      if (isReady(message)) settle(() => resolve(message.fields));
    };
    // 'exit' may come before the last stderr chunk: give the pipe a moment to deliver it.
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      void drained(child).then(() =>
        fail(`exited during start-up (code ${code}, signal ${signal})`),
      );
    const onError = (err: Error) => fail(err.message, err);
    const timer = setTimeout(
      () => fail(`no ready signal within ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function isReady(message: unknown): message is ReadyMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as Partial<ReadyMessage>).kind === READY_KIND
  );
}

function stderrBlock(options: WaitReadyOptions): string {
  const text = options.stderr().trimEnd();
  return text === '' ? ' (its stderr was empty)' : `; its stderr:\n${text.slice(-8000)}`;
}

function drained(child: ChildProcess): Promise<void> {
  const stderr = child.stderr;
  if (stderr === null || stderr.readableEnded || stderr.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stderr.once('close', resolve);
    stderr.once('end', resolve);
  });
}
