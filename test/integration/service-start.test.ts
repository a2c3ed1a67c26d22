import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ServiceStartError, waitForReady } from '../../src/processes/index.js';
import {
  ServiceProcess,
  freePort,
  runningAsRoot,
  serviceDataDir,
} from '../helpers/fault-service-process.js';
import { UnreadableCheckoutError, assertReadableBy } from '../helpers/readable-by.js';

// "Promptly" is the test's own timeout, far below the start-up timeout the service is given.
const PROMPT = { timeout: 60_000 };

test(
  'service start - a service that exits on bad configuration fails the start with its stderr',
  PROMPT,
  async () => {
    const dataDir = await serviceDataDir('service-start-');
    try {
      await assert.rejects(
        ServiceProcess.start({
          port: await freePort(),
          dataDir,
          env: { VECTORADMIN_MAX_BATCH_POINTS: 'lots', VECTORADMIN_EVENTS: 'off' },
          startTimeoutMs: 600_000,
        }),
        (err: unknown) =>
          err instanceof ServiceStartError &&
          /exited during start-up \(code 2/.test(err.message) &&
          err.message.includes('VECTORADMIN_MAX_BATCH_POINTS'),
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);

test(
  'service start - a child that never says it is ready times out showing its stderr',
  PROMPT,
  async () => {
    const child = spawn(
      process.execPath,
      ['-e', "process.stderr.write('stuck opening the store\\n'); setInterval(() => {}, 1000);"],
      { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
    );
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await assert.rejects(
        waitForReady(child, { name: 'stuck', timeoutMs: 2000, stderr: () => stderr }),
        (err: unknown) =>
          err instanceof ServiceStartError &&
          /no ready signal within 2000 ms/.test(err.message) &&
          err.message.includes('stuck opening the store'),
      );
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  },
);

test('service start - a checkout the unprivileged user cannot read is named at once', async (t) => {
  if (!runningAsRoot()) {
    console.log('# skipped: only root can start a process as another user');
    t.skip('needs root: only root can start a process as another user');
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'private-checkout-'));
  try {
    const file = path.join(dir, 'main.js');
    await writeFile(file, '');
    await chmod(dir, 0o700);
    assert.throws(
      () => assertReadableBy(65534, [process.execPath, file]),
      (err: unknown) =>
        err instanceof UnreadableCheckoutError &&
        err.message.includes(file) &&
        err.message.includes(`blocked at ${dir}`),
    );
    await chmod(dir, 0o755);
    assertReadableBy(65534, [process.execPath, file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
