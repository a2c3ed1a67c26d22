/**
 * What every service process gets unless its environment says otherwise: glibc otherwise gives
 * each LanceDB thread a malloc arena and keeps what it frees there, so RSS follows the work done
 * rather than what is live (docs/BENCHMARKS.md, Memory). glibc reads it only at process start,
 * so a process cannot set it for itself.
 */
export const SERVICE_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

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
