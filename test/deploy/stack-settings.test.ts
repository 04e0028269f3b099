// One reader of the stack settings: `npm run deploy`'s checks (the settings file) and the program
// (the engine's config) accept and refuse the same settings with the same messages.
import * as pulumi from '@pulumi/pulumi';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { synthesizeEnvironment } from '../../app/synth';
import { UserError } from '../../core/user-error';
import { checkBeforePulumi, type Machine } from '../../deploy/run';
import { resolveDeployInputs } from '../../deploy/stack-inputs';
import { stackFileSettings, stackSettings } from '../../deploy/stack-settings';
import { loadEnvironment } from '../../environments/load';
import { placeholderImages } from '../../deploy/images';
import { kubeconfigFileFor, REPO_ROOT } from './stack-run';

const MACHINE: Machine = {
  which: (c) => `/usr/bin/${c}`,
  dockerDaemon: async () => ({ ok: true }),
  probeServer: async () => undefined,
  processEnv: { KUBECONFIG: kubeconfigFileFor('dev') },
};

/** A stack settings file with this `config:`. */
function settingsFile(config: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'stack-settings-')), 'Pulumi.dev.yaml');
  writeFileSync(file, stringify({ config }));
  return file;
}

/** What `npm run deploy` says of these settings before Pulumi runs, or undefined when it accepts them. */
async function fromDeployCommand(config: Record<string, unknown>): Promise<string | undefined> {
  try {
    await checkBeforePulumi('preview', 'dev', settingsFile(config), MACHINE);
    return undefined;
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
}

/** The program's inputs from the engine's config: structured values as JSON, as the engine hands them over. */
function programInputs(config: Record<string, unknown>) {
  const engine = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  pulumi.runtime.setAllConfig({ 'tasknote:kubeconfig': kubeconfigFileFor('dev'), ...engine }, []);
  return resolveDeployInputs({
    stack: 'dev',
    config: new pulumi.Config('tasknote'),
    processEnv: {},
    repoRoot: REPO_ROOT,
    loadEnvironment,
    synthesize: (name, options) => synthesizeEnvironment(name, options),
    git: () => ({ commit: 'c'.repeat(40), dirty: false }),
  });
}

/** What the program says of these settings, or undefined when it accepts them. */
function fromProgram(config: Record<string, unknown>): string | undefined {
  try {
    programInputs(config);
    return undefined;
  } catch (err) {
    if (err instanceof Error) return err.message;
    throw err;
  }
}

describe('both readers', () => {
  test('fails when imageSource is misspelt, with one message from both', async () => {
    const config = { 'tasknote:imageSource': 'relase' };
    const message =
      "the settings of stack 'dev' are invalid; nothing was changed:\n  - tasknote:imageSource: must be 'build' or 'release' (received \"relase\")";
    expect(await fromDeployCommand(config)).toBe(message);
    expect(fromProgram(config)).toBe(message);
  });

  test('fails when an override names no environment field, with one message from both', async () => {
    const config = { 'tasknote:overrides': { 'api.replicaz': 2 } };
    const message =
      "environment 'dev' is invalid:\n" +
      '  - tasknote:overrides.api.replicaz: unknown key "replicaz"; known keys of api: replicas, autoscaling, resources';
    expect(await fromDeployCommand(config)).toBe(`--env: ${message}`);
    expect(fromProgram(config)).toBe(message);
  });

  test('fails when a key is unknown, listing the known ones', async () => {
    const config = { 'tasknote:rolloutTimout': '5m' };
    const message =
      "the settings of stack 'dev' are invalid; nothing was changed:\n" +
      '  - tasknote:rolloutTimout: unknown key; known keys: kubeconfig, imageSource, nodeImage, platform, registryUsername, registryPassword, ' +
      "migrationTimeout, rolloutTimeout, secretsTimeout, configuredSecrets, cluster, overrides (secret values are set with 'pulumi config set --secret')";
    expect(await fromDeployCommand(config)).toBe(message);
    expect(fromProgram(config)).toBe(message);
  });

  test('read the same overridden environment', async () => {
    const config = { 'tasknote:overrides': { 'api.replicas': 3, 'worker.thumbnailSizes': [32], 'ingress.host': 'x.localtest.me' } };
    expect(await fromDeployCommand(config)).toBeUndefined();
    const checked = await checkBeforePulumi('preview', 'dev', settingsFile(config), MACHINE);
    expect([checked.env.api.replicas, checked.env.worker.thumbnailSizes, checked.env.ingress.host]).toEqual([3, [32], 'x.localtest.me']);
    expect(programInputs(config).env.ingress.host).toBe('x.localtest.me');
  });
});

describe('resolveDeployInputs', () => {
  test('synthesizes the overridden environment', () => {
    const inputs = programInputs({ 'tasknote:overrides': { 'api.replicas': 3 } });
    const objects = inputs.synthesize('dev', { images: placeholderImages('localhost:5001', 0) }).files.flatMap((f) => f.objects);
    const api = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'tasknote-api');
    expect(api?.spec).toMatchObject({ replicas: 3 });
  });
});

