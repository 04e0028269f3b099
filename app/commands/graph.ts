import { Command, Option } from 'commander';
import { ENVIRONMENT_NAMES, EnvironmentName } from '../../core/environment-names';
import { environmentOption } from '../../review/compare';
import { buildGraph, renderMermaid } from '../../review/graph';
import { loadManifestDir } from '../../review/objects';
import { synthesizeWorkingTree } from '../synthesize';

export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description('Draw an environment as a Mermaid flowchart: ingress, services, workloads, data stores, allowed traffic, cron jobs')
    .requiredOption('--env <name>', `environment to draw (${ENVIRONMENT_NAMES.join(', ')})`)
    .option('--dir <dir>', 'read a synth output directory (<dir>/<env>/*.yaml) instead of synthesizing')
    .addOption(
      new Option('--format <format>', 'mermaid source, or a markdown code block ready to paste')
        .choices(['mermaid', 'markdown'])
        .default('mermaid'),
    )
    .action((opts: { env: string; dir?: string; format: 'mermaid' | 'markdown' }) => {
      const env: EnvironmentName = environmentOption('--env', opts.env);
      const objects = (opts.dir ? loadManifestDir(opts.dir, [env]) : synthesizeWorkingTree([env])).get(env) ?? [];
      const mermaid = renderMermaid(buildGraph(objects));
      process.stdout.write(opts.format === 'markdown' ? `\`\`\`mermaid\n${mermaid}\`\`\`\n` : mermaid);
    });
}
