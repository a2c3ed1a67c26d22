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
