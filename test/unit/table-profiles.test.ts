import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { TableProfiles } from '../../src/domain/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vectoradmin-tables-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  return at;
}

function problemsOf(tablesFile: string): readonly string[] {
  try {
    loadConfig({ VECTORADMIN_TABLES_FILE: tablesFile });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  return assert.fail('expected a ConfigError');
}

test('table profiles - without a file, the built-in profile covers four tables at the default size and cosine', () => {
  const { tables } = loadConfig({ QDRANT_DEFAULT_VECTOR_SIZE: '768' });
  assert.equal(tables.source, 'built-in');
  assert.deepEqual(
    tables.profiles.map((p) => p.table),
    ['projects', 'pull_requests', 'users', 'work_items'],
  );
  for (const profile of tables.profiles) {
    assert.deepEqual(profile.config, {
      vectorSize: 768,
      distance: 'cosine',
      tenancy: 'collection_per_tenant',
    });
  }
  assert.equal(loadConfig({}).tables.profiles[0]?.config.vectorSize, 1536);
});

test('table profiles - a YAML file and the same profiles in JSON give the same tables', () => {
  const yaml = file(
    'tables.yaml',
    [
      'tables:',
      '  work_items:',
      '    vector_size: 384',
      '    distance: dot',
      '    hnsw: { m: 32, ef_construct: 200 }',
      '    payload_indexes:',
      '      - { key: state, type: keyword }',
      '    max_payload_bytes: 4096',
      '  users:',
      '    vector_size: 8',
      '    tenancy: shared_collection',
      '',
    ].join('\n'),
  );
  const json = file(
    'tables.json',
    JSON.stringify({
      tables: {
        users: { vector_size: 8, tenancy: 'shared_collection' },
        work_items: {
          vector_size: 384,
          distance: 'dot',
          hnsw: { m: 32, ef_construct: 200 },
          payload_indexes: [{ key: 'state', type: 'keyword' }],
          max_payload_bytes: 4096,
        },
      },
    }),
  );
  const fromYaml = loadConfig({ VECTORADMIN_TABLES_FILE: yaml }).tables.profiles;
  assert.deepEqual(fromYaml, loadConfig({ VECTORADMIN_TABLES_FILE: json }).tables.profiles);
  assert.deepEqual(fromYaml, [
    {
      table: 'users',
      config: { vectorSize: 8, distance: 'cosine', tenancy: 'shared_collection' },
    },
    {
      table: 'work_items',
      config: {
        vectorSize: 384,
        distance: 'dot',
        tenancy: 'collection_per_tenant',
        hnsw: { m: 32, efConstruct: 200 },
        payloadIndexes: [{ key: 'state', type: 'keyword' }],
      },
      maxPayloadBytes: 4096,
    },
  ]);
});

test('table profiles - an invalid file gives one error per problem, each naming the file and the path', () => {
  const bad = file(
    'bad.yaml',
    [
      'tables:',
      '  Work-Items:', // bad table name
      '    vector_size: 8',
      '  users:',
      '    vector_size: 0', // out of range
      '    distance: cosin', // unknown distance
      '    hnsw: { mm: 4 }', // unknown key
      '  projects:',
      '    tenancy: shared', // unknown tenancy, and vector_size missing
      '    payload_indexes:',
      '      - { key: state, type: keyword }',
      '      - { key: state, type: keyword }', // repeated key
      '      - { key: _va_tenant, type: keyword }', // reserved key
      '    max_payload_bytes: lots', // not a number
      '',
    ].join('\n'),
  );
  const problems = problemsOf(bad);
  const expected = [
    'tables.Work-Items',
    'tables.users.vector_size',
    'tables.users.distance',
    'tables.users.hnsw',
    'tables.projects.vector_size',
    'tables.projects.tenancy',
    'tables.projects.payload_indexes.1.key',
    'tables.projects.payload_indexes.2.key',
    'tables.projects.max_payload_bytes',
  ];
  assert.equal(problems.length, expected.length, problems.join('\n'));
  for (const where of expected) {
    assert.equal(
      problems.filter((p) => p.startsWith(`VECTORADMIN_TABLES_FILE (${bad}): ${where}`)).length,
      1,
      `one problem at ${where} in:\n${problems.join('\n')}`,
    );
  }
});

test('table profiles - unreadable files, syntax errors and repeated tables are reported, not thrown raw', () => {
  assert.match(problemsOf(path.join(dir, 'missing.yaml'))[0] ?? '', /cannot read/);
  const syntax = problemsOf(file('syntax.yaml', 'tables:\n  users: {vector_size: 8\n'));
  assert.ok(syntax.length >= 1);
  assert.ok(syntax.every((p) => p.startsWith('VECTORADMIN_TABLES_FILE')));
  const repeated = problemsOf(
    file('repeated.yaml', 'tables:\n  users: {vector_size: 8}\n  users: {vector_size: 9}\n'),
  );
  assert.equal(repeated.length, 1);
  assert.match(repeated[0] ?? '', /unique|users/i);
  assert.match(problemsOf(file('no-tables.json', '{}'))[0] ?? '', /tables/);
});

test('table profiles - a call that sets nothing takes its table profile; one that sets anything keeps its own', () => {
  const profile = {
    table: 'users',
    config: { vectorSize: 8, distance: 'dot', tenancy: 'shared_collection' },
  } as const;
  const profiles = new TableProfiles([profile]);
  assert.equal(profiles.requestFor('users', undefined), profile.config);
  assert.equal(profiles.requestFor('users', { vectorSize: 0 }), profile.config);
  assert.deepEqual(profiles.requestFor('users', { vectorSize: 4 }), { vectorSize: 4 });
  assert.equal(profiles.requestFor('other', undefined), undefined);
  assert.deepEqual(profiles.requestFor('other', {}), {});
});
