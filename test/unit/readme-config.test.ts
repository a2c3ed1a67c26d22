import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { envSchema } from '../../src/config/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('readme - every configuration variable is documented with its default', () => {
  const defaults = envSchema.parse({}) as Record<string, string | number | boolean | undefined>;
  for (const name of Object.keys(envSchema.shape)) {
    const row = readme
      .split('\n')
      .find((line) => line.startsWith('| ') && line.includes(`\`${name}\``));
    assert.ok(row, `README's configuration table lists ${name}`);
    const value = defaults[name];
    if (value === undefined || value === '') continue;
    const shown = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
    assert.ok(row.includes(`\`${shown}\``), `README shows ${name}'s default ${shown}: ${row}`);
  }
});

test('readme - shows the install, start and test commands', () => {
  for (const command of ['npm install', 'npm start', 'npm test'])
    assert.ok(readme.includes(command), command);
});
