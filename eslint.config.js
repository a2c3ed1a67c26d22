// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const sdkPackages = [
  '@grpc/*',
  'grpc-health-check',
  'nats',
  '@qdrant/*',
  '@lancedb/*',
  'apache-arrow',
  '@opentelemetry/*',
];

/**
 * Which folders of src/ each folder may import (besides itself); README.md's "Architecture"
 * section shows this table, and test/unit/architecture.test.ts keeps the two equal.
 */
export const ARCHITECTURE = {
  domain: [],
  config: ['domain'],
  gen: [],
  wire: ['domain'],
  logging: ['domain'],
  stores: ['domain'],
  events: ['domain', 'config'],
  processes: ['domain', 'logging'],
  api: ['domain', 'config', 'gen', 'wire'],
  client: ['gen', 'wire'],
  // client, gen: the dashboard's collections page calls the service's DescribeCollections.
  consumer: ['domain', 'config', 'events', 'client', 'gen'],
  supervisor: ['config', 'processes'],
  bench: ['domain', 'config', 'gen', 'client', 'events', 'consumer', 'logging', 'processes'],
  'main-server.ts': ['domain', 'config', 'api', 'events', 'stores', 'logging', 'processes'],
  'main-consumer.ts': ['domain', 'config', 'consumer', 'logging', 'processes'],
  cli: [
    'domain',
    'config',
    'gen',
    'client',
    'stores',
    'consumer',
    'logging',
    'supervisor',
    'bench',
    'main-server.ts',
    'main-consumer.ts',
  ],
};

/** @param {Record<string, string[]>} allowed */
function boundaryZones(allowed) {
  const parts = Object.keys(allowed);
  return parts.map((part) => ({
    target: `./src/${part}`,
    from: parts
      .filter((other) => other !== part && !allowed[part]?.includes(other))
      .map((other) => `./src/${other}`),
    message: `src/${part} may import only: ${allowed[part]?.join(', ') || 'nothing in src/'} (README.md, Architecture).`,
  }));
}

export default tseslint.config(
  { ignores: ['src/gen/**', 'dist/**', 'data/**', 'node_modules/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      // Sources import './x.js' for './x.ts' (nodenext): without the alias nothing resolves,
      // and the boundary and cycle rules would pass over every relative import.
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.js', '.json', '.node'],
          extensionAlias: { '.js': ['.ts', '.js'] },
        }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an `as const` object and a union type.' },
        { selector: 'ExportAllDeclaration', message: 'Export names explicitly.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in src/config/ only.' },
      ],
      // Boundaries: each folder of src/ imports only the folders ARCHITECTURE allows it.
      'import-x/no-restricted-paths': ['error', { zones: boundaryZones(ARCHITECTURE) }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: sdkPackages, message: 'domain/ imports no SDK.' }] },
      ],
    },
  },
  {
    files: ['src/config/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
