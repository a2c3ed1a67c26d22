// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const sdkPackages = [
  '@grpc/*',
  'grpc-health-check',
  'nats',
  '@qdrant/*',
  '@lancedb/*',
  'apache-arrow',
  '@opentelemetry/*',
];

export default tseslint.config(
  { ignores: ['src/gen/**', 'dist/**', 'data/**', 'node_modules/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
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
      // Boundaries: the domain owns the ports and knows no SDK or adapter; generated types stop at api/.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/domain',
              from: [
                './src/gen',
                './src/api',
                './src/stores',
                './src/events',
                './src/consumer',
                './src/cli',
                './src/config',
              ],
              message: 'domain/ depends on nothing but itself.',
            },
            {
              target: ['./src/stores', './src/events', './src/consumer', './src/config'],
              from: ['./src/gen', './src/api'],
              message: 'Generated types stop at api/.',
            },
            {
              target: ['./src/api'],
              from: ['./src/stores', './src/events', './src/consumer'],
              message: 'api/ reaches adapters only through domain ports; entry points wire them.',
            },
          ],
        },
      ],
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
