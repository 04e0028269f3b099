import { Command, Option } from 'commander';
import { ENVIRONMENT_NAMES } from '../../core/environment-names';
import { environmentOption } from '../../review/compare';
import { promote, PromoteResult, recordBuild } from '../../review/promote';
import { renderMarkdown, renderText } from '../../review/render';
import { synthesizeWithRecord } from '../synthesize';
import { UserError } from '../../core/user-error';

const collect = (value: string, previous: string[]) => [...previous, value];

/** Parses `--image api=<ref>` pairs; which services are needed is the record schema's call. */
function parseImages(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UserError(`--image ${JSON.stringify(pair)} must be <service>=<repo>@sha256:<digest>`, 2);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
}

interface PromoteOptions {
  from?: string;
  to: string;
  ref?: string;
  dryRun?: boolean;
  image: string[];
  sourceCommit?: string;
  time?: string;
  format: 'text' | 'markdown';
}

export function registerPromote(program: Command): void {
  program
    .command('promote')
    .description("Copy one environment's release record to the next after validating it, or roll back with --ref")
    .option('--from <env>', `environment whose record is promoted (${ENVIRONMENT_NAMES.join(', ')}), or 'build' to record a fresh build`)
    .requiredOption('--to <env>', 'environment that receives the record')
    .option('--ref <commit>', "promote the record as it was at this commit (a rollback: the target's own record unless --from is given)")
    .option('--image <service=ref>', 'with --from build: a pushed image, pinned by digest (repeat per service)', collect, [])
    .option('--source-commit <sha>', 'with --from build: the commit the images were built from')
    .option('--time <iso>', 'with --from build: when the images were built (default: now)')
    .option('--dry-run', 'validate and show the diff, write nothing')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'markdown']).default('text'))
    .action((opts: PromoteOptions) => {
      const result =
        opts.from === 'build'
          ? fromBuild(opts)
          : promote({
              from: opts.from === undefined ? undefined : environmentOption('--from', opts.from),
              to: environmentOption('--to', opts.to),
              ref: opts.ref,
              dryRun: opts.dryRun,
              synthesize: synthesizeWithRecord,
            });
      process.stdout.write(describe(result, opts.format));
    });
}

function fromBuild(opts: PromoteOptions): PromoteResult {
  if (opts.sourceCommit === undefined)
    throw new UserError('--from build needs --source-commit <sha>: the commit the images were built from', 2);
  if (opts.ref !== undefined) throw new UserError('--from build records pushed images; it does not combine with --ref', 2);
  return recordBuild({
    to: environmentOption('--to', opts.to),
    images: parseImages(opts.image),
    sourceCommit: opts.sourceCommit,
    time: opts.time,
    dryRun: opts.dryRun,
    synthesize: synthesizeWithRecord,
  });
}

function describe(result: PromoteResult, format: 'text' | 'markdown'): string {
  const { from, to, record, written } = result;
  const source = from === to ? `${to}'s history` : from === 'build' ? 'the build' : from;
  const lines = [
    written ? `Promoted ${source} to ${to}: wrote ${written}` : `Promotion of ${source} to ${to}: nothing written`,
    `  source commit: ${record.sourceCommit}`,
    ...Object.entries(record.images).map(([svc, image]) => `  ${svc}: ${image}`),
    ...result.notes.map((n) => `note: ${n}`),
  ];
  const text = `${lines.join('\n')}\n`;
  if (!result.diff) return text;
  const report = {
    baseLabel: `${to} now`,
    headLabel: `${to} with the promoted record`,
    notes: [],
    environments: [{ env: to, diff: result.diff }],
  };
  return `${text}\n${format === 'markdown' ? renderMarkdown(report) : renderText(report)}`;
}
