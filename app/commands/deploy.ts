// `deploy`, `preview` and `destroy`: the Pulumi stack of one environment (docs/deploy.md).
import { Command, Option } from 'commander';
import { REPO_ROOT } from '../../core/repo-root';
import { ENVIRONMENT_NAMES } from '../../core/environment-names';
import type { DeployCommand } from '../../deploy/preflight';
import { runStackCommand } from '../../deploy/run';

const DESCRIPTIONS: Record<DeployCommand, string> = {
  deploy: "build and push images (or take the release record's), create Secrets, apply the stack in waves",
  preview: 'show what a deploy would change, without changing anything',
  destroy: "delete everything the environment's stack created",
};

export function registerDeploy(program: Command): void {
  for (const command of ['deploy', 'preview', 'destroy'] as const) {
    const cmd = program
      .command(command)
      .description(DESCRIPTIONS[command])
      .addOption(new Option('--env <name>', 'environment, which is also the stack name').choices(ENVIRONMENT_NAMES).makeOptionMandatory())
      .option('--refresh', 'read the live state of the cluster before computing changes', false)
      .option(
        '--stack-config <file>',
        'stack settings file to use instead of Pulumi.<env>.yaml (its directory becomes the Pulumi workspace)',
      );
    if (command === 'preview') cmd.option('--expect-no-changes', 'fail when the preview finds any change (the drift check)', false);
    cmd.action(async (opts: { env: string; refresh: boolean; stackConfig?: string; expectNoChanges?: boolean }) => {
      await runStackCommand({
        command,
        envName: opts.env,
        repoRoot: REPO_ROOT,
        // Loaded when Pulumi runs it: the program pulls in synth and the providers' SDKs.
        program: () => (require('../pulumi') as typeof import('../pulumi')).tasknoteProgram(),
        stackConfig: opts.stackConfig,
        refresh: opts.refresh,
        expectNoChanges: opts.expectNoChanges,
        write: (text) => process.stdout.write(text),
        writeError: (text) => process.stderr.write(text),
      });
    });
  }
}
