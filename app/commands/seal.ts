// `seal`: encrypts the Secret values of an environment with its sealed-secrets certificate and
// writes environments/sealed/<env>/<Secret>.yaml (docs/deploy.md, GitOps). Values come from
// files or standard input, never from argv, where they would land in shell history and `ps`.
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { ENVIRONMENT_NAMES } from '../../core/environment-names';
import { REPO_ROOT } from '../../core/repo-root';
import { SEALING_SCOPES, type SealingScope } from '../../core/sealing-scope';
import { UserError } from '../../core/user-error';
import { loadEnvironment } from '../../environments/load';
import { loadSealedFiles } from '../../environments/sealed-store';
import { loadSealingKey, planSeal, unknownInputs, writePlan, type SecretValues } from '../seal';
import { stackSecrets } from '../stack';

const collect = (value: string, previous: string[]) => [...previous, value];

export interface SealOptions {
  readonly env: string;
  readonly fromFile: readonly string[];
  readonly stdin: boolean;
  readonly scope: SealingScope;
  readonly prune: boolean;
  readonly root?: string;
}

/** `<secret>.<key>=<path>` arguments and the stdin document, as values. */
export function readValues(fromFile: readonly string[], stdinText: string | undefined): SecretValues {
  const values = new Map<string, Map<string, Buffer>>();
  const put = (secret: string, key: string, value: Buffer, from: string) => {
    const keys = values.get(secret) ?? new Map<string, Buffer>();
    if (keys.has(key)) throw new UserError(`${secret}.${key} is given twice (again by ${from})`, 2);
    keys.set(key, value);
    values.set(secret, keys);
  };
  for (const arg of fromFile) {
    const m = /^([a-z0-9-]+)\.([-._a-zA-Z0-9]+)=(.+)$/.exec(arg);
    if (!m)
      throw new UserError(`--from-file (${JSON.stringify(arg)}) must be <secret>.<key>=<path>, e.g. tasknote-admin.token=./admin-token`, 2);
    let content: Buffer;
    try {
      content = readFileSync(m[3]);
    } catch (err) {
      throw new UserError(`--from-file ${m[1]}.${m[2]}: cannot read ${m[3]}: ${(err as Error).message}`, 2);
    }
    put(m[1], m[2], content, `--from-file ${arg}`);
  }
  if (stdinText !== undefined) {
    let doc: unknown;
    try {
      doc = parse(stdinText);
    } catch (err) {
      throw new UserError(`standard input is not JSON or YAML: ${(err as Error).message}`, 2);
    }
    const shape = 'standard input must map each Secret to its keys and values, e.g. {"tasknote-admin": {"token": "…"}}';
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UserError(shape, 2);
    for (const [secret, keys] of Object.entries(doc)) {
      if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) throw new UserError(`${shape}; ${secret} is not a map`, 2);
      for (const [key, value] of Object.entries(keys)) {
        if (typeof value !== 'string') throw new UserError(`${shape}; ${secret}.${key} is not a string`, 2);
        put(secret, key, Buffer.from(value, 'utf8'), 'standard input');
      }
    }
  }
  return values;
}

/** Runs the command; returns the exit code (1 when keys are missing or a file was refused). */
export function runSeal(opts: SealOptions, io: { stdin: () => string; out: (s: string) => void; err: (s: string) => void }): number {
  const root = opts.root ? resolve(opts.root) : REPO_ROOT;
  const env = loadEnvironment(opts.env);
  const secrets = stackSecrets();
  if (opts.fromFile.length === 0 && !opts.stdin) {
    throw new UserError('give the values with --from-file <secret>.<key>=<path> (repeatable) or --stdin; never on the command line', 2);
  }
  const values = readValues(opts.fromFile, opts.stdin ? io.stdin() : undefined);
  const unknown = unknownInputs(secrets, values);
  if (unknown.length > 0)
    throw new UserError(`nothing sealed: the input names what the stack does not read:\n${unknown.map((u) => `  - ${u}`).join('\n')}`, 2);
  const key = loadSealingKey(env.name, root);
  const plan = planSeal(
    {
      env: env.name,
      namespace: env.namespace,
      secrets,
      existing: loadSealedFiles(env.name, root),
      values,
      scope: opts.scope,
      prune: opts.prune,
    },
    key,
  );
  const written = writePlan(env.name, plan, root);
  plan.write.forEach((w, i) => {
    const kept = w.kept.length > 0 ? `; kept ${w.kept.join(', ')}` : '';
    io.out(`sealed ${w.name} (${w.sealed.join(', ')}${kept}) for ${env.namespace} -> ${relative(root, written[i])}\n`);
  });
  for (const name of plan.unchanged) io.out(`unchanged ${name}\n`);
  for (const r of plan.refused) {
    io.err(
      `refused ${relative(root, `${root}/environments/sealed/${env.name}/${r.name}.yaml`)}: it holds key(s) ${r.keys.join(', ')} that the stack no longer reads; pass --prune to drop them\n`,
    );
  }
  for (const m of plan.missing)
    io.err(`missing ${m.name}: key(s) ${m.keys.join(', ')} (give them with --from-file ${m.name}.${m.keys[0]}=<path> or --stdin)\n`);
  if (env.secrets?.provider !== 'sealed-secrets') {
    io.err(
      `note: environment '${env.name}' has secrets.provider '${env.secrets?.provider ?? 'pulumi'}'; synth uses the sealed files once it is 'sealed-secrets'\n`,
    );
  }
  return plan.missing.length > 0 || plan.refused.length > 0 ? 1 : 0;
}

export function registerSeal(program: Command): void {
  program
    .command('seal')
    .description("seal Secret values with the environment's sealed-secrets certificate into environments/sealed/<env>/ (safe to commit)")
    .addOption(new Option('--env <name>', 'environment to seal for').choices(ENVIRONMENT_NAMES).makeOptionMandatory())
    .option('--from-file <secret.key=path>', 'read one value from a file, e.g. tasknote-admin.token=./token (repeatable)', collect, [])
    .option('--stdin', 'read values from standard input as JSON or YAML: {"<secret>": {"<key>": "<value>"}}', false)
    .addOption(new Option('--scope <scope>', 'what the values are bound to').choices(SEALING_SCOPES).default('strict'))
    .option('--prune', 'drop keys of a sealed file that the stack no longer reads, instead of refusing to write it', false)
    .addOption(new Option('--root <dir>', 'repository root to read the certificate from and write under (tests)').hideHelp())
    .action((opts: SealOptions) => {
      process.exitCode = runSeal(opts, {
        stdin: () => readFileSync(0, 'utf8'),
        out: (s) => process.stdout.write(s),
        err: (s) => process.stderr.write(s),
      });
    });
}
