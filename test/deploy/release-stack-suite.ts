// The checks of a stack that takes its images from a release record (staging, prod), run under mocks.
import { readFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { UserError } from '../../core/user-error';
import { synthesizeEnvironment, writeOutputs } from '../../app/synth';
import { deployEnvironment, withDeployAwaits, type DeployOutputs } from '../../deploy/program';
import { resolveDeployInputs } from '../../deploy/stack-inputs';
import { loadEnvironment } from '../../environments/load';
import { loadReleaseRecord } from '../../environments/release-store';
import type { EnvironmentName } from '../../core/environment-names';
import { mockGenerated, valueOf, type Recorder } from './pulumi-harness';
import { find, isKubernetesObject, isWireSecret, kindOf, podImages, REPO_ROOT, runEntry } from './stack-run';

/** Secret values the suite's stacks are configured with; none may show up outside the Secrets. */
export const SMTP = { 'tasknote:smtpUsername': 'CONFIGURED-smtp-user-7d1', 'tasknote:smtpPassword': 'CONFIGURED-smtp-pass-9c4' };

export function releaseStackSuite(stack: EnvironmentName, recorder: Recorder): void {
  const env = loadEnvironment(stack);
  const record = loadReleaseRecord(stack);
  let outputs: DeployOutputs;

  beforeAll(async () => {
    outputs = await runEntry(recorder);
  }, 120_000);

  const inputs = (overrides: { secretConfig?: (key: string) => pulumi.Output<string> | undefined } = {}) => ({
    ...resolveDeployInputs({
      stack,
      config: new pulumi.Config('tasknote'),
      processEnv: {},
      repoRoot: REPO_ROOT,
      loadEnvironment,
      synthesize: (name, o) => synthesizeEnvironment(name, o),
    }),
    ...overrides,
  });

  test('refuses a kubeconfig whose context points at another cluster, before registering anything', () => {
    const before = recorder.registrations.length;
    const base = inputs();
    const elsewhere = {
      ...base,
      kubeconfig: {
        ...base.kubeconfig,
        contexts: base.kubeconfig.contexts.map((c) => ({ ...c, server: 'https://prod-lookalike.example:443' })),
      },
    };
    expect(() => deployEnvironment(elsewhere)).toThrow(UserError);
    expect(() => deployEnvironment(elsewhere)).toThrow(
      `wrong cluster: stack '${stack}' may deploy only to context '${env.cluster.context}' at a server matching '${env.cluster.server}'`,
    );
    expect(recorder.registrations.length).toBe(before);
  });

  test('refuses to generate an SMTP login: it must be configured', () => {
    const before = recorder.registrations.length;
    const noSmtp = inputs({ secretConfig: (key) => (key.startsWith('smtp') ? undefined : pulumi.output('x')) });
    expect(() => deployEnvironment(noSmtp)).toThrow(
      `stack '${stack}' needs these secrets set before it can deploy:\n` +
        `  pulumi config set --secret --stack ${stack} tasknote:smtpPassword <value>   # tasknote-smtp key 'password'\n` +
        `  pulumi config set --secret --stack ${stack} tasknote:smtpUsername <value>   # tasknote-smtp key 'username'`,
    );
    expect(recorder.registrations.length).toBe(before);
  });

  test('builds nothing and runs the digests of its release record', async () => {
    expect(recorder.registrations.filter((r) => r.type.startsWith('docker:'))).toEqual([]);
    expect(podImages(find(recorder, 'Deployment', 'tasknote-api'))).toEqual([record.images.api]);
    expect(podImages(find(recorder, 'Deployment', 'tasknote-worker'))).toEqual([record.images.worker]);
    expect(podImages(find(recorder, 'Job', 'tasknote-migrate'))).toContain(record.images.api);
    expect(outputs.imageSource).toBe('release');
    expect(await valueOf(outputs.images)).toEqual(record.images);
  });

  test('registers exactly the objects synth makes, unchanged', () => {
    const expected = synthesizeEnvironment(stack).files.flatMap((f) => f.objects);
    const registered = recorder.registrations.filter(isKubernetesObject).filter((r) => !r.parent.includes('StackSecrets'));
    expect(registered).toHaveLength(expected.length);
    // As synthesized, plus only the waits the deploy turns off (withDeployAwaits).
    for (const obj of expected) {
      expect(find(recorder, obj.kind, obj.metadata.name).inputs).toEqual(
        JSON.parse(JSON.stringify(withDeployAwaits(obj, loadEnvironment(stack).cluster.kind))),
      );
    }
  });

  test('creates the Secrets, SMTP from config and the rest generated, all marked secret', () => {
    const smtp = find(recorder, 'Secret', 'tasknote-smtp');
    expect(smtp.inputs.stringData).toEqual({ username: SMTP['tasknote:smtpUsername'], password: SMTP['tasknote:smtpPassword'] });
    expect(find(recorder, 'Secret', 'tasknote-database').inputs.stringData).toEqual({ password: mockGenerated('databasePassword') });
    expect(find(recorder, 'Secret', 'tasknote-admin').inputs.stringData).toEqual({ token: mockGenerated('adminToken') });
    for (const name of ['tasknote-smtp', 'tasknote-database', 'tasknote-admin']) {
      const secret = find(recorder, 'Secret', name);
      expect(isWireSecret(secret.wire.stringData)).toBe(true);
      expect(secret.inputs.metadata.namespace).toBe(env.namespace);
    }
    expect(
      recorder.registrations
        .filter((r) => r.type === 'pulumi:index:Stash')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['adminToken', 'databasePassword']);
  });

  test('runs the migration after the data stores and before the workloads', () => {
    const job = find(recorder, 'Job', 'tasknote-migrate');
    expect(job.dependencies).toContain(find(recorder, 'StatefulSet', 'tasknote-postgres').urn);
    for (const name of ['tasknote-api', 'tasknote-worker']) expect(find(recorder, 'Deployment', name).dependencies).toContain(job.urn);
    expect(job.timeouts?.create).toMatch(/^\d+m$/);
  });

  test("sends every object through the stack's own provider, pinned to the environment's context", () => {
    const providers = recorder.registrations.filter((r) => r.type === 'pulumi:providers:kubernetes');
    expect(providers.map((p) => p.inputs.context)).toEqual([env.cluster.context]);
    for (const r of recorder.registrations.filter(isKubernetesObject)) expect(r.provider).toBe(`${providers[0].urn}::${stack}-id`);
  });

  test('asks the engine for nothing: no invoke happens', () => {
    expect(recorder.invokes).toEqual([]);
  });

  test('no secret value appears in any file the repository writes, in outputs, or outside the Secrets', async () => {
    const values = [...Object.values(SMTP), mockGenerated('databasePassword'), mockGenerated('adminToken')];
    const outDir = mkdtempSync(join(tmpdir(), 'dist-'));
    writeOutputs([synthesizeEnvironment(stack)], outDir);
    const written = readdirSync(join(outDir, stack)).map((f) => readFileSync(join(outDir, stack, f), 'utf8'));
    expect(written.length).toBeGreaterThan(0);
    const stackFiles = ['Pulumi.yaml', `Pulumi.${stack}.yaml`].map((f) => readFileSync(join(REPO_ROOT, f), 'utf8'));
    const elsewhere = recorder.registrations.filter(
      (r) => !(kindOf(r) === 'Secret' && r.parent.includes('StackSecrets')) && r.type !== 'pulumi:index:Stash',
    );
    const haystacks = [
      ...written,
      ...stackFiles,
      JSON.stringify({ ...outputs, images: await valueOf(outputs.images) }),
      JSON.stringify(elsewhere.map((r) => r.inputs)),
    ];
    for (const value of values) for (const text of haystacks) expect(text).not.toContain(value);
  });
}
