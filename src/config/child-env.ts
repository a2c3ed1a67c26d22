/** This process's environment with `overrides`, for child processes that load their own config. */
export function childEnvironment(
  overrides: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined) env[name] = value;
  return { ...env, ...overrides };
}
