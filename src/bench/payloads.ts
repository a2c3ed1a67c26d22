import type { Payload } from '../domain/index.js';

/** A deterministic stream of 32-bit random numbers (mulberry32). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Mixes a seed and an index into a well-spread 32-bit seed. */
export function mixSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

const WORDS = [
  'checkout',
  'latency',
  'billing',
  'migration',
  'search',
  'index',
  'tenant',
  'export',
  'dashboard',
  'retry',
  'timeout',
  'schema',
  'upgrade',
  'cache',
  'rollout',
  'audit',
  'webhook',
  'quota',
  'login',
  'report',
  'pipeline',
  'deploy',
  'alert',
  'backfill',
];
const STATES = ['new', 'active', 'resolved', 'closed'];
const PR_STATES = ['open', 'merged', 'closed'];
const ROLES = ['engineer', 'manager', 'designer', 'analyst', 'admin'];
const TEAMS = ['platform', 'payments', 'growth', 'data', 'mobile', 'infra'];

// ISO dates spread over 2024 so range filters over `updated_at` would be realistic.
const EPOCH_2024_MS = Date.UTC(2024, 0, 1);
const YEAR_MS = 366 * 24 * 3600 * 1000;

/** The record key an ETL would send for row `index` of `table`, e.g. `work_items-000042`. */
export function recordIdOf(table: string, index: number): string {
  return `${table}-${String(index).padStart(6, '0')}`;
}

// Distinct field combinations per table: rows repeat categorical values as real ones do, and a
// row costs one object spread instead of ~13 µs of generation.
const TEMPLATES = 1024;
const templates = new Map<string, Payload[]>();

/**
 * Integer payload keys whose value is `row % buckets`: a filter on one value keeps 1 / buckets
 * of the rows, so filtered search is measured at a known selectivity, and its exact answer is
 * computable from the row index alone.
 */
export const SELECTIVITY_KEYS = [
  { key: 'bucket100', buckets: 100 },
  { key: 'bucket10', buckets: 10 },
] as const;

/**
 * A payload shaped like the ETL's rows of `table` (work items, pull requests, users ...):
 * a few hundred bytes of JSON with keywords, numbers, dates and lists, deterministic in
 * (seed, index); the record key, title and selectivity buckets are the row's own.
 */
export function payloadOf(table: string, index: number, seed: number): Payload {
  const key = `${table}\u0000${seed}`;
  let pool = templates.get(key);
  if (pool === undefined) {
    pool = Array.from({ length: TEMPLATES }, (_, i) => generatePayload(table, i, seed));
    templates.set(key, pool);
  }
  const template = pool[mixSeed(seed, index) % TEMPLATES] as Payload;
  return {
    ...template,
    record_id: recordIdOf(table, index),
    title: `${String(template.title)} #${index}`,
    bucket100: index % 100,
    bucket10: index % 10,
  };
}

function generatePayload(table: string, index: number, seed: number): Payload {
  const next = mulberry32(mixSeed(seed ^ 0x5bd1e995, index));
  const pick = <T>(list: readonly T[]): T => list[next() % list.length] as T;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const date = () => new Date(EPOCH_2024_MS + (next() % YEAR_MS)).toISOString();
  const base = { record_id: recordIdOf(table, index), source: 'bench-etl', table };
  switch (table) {
    case 'work_items':
      return {
        ...base,
        title: words(4),
        description: words(24),
        state: pick(STATES),
        priority: 1 + (next() % 4),
        story_points: next() % 13,
        assignee: `user-${next() % 500}`,
        project_id: `project-${next() % 40}`,
        tags: [pick(WORDS), pick(WORDS)],
        updated_at: date(),
      };
    case 'pull_requests':
      return {
        ...base,
        title: words(5),
        repository: `repo-${next() % 60}`,
        state: pick(PR_STATES),
        author: `user-${next() % 500}`,
        reviewers: [`user-${next() % 500}`, `user-${next() % 500}`],
        additions: next() % 2000,
        deletions: next() % 800,
        created_at: date(),
      };
    case 'users':
      return {
        ...base,
        title: `User ${index}`,
        email: `user${index}@example.com`,
        team: pick(TEAMS),
        role: pick(ROLES),
        active: next() % 10 !== 0,
        bio: words(12),
      };
    default:
      return {
        ...base,
        title: words(3),
        body: words(20),
        owner: `user-${next() % 500}`,
        team: pick(TEAMS),
        state: pick(STATES),
        score: (next() % 10_000) / 100,
        created_at: date(),
      };
  }
}
