import { formatSummaries, readSavedSummaries, SummaryFormat } from '../consumer/index.js';
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
  if (missing.length > 0 && missing.length < config.consumer.partition.count) {
    // Partial on purpose: a partition's tenants are in its own checkpoint only.
    process.stderr.write(
      `note: no checkpoint here for ${missing.join(', ')}; their tenants are not shown\n`,
    );
  }
  out(formatSummaries(summaries, format).trimEnd());
};
