import { Command, Option } from 'commander';
import { ENVIRONMENT_NAMES } from '../../core/environment-names';
import { REPO_ROOT } from '../../core/repo-root';
import { compareEnvironments, compareTrees, environmentOption } from '../../review/compare';
import { loadManifestDir } from '../../review/objects';
import { renderMarkdown, renderText, reportHasChanges } from '../../review/render';
import { synthesizeWorkingTree } from '../synthesize';
import { resolveBase, synthesizeRevision } from '../../review/worktree';
import { UserError } from '../../core/user-error';

interface DiffOptions {
  base?: string;
  env?: string;
  from?: string;
  to?: string;
  format: 'text' | 'markdown';
  exitCode?: boolean;
  baseDir?: string;
  headDir?: string;
}

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description("Show what a change does to each environment's manifests, object by object")
    .option('--base <ref>', 'git revision to compare against (default: the merge base with main)')
    .option('--env <name>', `only this environment (${ENVIRONMENT_NAMES.join(', ')})`)
    .option('--from <env>', 'compare two environments of the working tree: this one …')
    .option('--to <env>', '… against this one')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'markdown']).default('text'))
    .option('--exit-code', 'exit with 1 when there are changes')
    .option('--base-dir <dir>', 'read the base from a synth output directory (<dir>/<env>/*.yaml) instead of synthesizing it')
    .option('--head-dir <dir>', 'read the head from a synth output directory instead of synthesizing the working tree')
    .action((opts: DiffOptions) => {
      const report = buildReport(opts);
      process.stdout.write(opts.format === 'markdown' ? renderMarkdown(report) : renderText(report));
      if (opts.exitCode && reportHasChanges(report)) process.exitCode = 1;
    });
}

function buildReport(opts: DiffOptions) {
  if ((opts.from === undefined) !== (opts.to === undefined)) {
    throw new UserError('--from and --to go together: pass both to compare two environments, or neither', 2);
  }
  const headLabel = opts.headDir ?? 'working tree';
  const readHead = (envs: readonly string[]) => (opts.headDir ? loadManifestDir(opts.headDir, envs) : synthesizeWorkingTree(envs));
  if (opts.from !== undefined && opts.to !== undefined) {
    if (opts.base !== undefined || opts.baseDir !== undefined || opts.env !== undefined) {
      throw new UserError('--from/--to compare two environments of one tree; they do not combine with --base, --base-dir or --env', 2);
    }
    const from = environmentOption('--from', opts.from);
    const to = environmentOption('--to', opts.to);
    return compareEnvironments(readHead([from, to]), from, to, headLabel);
  }
  const envs = opts.env !== undefined ? [environmentOption('--env', opts.env)] : [...ENVIRONMENT_NAMES];
  if (opts.baseDir !== undefined) {
    if (opts.base !== undefined) throw new UserError('--base and --base-dir both name the base; pass one of them', 2);
    return compareTrees(loadManifestDir(opts.baseDir, envs), readHead(envs), envs, { base: opts.baseDir, head: headLabel });
  }
  const base = resolveBase(REPO_ROOT, opts.base);
  const head = readHead(envs);
  return compareTrees(synthesizeRevision(REPO_ROOT, base, envs), head, envs, {
    base: base.label,
    head: headLabel,
  });
}
