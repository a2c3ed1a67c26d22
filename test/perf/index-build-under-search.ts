// How long a collection waits for its vector index while its own searches keep the cores busy,
// by the builder's priority relative to the store's. The builder process always lowers itself
// to nice 19; each setting starts the store's process (a child of this script) at another
// nice value, so the builder runs 19, 10 or 0 steps below it. The child writes `rows` 1,536-d
// clustered points into a fresh collection, then two search loops hit it (flat scans until it
// is indexed) while the status is polled, until it is green or `capSeconds` pass. Settings run
// in the order given and then reversed, so drift in the machine's load shows.
//
//   node --import tsx test/perf/index-build-under-search.ts [rows=50000] [capSeconds=240]
//   (VECTORADMIN_PERF_SETTINGS='0|19' picks the store's nice values; the default is 0|9|19)
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Point } from '../../src/domain/types.js';
import { silentLogger } from '../../src/logging/index.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { loadAverage } from '../helpers/load-average.js';
import { clusteredVectors } from '../helpers/points.js';

const [rowsArg = '50000', capArg = '240', storeNice] = process.argv.slice(2);
const DIM = 1536;
const BATCH = 1024;
const SEARCHERS = 2;
const BUILDER_NICE = 19;

interface Outcome {
  readonly greenAfterS: number | undefined;
  readonly searchesBeforeGreen: number;
  readonly msPerSearchBeforeGreen: number;
  readonly qpsAfterGreen: number | undefined;
}

if (storeNice === undefined) {
  const settings = (process.env['VECTORADMIN_PERF_SETTINGS'] ?? '0|9|19').split('|');
  console.log(
    `${rowsArg} points, ${SEARCHERS} search loops, cap ${capArg} s; load ${loadAverage()}`,
  );
  console.log(
    '| store nice | builder below the store | run | green after the last write | searches before green, ms each | QPS after green |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  const runs = new Map<string, number>();
  for (const nice of [...settings, ...[...settings].reverse()]) {
    const script = fileURLToPath(import.meta.url);
    const args = ['-n', nice, process.execPath, '--import', 'tsx', script, rowsArg, capArg, nice];
    const out = execFileSync('nice', args, { encoding: 'utf8' });
    const o = JSON.parse(out.trim().split('\n').pop()!) as Outcome;
    const run = (runs.get(nice) ?? 0) + 1;
    runs.set(nice, run);
    const green =
      o.greenAfterS === undefined ? `not within ${capArg} s` : `${o.greenAfterS.toFixed(1)} s`;
    const cells = [
      nice,
      String(BUILDER_NICE - Number(nice)),
      String(run),
      green,
      `${o.searchesBeforeGreen}, ${o.msPerSearchBeforeGreen.toFixed(0)}`,
      o.qpsAfterGreen === undefined ? '-' : o.qpsAfterGreen.toFixed(1),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  console.log(`load after: ${loadAverage()}`);
} else {
  console.log(JSON.stringify(await measure(Number(rowsArg), Number(capArg))));
}

async function measure(rows: number, capSeconds: number): Promise<Outcome> {
  const { near } = clusteredVectors(7, DIM, 64);
  const points = (first: number, count: number): Point[] =>
    Array.from({ length: count }, (_, i) => ({
      id: first + i,
      vector: near(first + i),
      payload: {},
    }));
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'index-build-under-search-'));
  const store = await createEmbeddedVectorStore({ dataDir, logger: silentLogger });
  try {
    const name = 'under_search';
    await store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
    for (let id = 1; id <= rows; id += BATCH) {
      await store.upsert(name, points(id, Math.min(BATCH, rows - id + 1)));
    }
    const wrote = performance.now();
    let greenAt: number | undefined;
    let before = 0;
    let beforeMs = 0;
    let after = 0;
    const stopAt = wrote + capSeconds * 1000;
    // After green, ten more seconds of the same searches show what the index bought.
    const done = () => performance.now() >= (greenAt === undefined ? stopAt : greenAt + 10_000);
    const searcher = async (seed: number) => {
      for (let q = seed; !done(); q += SEARCHERS) {
        const started = performance.now();
        await store.search(name, { vector: near(5_000_000 + q), limit: 10, withPayload: false });
        if (greenAt === undefined) {
          before += 1;
          beforeMs += performance.now() - started;
        } else {
          after += 1;
        }
      }
    };
    const poller = async () => {
      while (greenAt === undefined && !done()) {
        const c = await store.getCollection(name);
        if (c?.status === 'green' && c.indexedVectorsCount === rows) greenAt = performance.now();
        else await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    await Promise.all([poller(), ...Array.from({ length: SEARCHERS }, (_, i) => searcher(i))]);
    return {
      greenAfterS: greenAt === undefined ? undefined : (greenAt - wrote) / 1000,
      searchesBeforeGreen: before,
      msPerSearchBeforeGreen: before === 0 ? 0 : beforeMs / before,
      qpsAfterGreen: greenAt === undefined ? undefined : after / 10,
    };
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
