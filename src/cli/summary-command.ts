import {
  checkpointPath,
  formatSummaries,
  readSavedSummaries,
  SummaryFormat,
} from '../consumer/index.js';
import { parse } from './args.js';
import type { CliCommand } from './args.js';

const OPTIONS = {
  json: { type: 'boolean', default: false },
  markdown: { type: 'boolean', default: false },
} as const;

/** `vector-admin summary [--json|--markdown]`: the consumer's latest benchmark summaries. */
export const summaryCommand: CliCommand = async (argv, config, out) => {
  const { values } = parse(argv, OPTIONS);
  const format = values.json
    ? SummaryFormat.Json
    : values.markdown
      ? SummaryFormat.Markdown
      : SummaryFormat.Table;
  const { summaries, missing } = await readSavedSummaries(config);
  if (missing.length === config.consumer.partition.count) {
    // The state is a file, so a shell in another directory silently reads another ./data.
    const read = missing.map((durable) => checkpointPath(config.dataDir, durable)).join(', ');
    process.stderr.write(
      `note: no consumer state at ${read}; summaries are read from the consumer's data dir ` +
        `(VECTORADMIN_DATA_DIR, ./data of the current directory when unset): set it to the ` +
        `data dir of the service or consumer that ran\n`,
    );
  } else if (missing.length > 0) {
    // Partial on purpose: a partition's tenants are in its own checkpoint only.
    process.stderr.write(
      `note: no checkpoint here for ${missing.join(', ')}; their tenants are not shown\n`,
    );
  }
  out(formatSummaries(summaries, format).trimEnd());
};
