import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const lintConfig = new URL('../../eslint.config.js', import.meta.url).href;

// The README's Architecture table: folder -> the folders it may import.
function readmeArrows(): Map<string, string[]> {
  const section = readme.slice(readme.indexOf('## Architecture'));
  const arrows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const folder = /^`src\/([^`/]+)\/?`$/.exec(cells[1] ?? '')?.[1];
    if (folder === undefined) continue;
    const allowed = cells[3] ?? '';
    arrows.set(folder, allowed === 'nothing' ? [] : allowed.split(',').map((s) => s.trim()));
  }
  return arrows;
}

test('architecture - the README table is exactly the boundaries lint enforces', async () => {
  const { ARCHITECTURE } = (await import(lintConfig)) as {
    ARCHITECTURE: Record<string, string[]>;
  };
  const sorted = (m: Iterable<[string, string[]]>) =>
    Object.fromEntries([...m].map(([k, v]) => [k, [...v].sort()]));
  assert.deepEqual(sorted(readmeArrows()), sorted(Object.entries(ARCHITECTURE)));
});

test('architecture - every folder and entry point of src/ has a row', () => {
  const parts = readdirSync(new URL('../../src/', import.meta.url), { withFileTypes: true })
    .filter((e) => e.isDirectory() || e.name.endsWith('.ts'))
    .map((e) => e.name)
    .sort();
  assert.deepEqual([...readmeArrows().keys()].sort(), parts);
});
