import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// What `npm start` runs first: `npm run build` (gen + compile) only when dist/ was not built
// from the sources as they are now. A stamp in dist/ holds a hash of every build input, so a
// fresh clone (no dist/) builds, and a checkout that changes no input (git sets mtimes to now)
// does not. `--check` only says: exit 0 when current, 1 when a build is due.

const ROOT = path.resolve(import.meta.dirname, '..');
const STAMP = path.join(ROOT, 'dist', '.build-stamp');
const BUILT = path.join(ROOT, 'dist', 'cli', 'main.js');
/** Everything gen and compile read; src/gen is their output, not an input. */
const INPUTS = [
  'proto',
  'src',
  'tsconfig.json',
  'buf.yaml',
  'buf.gen.yaml',
  'package.json',
  'package-lock.json',
];
const GENERATED = `${path.join('src', 'gen')}${path.sep}`;

function inputFiles(relative: string): string[] {
  const full = path.join(ROOT, relative);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [relative];
  return readdirSync(full, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
    .filter((file) => !file.startsWith(GENERATED));
}

function inputsHash(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(inputFiles).sort()) {
    hash
      .update(`${file}\0`)
      .update(readFileSync(path.join(ROOT, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

const current = inputsHash();
const stamped = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : undefined;
if (stamped === current && existsSync(BUILT)) {
  process.stderr.write('build is current: skipping gen and compile\n');
} else if (process.argv.includes('--check')) {
  process.stderr.write('a build is due\n');
  process.exitCode = 1;
} else {
  process.stderr.write(
    `${existsSync(BUILT) ? 'sources changed since the last build' : 'no build yet'}: building\n`,
  );
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  writeFileSync(STAMP, `${current}\n`);
}
