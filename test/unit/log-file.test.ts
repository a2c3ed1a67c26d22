import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { VectorAdminError } from '../../src/domain/index.js';
import { JsonLogger, LogFile } from '../../src/logging/index.js';

test('log file - stays under its cap plus one rotated file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'log-file-'));
  try {
    const file = path.join(dir, 'server.log');
    const log = new LogFile(file, 1000);
    for (let i = 0; i < 200; i++)
      log.write(`${JSON.stringify({ line: i, pad: 'x'.repeat(40) })}\n`);
    log.close();
    assert.ok(statSync(file).size <= 1000, `current file ${statSync(file).size} bytes`);
    assert.ok(statSync(`${file}.1`).size <= 1000);
    assert.ok(!existsSync(`${file}.2`));
    const lastLine = readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? '';
    assert.equal((JSON.parse(lastLine) as { line: number }).line, 199);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('log file - a full disk drops lines without throwing, and logging resumes with a note', () => {
  // /dev/full answers every write with ENOSPC, like a full data disk.
  const full = new LogFile('/dev/full');
  assert.doesNotThrow(() => full.write('one\n'));
  full.write('two\nthree\n');
  assert.equal(full.dropped, 3);
  full.close();

  const dir = mkdtempSync(path.join(tmpdir(), 'log-file-'));
  try {
    const file = path.join(dir, 'logs', 'server.log');
    const log = new LogFile(file);
    log.write('lost\n'); // its directory is missing, as if the disk were gone
    assert.equal(log.dropped, 1);
    mkdirSync(path.dirname(file));
    log.write('kept\n');
    log.close();
    assert.equal(log.dropped, 0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /"dropped":1/);
    assert.equal(lines[1], 'kept');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('json logger - a refused call logs its cause without a stack; faults keep theirs', () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const logger = new JsonLogger('info', {}, out);
  const cause = Object.assign(new Error('No space left on device (os error 28)'), {
    code: 'ENOSPC',
  });
  const refused = new VectorAdminError('unavailable', 'embedded store cannot upsert points', {
    cause,
  });
  logger.warn('operation unavailable', { err: refused });
  logger.error('operation failed', { err: new Error('bug') });
  const [warn, error] = text.trim().split('\n');
  assert.ok(warn !== undefined && error !== undefined);
  assert.doesNotMatch(warn, /stack|at .*\.ts:\d+/);
  assert.match(warn, /No space left on device/);
  assert.match(warn, /ENOSPC/);
  assert.match(error, /"stack"/);
});

test('json logger - an output stream that fails is survived', () => {
  const out = new PassThrough();
  const logger = new JsonLogger('info', {}, out);
  out.destroy(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
  assert.doesNotThrow(() => logger.child({ a: 1 }).info('after the failure'));
});
