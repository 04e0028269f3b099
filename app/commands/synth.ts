import { Command, Option } from 'commander';
import { checkObjects, formatReport } from '../../check';
import { profileForEnvironment } from '../check-profiles';
import { ConfigError } from '../../environments/load';
import { ENVIRONMENT_NAMES } from '../../core/environment-names';
import { UserError } from '../../core/user-error';
import { SERVICE_NAMES } from '../../services/contracts';
import { RenderCache, renderFile, SynthError, SynthOutput, synthesizeEnvironment, writeOutputs } from '../synth';

const collect = (value: string, previous: string[]) => [...previous, value];

export interface SynthCommandOptions {
  readonly env?: string[];
  readonly out: string;
  readonly set: string[];
  readonly image: string[];
}

/** Parses `--image api=<ref>` pairs. */
function parseImages(pairs: readonly string[]): Record<string, string> {
  const images: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const service = pair.slice(0, eq);
    if (eq <= 0 || !(SERVICE_NAMES as readonly string[]).includes(service)) {
      throw new UserError(`--image ${JSON.stringify(pair)} must be <service>=<ref>, where <service> is one of: ${SERVICE_NAMES.join(', ')}`, 2);
    }
    images[service] = pair.slice(eq + 1);
  }
  return images;
}

/**
 * Synthesizes, checks, and only then writes. Any config error, construct error or check error
 * throws before the first file is touched.
 */
export function runSynth(opts: SynthCommandOptions, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): SynthOutput[] {
  const envs = opts.env && opts.env.length > 0 ? [...new Set(opts.env)] : [...ENVIRONMENT_NAMES];
  const images = parseImages(opts.image);
  const outputs: SynthOutput[] = [];
  const problems: string[] = [];
  for (const name of envs) {
    try {
      outputs.push(synthesizeEnvironment(name, { overrides: opts.set, images }));
    } catch (err) {
      if (err instanceof ConfigError || err instanceof SynthError) problems.push(err.message);
      else throw err;
    }
  }
  if (problems.length > 0) throw new UserError(`${problems.join('\n')}\nNothing was written.`);

  const reports = outputs.map((out) =>
    checkObjects(
      out.files.flatMap((f) => f.objects.map((object) => ({ source: `${opts.out}/${out.env.name}/${f.path}`, object }))),
      { name: out.env.name, profile: profileForEnvironment(out.env.name, out.dnsPeer) },
    ),
  );
  const failed = reports.filter((r) => !r.ok);
  if (failed.length > 0) {
    throw new UserError(`${failed.map((r) => formatReport(r, 'text')).join('\n')}\nThe manifests fail the check. Nothing was written.`);
  }

  const cache = RenderCache.open();
  writeOutputs(outputs, opts.out, { render: (file) => renderFile(file, cache) });
  cache.save();
  for (const [i, out] of outputs.entries()) {
    const objects = out.files.reduce((n, f) => n + f.objects.length, 0);
    const s = reports[i].summary;
    log(`${opts.out}/${out.env.name}: ${out.files.length} files, ${objects} objects; check: ${s.errors} errors, ${s.warnings} warnings, ${s.waived} waived`);
  }
  return outputs;
}

export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('synthesize the manifests of every environment (or --env) into dist/<env>/, after validating and checking them')
    .addOption(new Option('-e, --env <name...>', 'environments to synthesize (default: all)').choices([...ENVIRONMENT_NAMES]))
    .option('-o, --out <dir>', 'output directory', process.env.CDK8S_OUTDIR ?? 'dist')
    .option('--set <path=value>', 'override a config field, e.g. api.replicas=3 (repeatable)', collect, [])
    .option('--image <service=ref>', 'use this image for a service, e.g. api=localhost:5001/tasknote-api@sha256:… (repeatable)', collect, [])
    .action((opts: SynthCommandOptions) => {
      runSynth(opts);
    });
}
