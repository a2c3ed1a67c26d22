import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { LogFields, Logger } from '../../src/domain/index.js';
import {
  MAX_INTERVALS_BETWEEN_TRIMS,
  startMallocTrimming,
  type TrimResult,
} from '../../src/processes/malloc-trim.js';

// In a child of its own, so the runner's heap neither adds to nor hides what is measured:
// 256 MiB of 64 KiB buffers (below glibc's mmap threshold, so they come from the heap) with
// every sixteenth kept, which pins the freed ones between live ones, where glibc keeps them.
const child = `
import { loadMallocTrim } from './src/processes/malloc-trim.ts';
const trim = loadMallocTrim();
const mb = () => process.memoryUsage.rss() / 2 ** 20;
const base = mb();
let buffers = Array.from({ length: 4096 }, () => Buffer.allocUnsafeSlow(64 * 1024).fill(1));
const allocated = mb() - base;
buffers = buffers.filter((_, i) => i % 16 === 15);
// V8 frees dead buffers' memory on a background thread after the collection: wait for it.
for (let round = 0; process.memoryUsage().arrayBuffers > 32 * 2 ** 20; round++) {
  if (round === 10_000) throw new Error('dead buffers were never freed');
  globalThis.gc();
  await new Promise((resolve) => setImmediate(resolve));
}
const retained = mb() - base;
const result = trim();
console.log(JSON.stringify({ allocated, retained, after: mb() - base, ...result, kept: buffers.length }));
`;

const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
const glibc = process.platform === 'linux' && report.header?.glibcVersionRuntime !== undefined;

test('malloc trim - gives freed heap memory that glibc keeps back to the kernel', async (t) => {
  if (!glibc) {
    console.log("# skipped: malloc_trim is glibc's and this is not a glibc Linux");
    t.skip('not glibc');
    return;
  }
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', child],
    { cwd: new URL('../..', import.meta.url), timeout: 60_000 },
  );
  const r = JSON.parse(stdout) as Record<string, number>;
  const { allocated, retained, after, ms, releasedMb } = r;
  assert.ok(allocated! > 200, `the buffers were resident: ${allocated} MB`);
  assert.ok(retained! > 200, `glibc kept what was freed between live buffers: ${retained} MB`);
  assert.ok(after! < retained! - 150, `trim gave it back: ${retained} -> ${after} MB`);
  assert.ok(releasedMb! > 150 && ms! >= 0, JSON.stringify(r));
});

function recordingLogger(): Logger & { lines: [string, string, LogFields?][] } {
  const lines: [string, string, LogFields?][] = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push([level, message, fields]);
    };
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { ...logger, child: () => recordingLogger(), lines };
}

const EVERY_SECOND = { intervalMs: 1000, growthBytes: 0 };

test('malloc trimming - every interval, slow trims logged, stopped for good', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const logger = recordingLogger();
  const results: TrimResult[] = [
    { ms: 80, releasedMb: 300 },
    { ms: 3, releasedMb: 20 },
  ];
  let calls = 0;
  const trimming = startMallocTrimming(EVERY_SECOND, logger, () => () => results[calls++]!);
  t.mock.timers.tick(999);
  assert.equal(calls, 0, 'not before the first interval');
  t.mock.timers.tick(1);
  assert.deepEqual(logger.lines, [['warn', 'malloc trim was slow', { ms: 80, releasedMb: 300 }]]);
  t.mock.timers.tick(1000);
  assert.equal(calls, 2);
  assert.equal(logger.lines.length, 1, 'a quick trim is not logged');
  trimming.stop();
  t.mock.timers.tick(5000);
  assert.equal(calls, 2, 'no trim after stop');
});

test('malloc trimming - off at 0, and a platform without it only logs', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const logger = recordingLogger();
  let loads = 0;
  startMallocTrimming({ intervalMs: 0, growthBytes: 0 }, logger, () => {
    loads += 1;
    throw new Error('not called');
  }).stop();
  assert.equal(loads, 0);
  const trimming = startMallocTrimming(EVERY_SECOND, logger, () => {
    throw new Error('no glibc on darwin');
  });
  t.mock.timers.tick(5000);
  trimming.stop();
  assert.equal(logger.lines.length, 1);
  assert.equal(logger.lines[0]![1], 'malloc trimming unavailable');
});

test('malloc trimming - with a growth set, only once memory grew that much above its low', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const MB = 2 ** 20;
  let resident = 500 * MB;
  let trims = 0;
  const trim = (): TrimResult => {
    trims += 1;
    resident = 450 * MB;
    return { ms: 5, releasedMb: 0 };
  };
  const policy = { intervalMs: 1000, growthBytes: 256 * MB };
  const trimming = startMallocTrimming(
    policy,
    recordingLogger(),
    () => trim,
    () => resident,
  );
  resident = 755 * MB;
  t.mock.timers.tick(1000);
  assert.equal(trims, 0, 'grown 255 MB: under the growth');
  resident = 400 * MB;
  t.mock.timers.tick(1000);
  resident = 655 * MB;
  t.mock.timers.tick(1000);
  assert.equal(trims, 0, 'the low followed memory down: 255 MB above 400');
  resident = 656 * MB;
  t.mock.timers.tick(1000);
  assert.equal(trims, 1, 'grown 256 MB above the low: trimmed');
  resident = 705 * MB;
  t.mock.timers.tick(1000);
  assert.equal(trims, 1, 'the low restarts after a trim, from what the trim left (450 MB)');
  resident = 706 * MB;
  t.mock.timers.tick(1000);
  assert.equal(trims, 2);
  trimming.stop();
});

test('malloc trimming - below the growth, still once every MAX_INTERVALS_BETWEEN_TRIMS', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const MB = 2 ** 20;
  let trims = 0;
  const policy = { intervalMs: 1000, growthBytes: 256 * MB };
  const trimming = startMallocTrimming(
    policy,
    recordingLogger(),
    () => () => {
      trims += 1;
      return { ms: 1, releasedMb: 0 };
    },
    () => 600 * MB,
  );
  t.mock.timers.tick(1000 * (MAX_INTERVALS_BETWEEN_TRIMS - 1));
  assert.equal(trims, 0, 'memory never grew: no trim yet');
  t.mock.timers.tick(1000);
  assert.equal(trims, 1, 'trimmed once the longest wait was reached');
  t.mock.timers.tick(1000 * MAX_INTERVALS_BETWEEN_TRIMS);
  assert.equal(trims, 2, 'and again after as long');
  trimming.stop();
});