describe('stackSettings', () => {
  test('reads the numbers and structured values of a file as the engine hands them over, as text and JSON', () => {
    const fromFile = stackSettings(
      'dev',
      { 'tasknote:platform': 7, 'tasknote:configuredSecrets': ['smtpUsername'], 'tasknote:overrides': { 'api.replicas': 2 } },
      () => false,
    );
    const fromEngine = stackSettings(
      'dev',
      { 'tasknote:platform': '7', 'tasknote:configuredSecrets': '["smtpUsername"]', 'tasknote:overrides': '{"api.replicas":2}' },
      () => false,
    );
    expect(fromFile).toEqual(fromEngine);
    expect(fromFile.platform).toBe('7');
    expect(fromFile.overrides).toEqual([{ setting: 'tasknote:overrides', path: 'api.replicas', value: 2 }]);
  });

  test('leaves secret values and other namespaces out', () => {
    const settings = stackSettings(
      'dev',
      { 'tasknote:adminToken': 'x', 'kubernetes:context': 'y' },
      (key) => key === 'tasknote:adminToken',
    );
    expect(settings).toEqual({});
  });

  test('fails when values are wrong, reporting every problem with the key, the value and what is allowed', () => {
    expect(() =>
      stackSettings('dev', { 'tasknote:rolloutTimeout': '10 minutes', 'tasknote:overrides': ['api.replicas=2'] }, () => false),
    ).toThrow(
      "the settings of stack 'dev' are invalid; nothing was changed:\n" +
        '  - tasknote:rolloutTimeout: must be a duration such as 90s, 10m or 1h (received "10 minutes")\n' +
        '  - tasknote:overrides: must be a map of environment field path to value (received ["api.replicas=2"])',
    );
  });
});

describe('stackFileSettings', () => {
  test('reads a committed stack file, and nothing for a missing one', () => {
    expect(stackFileSettings('prod', join(REPO_ROOT, 'Pulumi.prod.yaml')).configuredSecrets).toEqual(['smtpUsername', 'smtpPassword']);
    expect(stackFileSettings('dev', join(REPO_ROOT, 'Pulumi.nope.yaml'))).toEqual({});
  });

  test('leaves values the file holds encrypted out', () => {
    expect(stackFileSettings('dev', settingsFile({ 'tasknote:smtpPassword': { secure: 'v1:abc' } }))).toEqual({});
  });
});

describe('docs/deploy.md', () => {
  test('its tasknote:overrides example sets what it shows', () => {
    const docs = readFileSync(join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
    const example = /```yaml\n(config:\n  tasknote:overrides:\n[\s\S]*?)```/.exec(docs)?.[1] ?? '';
    const env = loadEnvironment('dev', stackSettings('dev', parse(example).config, () => false).overrides);
    expect(env.postgres.image).toMatch(/^localhost:5001\/tasknote-postgres@sha256:/);
    expect([env.api.replicas, env.worker.thumbnailSizes, env.redis.resources.cpuLimitMillis]).toEqual([2, [64, 128], 300]);
  });
});
