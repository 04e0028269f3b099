import { Command, Option } from 'commander';
import path from 'node:path';
import { ALL_RULES, checkDirectories, checkPaths, formatReport, openParseCache, type CheckReport, type ReportFormat } from '../../check';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../core/environment-names';
import { CHECK_PROFILE_NAMES, CHECK_PROFILES, profileForEnvironment } from '../check-profiles';
import { UserError } from '../../core/user-error';

interface CheckFlags {
  readonly env?: EnvironmentName;
  readonly profile: string;
  readonly provided: string[];
  readonly format: ReportFormat;
  readonly dist: string;
  readonly listRules?: boolean;
}

const PROVIDED = /^[A-Za-z][A-Za-z0-9]*\/([a-z0-9.-]+\/)?[a-z0-9.-]+$/;

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('Check manifests offline: Kubernetes 1.28 schema, unknown fields, policy, references and secrets')
    .argument('[paths...]', 'YAML files or directories to check instead of dist/<env>')
    .addOption(new Option('--env <name>', 'check only dist/<name>').choices(ENVIRONMENT_NAMES))
    .addOption(
      new Option(
        '--profile <profile>',
        'rules to apply to [paths...]: generic (any stack), tasknote (its conventions), or a TaskNote environment',
      )
        .choices(CHECK_PROFILE_NAMES)
        .default('generic'),
    )
    .option('--provided <Kind/name>', 'an object created outside the manifests (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--dist <dir>', 'directory holding the synthesized environments', 'dist')
    .option('--list-rules', 'print the rules with their IDs and severities, then exit')
    .action((paths: string[], flags: CheckFlags) => {
      if (flags.listRules) {
        process.stdout.write(
          ALL_RULES.map((r) => `${r.id.padEnd(34)} ${r.severity.padEnd(8)} ${r.description}${r.group ? ` (group ${r.group})` : ''}`).join(
            '\n',
          ) + '\n',
        );
        return;
      }
      for (const p of flags.provided) {
        if (!PROVIDED.test(p))
          throw new UserError(
            `--provided must look like Kind/name or Kind/namespace/name, such as Secret/tasknote-smtp; got ${JSON.stringify(p)}`,
            2,
          );
      }
      if (paths.length > 0 && flags.env)
        throw new UserError('pass either --env or paths, not both: --env checks dist/<env>, paths check the given YAML', 2);
      const parseCache = openParseCache();
      const report: CheckReport =
        paths.length > 0
          ? checkPaths(paths, { profile: CHECK_PROFILES[flags.profile], provided: flags.provided, parseCache })
          : checkDirectories(
              (flags.env ? [flags.env] : ENVIRONMENT_NAMES).map((env) => ({
                name: env,
                dir: path.join(flags.dist, env),
                profile: profileForEnvironment(env),
                missingHint: `run \`npm run synth\` first (or \`npm run synth -- --env ${env}\`)`,
              })),
              { provided: flags.provided, parseCache },
            );
      parseCache.save();
      process.stdout.write(formatReport(report, flags.format));
      if (!report.ok) process.exitCode = 1;
    });
}
