import { Command, Option } from 'commander';
import { ENVIRONMENT_NAMES } from '../../environments/schema';
import { environmentOption } from '../../review/compare';
import { promote, PromoteResult } from '../../review/promote';
import { renderMarkdown, renderText } from '../../review/render';
import { synthesizeWithRecord } from '../../review/synthesize';

interface PromoteOptions {
  from?: string;
  to: string;
  ref?: string;
  dryRun?: boolean;
  format: 'text' | 'markdown';
}

export function registerPromote(program: Command): void {
  program
    .command('promote')
    .description("Copy one environment's release record to the next after validating it, or roll back with --ref")
    .option('--from <env>', `environment whose record is promoted (${ENVIRONMENT_NAMES.join(', ')})`)
    .requiredOption('--to <env>', 'environment that receives the record')
    .option('--ref <commit>', "promote the record as it was at this commit (a rollback: the target's own record unless --from is given)")
    .option('--dry-run', 'validate and show the diff, write nothing')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'markdown']).default('text'))
    .action((opts: PromoteOptions) => {
      const result = promote({
        from: opts.from === undefined ? undefined : environmentOption('--from', opts.from),
        to: environmentOption('--to', opts.to),
        ref: opts.ref,
        dryRun: opts.dryRun,
        synthesize: synthesizeWithRecord,
      });
      process.stdout.write(describe(result, opts.format));
    });
}

function describe(result: PromoteResult, format: 'text' | 'markdown'): string {
  const { from, to, record, written } = result;
  const source = from === to ? `${to}'s history` : from;
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
