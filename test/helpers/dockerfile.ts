import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './compose-file.js';

/** One Dockerfile instruction, continuation lines joined. */
export interface Instruction {
  /** Upper-case keyword, e.g. `FROM`, `COPY`. */
  readonly keyword: string;
  readonly args: string;
  /** Index of the build stage it belongs to (0 for the first FROM). */
  readonly stage: number;
}

/** A build stage: its FROM arguments, its `AS` name and its instructions. */
export interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: readonly Instruction[];
}

/** A parsed Dockerfile: the ARGs declared before the first FROM, and the stages. */
export interface Dockerfile {
  readonly globalArgs: ReadonlyMap<string, string>;
  readonly stages: readonly Stage[];
}

/** Splits a Dockerfile into stages of instructions (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    const joined = pending + line.trim();
    if (joined.endsWith('\\')) {
      pending = `${joined.slice(0, -1)} `;
      continue;
    }
    pending = '';
    if (joined !== '') logical.push(joined);
  }
  const stages: { from: string; name?: string; instructions: Instruction[] }[] = [];
  const globalArgs = new Map<string, string>();
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = args.split('=', 2);
      globalArgs.set(name, value);
      continue;
    }
    if (upper === 'FROM') {
      const [, from = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ from, ...(name === undefined ? {} : { name }), instructions: [] });
    }
    stages.at(-1)?.instructions.push({ keyword: upper, args, stage: stages.length - 1 });
  }
  return { globalArgs, stages };
}

/** The project's Dockerfile, parsed. */
export function loadDockerfile(): Dockerfile {
  return parseDockerfile(readFileSync(new URL('Dockerfile', REPO_ROOT), 'utf8'));
}

/** The arguments of a stage's instructions with `keyword`. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** Exec-form JSON arguments (`["node", "x.js"]`). */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`not an exec-form array: ${args}`);
  }
  return parsed;
}

/** `KEY=value` pairs of ENV instructions. */
export function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const args of argsOf(stage, 'ENV')) {
    for (const [, key = '', value = ''] of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) {
      env.set(key, value);
    }
  }
  return env;
}
