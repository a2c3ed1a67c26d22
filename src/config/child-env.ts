import type { Config } from './load-config.js';

/**
 * What every service process gets unless its environment says otherwise: glibc otherwise gives
 * each LanceDB thread a malloc arena and keeps what it frees there, so RSS follows the work done
 * rather than what is live (docs/BENCHMARKS.md, Memory). glibc reads it only at process start,
 * so a process cannot set it for itself.
 */
export const SERVICE_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/**
 * The embedded store settings of `config` as the variables that give a child service the same
 * store: the bench starts its servers from a complete environment of its own.
 */
export function embeddedStoreEnv(config: Config): Record<string, string> {
  if (config.store.kind !== 'embedded') return {};
  const { index } = config.store;
  return {
    VECTORADMIN_MIN_FREE_DISK_BYTES: String(config.store.minFreeBytes),
    VECTORADMIN_EMBEDDED_INDEX_CACHE_MB: String(config.store.indexCacheBytes / (1024 * 1024)),
    VECTORADMIN_EMBEDDED_MAX_LARGE_SCANS: String(config.store.maxLargeScans),
    ...(config.store.maxConcurrentSearches === undefined
      ? {}
      : { VECTORADMIN_EMBEDDED_MAX_SEARCHES: String(config.store.maxConcurrentSearches) }),
    VECTORADMIN_EMBEDDED_INDEX_KIND: index.kind,
    VECTORADMIN_EMBEDDED_INDEX_IVF_RQ_ROWS: String(index.ivfRqRows),
    VECTORADMIN_EMBEDDED_INDEX_THRESHOLD: String(index.thresholdRows),
    VECTORADMIN_EMBEDDED_INDEX_MAX_DEFER_MS: String(index.maxDeferMs),
    VECTORADMIN_EMBEDDED_INDEX_EF: String(index.ef),
    VECTORADMIN_EMBEDDED_INDEX_NPROBES: String(index.nprobes),
    VECTORADMIN_EMBEDDED_INDEX_BUILDER: index.builder,
    ...(index.maxBuilderProcesses === undefined
      ? {}
      : { VECTORADMIN_EMBEDDED_INDEX_BUILDERS: String(index.maxBuilderProcesses) }),
  };
}

/**
 * This process's environment with `overrides`, for child processes that load their own config;
 * `defaults` apply where this environment leaves a variable unset.
 */
export function childEnvironment(
  overrides: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined) env[name] = value;
  return { ...defaults, ...env, ...overrides };
}
