// The dev stack under Pulumi mocks: builds and pushes both images, generates every secret,
// applies the synthesized stack in waves through its own provider.
import { mocksFor, runEntry, find, isKubernetesObject, kindOf, podImages, isWireSecret, REPO_ROOT } from './stack-run';
import { mockDigest, mockGenerated, valueOf } from './pulumi-harness';

const recorder = mocksFor('dev', { 'tasknote:migrationTimeout': '7m', 'tasknote:adminToken': 'CONFIGURED-admin-token-5e3' }, [
  'tasknote:adminToken',
]);

import { join } from 'node:path';
import { deployEnvironment, withDeployAwaits, type DeployOutputs } from '../../deploy/program';
import { durationSeconds } from '../../deploy/durations';
import { resolveDeployInputs, gitSource } from '../../deploy/stack-inputs';
import { loadEnvironment } from '../../environments/load';
import { synthesizeEnvironment } from '../../app/synth';
import * as pulumi from '@pulumi/pulumi';
import { UserError } from '../../core/user-error';

const git = gitSource(REPO_ROOT);
const tag = git.dirty ? `${git.commit}-dirty` : git.commit;
const refs = {
  api: `localhost:5001/tasknote-api@${mockDigest(`localhost:5001/tasknote-api:${tag}`)}`,
  worker: `localhost:5001/tasknote-worker@${mockDigest(`localhost:5001/tasknote-worker:${tag}`)}`,
};

let outputs: DeployOutputs;

beforeAll(async () => {
  outputs = await runEntry(recorder);
}, 120_000);

test('refuses a kubeconfig whose context points at another cluster, before registering anything', () => {
  const before = recorder.registrations.length;
  const inputs = resolveDeployInputs({
    stack: 'dev',
    config: new pulumi.Config('tasknote'),
    processEnv: {},
    repoRoot: REPO_ROOT,
    loadEnvironment,
    synthesize: () => {
      throw new Error('synth must not run when the guard refuses');
    },
    git: () => git,
  });
  const wrong = {
    ...inputs,
    kubeconfig: { ...inputs.kubeconfig, contexts: inputs.kubeconfig.contexts.map((c) => ({ ...c, server: 'https://10.1.2.3:6443' })) },
  };
  expect(() => deployEnvironment(wrong)).toThrow(UserError);
  expect(() => deployEnvironment(wrong)).toThrow(
    /^wrong cluster: stack 'dev' may deploy only to context 'kind-tasknote' at a server matching 'https:\/\/127\.0\.0\.1:6443', but kubeconfig \S+ points context 'kind-tasknote' at cluster 'kind-tasknote-cluster' \(https:\/\/10\.1\.2\.3:6443\); current-context 'someone-elses'\. Nothing was changed\./,
  );
  expect(recorder.registrations.length).toBe(before);
});

test('builds each image from the repository root with its Dockerfile, tagged with the commit, and pushes to the local registry', () => {
  const images = recorder.registrations.filter((r) => r.type === 'docker-build:index:Image');
  expect(images.map((r) => r.name).sort()).toEqual(['api', 'worker']);
  for (const image of images) {
    expect(image.inputs.tags).toEqual([`localhost:5001/tasknote-${image.name}:${tag}`]);
    expect(image.inputs.context).toEqual({ location: REPO_ROOT });
    expect(image.inputs.dockerfile).toEqual({ location: join(REPO_ROOT, 'services', 'Dockerfile') });
    expect(image.inputs.buildArgs).toMatchObject({ SERVICE: image.name });
    expect(image.inputs.push).toBe(true);
    expect(image.inputs.buildOnPreview).toBe(false);
    expect(image.inputs.network).toBe('host');
    expect(image.inputs.exec).toBe(true);
    expect(image.inputs.builder).toEqual({ name: 'default' });
    expect(image.inputs.registries).toBeUndefined();
  }
});

test('puts the pushed digests in every pod that runs a service image', () => {
  expect(podImages(find(recorder, 'Deployment', 'tasknote-api'))).toEqual([refs.api]);
  expect(podImages(find(recorder, 'Deployment', 'tasknote-worker'))).toEqual([refs.worker]);
  expect(podImages(find(recorder, 'Job', 'tasknote-migrate'))).toContain(refs.api);
  expect(podImages(find(recorder, 'CronJob', 'tasknote-daily-summary'))).toContain(refs.api);
});

test('registers exactly the objects synth makes with those digests, unchanged', () => {
  const expected = synthesizeEnvironment('dev', { images: refs }).files.flatMap((f) => f.objects);
  const registered = recorder.registrations
    .filter(isKubernetesObject)
    .filter((r) => !(kindOf(r) === 'Secret' && r.parent.includes('StackSecrets')));
  expect(registered.map((r) => `${kindOf(r)}/${r.inputs.metadata.name}`).sort()).toEqual(
    expected.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
  );
  // As synthesized, plus only the waits the deploy turns off (withDeployAwaits).
  for (const obj of expected) {
    expect(find(recorder, obj.kind, obj.metadata.name).inputs).toEqual(
      JSON.parse(JSON.stringify(withDeployAwaits(obj, loadEnvironment('dev').cluster.kind))),
    );
  }
});

test('creates every required Secret with its keys, marked secret, from config or generated', () => {
  const required = synthesizeEnvironment('dev').requiredSecrets;
  expect(required.length).toBeGreaterThan(0);
  for (const secret of required) {
    const r = find(recorder, 'Secret', secret.name);
    expect(r.inputs.metadata.namespace).toBe('tasknote-dev');
    expect(Object.keys(r.inputs.stringData).sort()).toEqual([...secret.keys].sort());
    expect(isWireSecret(r.wire.stringData)).toBe(true);
    expect(r.additionalSecretOutputs).toEqual(expect.arrayContaining(['data', 'stringData']));
  }
  expect(find(recorder, 'Secret', 'tasknote-admin').inputs.stringData.token).toBe('CONFIGURED-admin-token-5e3');
  expect(find(recorder, 'Secret', 'tasknote-database').inputs.stringData.password).toBe(mockGenerated('databasePassword'));
  const generated = recorder.registrations.filter((r) => r.type === 'pulumi:index:Stash').map((r) => r.name);
  expect(generated.sort()).toEqual(['databasePassword', 'smtpPassword', 'smtpUsername']);
});

test('applies in waves: namespace, foundation, data stores, migration (waited, with its timeout), workloads, policies', () => {
  const urn = (kind: string, name: string) => find(recorder, kind, name).urn;
  const deps = (kind: string, name: string) => find(recorder, kind, name).dependencies;
  const job = find(recorder, 'Job', 'tasknote-migrate');
  expect(job.dependencies).toEqual(
    expect.arrayContaining([
      urn('Namespace', 'tasknote-dev'),
      urn('StatefulSet', 'tasknote-postgres'),
      urn('Deployment', 'tasknote-redis'),
      urn('Secret', 'tasknote-database'),
      urn('ConfigMap', 'tasknote-api-config'),
    ]),
  );
  expect(job.timeouts).toEqual({ create: '7m', update: '7m' });
  expect(job.deleteBeforeReplace).toBe(true);
  expect(job.replaceOnChanges).toEqual(['spec']);
  for (const [kind, name] of [
    ['Deployment', 'tasknote-api'],
    ['Deployment', 'tasknote-worker'],
    ['CronJob', 'tasknote-daily-summary'],
    ['CronJob', 'tasknote-db-backup'],
  ]) {
    expect(deps(kind, name)).toContain(job.urn);
  }
  expect(find(recorder, 'Deployment', 'tasknote-api').timeouts).toEqual({ create: '5m', update: '5m' });
  for (const [kind, name] of [
    ['Ingress', 'tasknote-api'],
    ['PodDisruptionBudget', 'tasknote-api'],
    ['NetworkPolicy', 'default-deny'],
  ]) {
    expect(deps(kind, name)).toEqual(expect.arrayContaining([urn('Deployment', 'tasknote-api'), job.urn]));
  }
  expect(deps('Namespace', 'tasknote-dev')).toEqual([]);
  expect(deps('StatefulSet', 'tasknote-postgres')).not.toContain(job.urn);
});

test("sends every Kubernetes object through the stack's own provider, pinned to its context with server-side apply", () => {
  const providers = recorder.registrations.filter((r) => r.type === 'pulumi:providers:kubernetes');
  expect(providers).toHaveLength(1);
  const [provider] = providers;
  expect(provider.inputs).toMatchObject({
    context: 'kind-tasknote',
    enableServerSideApply: 'true',
    deleteUnreachable: 'false',
    enableConfigMapMutable: 'true',
  });
  expect(isWireSecret(provider.wire.kubeconfig)).toBe(true);
  const objects = recorder.registrations.filter(isKubernetesObject);
  expect(objects.length).toBeGreaterThan(20);
  for (const r of objects) expect(r.provider).toBe(`${provider.urn}::${provider.name}-id`);
});

test('asks the engine for nothing: no invoke happens', () => {
  expect(recorder.invokes).toEqual([]);
});

test('exports the digests and names, never a secret value', async () => {
  expect(outputs).toMatchObject({
    environment: 'dev',
    namespace: 'tasknote-dev',
    imageSource: 'build',
    cluster: { context: 'kind-tasknote', server: 'https://127.0.0.1:6443' },
  });
  expect(await valueOf(outputs.images)).toEqual(refs);
  expect([...outputs.secrets].sort()).toEqual(['tasknote-admin', 'tasknote-database', 'tasknote-smtp']);
  const text = JSON.stringify({ ...outputs, images: await valueOf(outputs.images) });
  expect(text).not.toContain('CONFIGURED-admin-token-5e3');
  expect(text).not.toContain('GENERATED-');
});

describe('withDeployAwaits', () => {
  const ingress = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'n', annotations: { a: 'b' } } };
  const skipped = { a: 'b', 'pulumi.com/skipAwait': 'true' };
  test('skips the load-balancer wait of an Ingress only on the local control plane', () => {
    expect(withDeployAwaits(ingress, 'local').metadata.annotations).toEqual(skipped);
    expect(withDeployAwaits(ingress, 'kind')).toBe(ingress);
    expect(withDeployAwaits(ingress, 'eks')).toBe(ingress);
  });
  test("never waits for a Service's endpoints: the rollout of its pods is awaited instead", () => {
    const service = { ...ingress, apiVersion: 'v1', kind: 'Service' };
    for (const kind of ['local', 'kind', 'eks'] as const) expect(withDeployAwaits(service, kind).metadata.annotations).toEqual(skipped);
  });
  test('leaves every other kind as synthesized', () => {
    const deployment = { ...ingress, apiVersion: 'apps/v1', kind: 'Deployment' };
    expect(withDeployAwaits(deployment, 'local')).toBe(deployment);
  });
});

describe('withDeployAwaits: Secrets a controller makes', () => {
  test('waits for a SealedSecret to be Synced (unsealed) and an ExternalSecret to be Ready', () => {
    const sealed = {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 's', namespace: 'n', annotations: { a: 'b' } },
    };
    const external = { ...sealed, apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret' };
    for (const kind of ['local', 'eks'] as const) {
      expect(withDeployAwaits(sealed, kind).metadata.annotations).toEqual({
        a: 'b',
        'pulumi.com/waitFor': 'condition=Synced',
        'pulumi.com/timeoutSeconds': '180',
      });
      expect(withDeployAwaits(external, kind, '45s').metadata.annotations).toEqual({
        a: 'b',
        'pulumi.com/waitFor': 'condition=Ready',
        'pulumi.com/timeoutSeconds': '45',
      });
    }
  });

  test('durationSeconds reads the stack config durations', () => {
    expect([durationSeconds('90s'), durationSeconds('10m'), durationSeconds('1h')]).toEqual([90, 600, 3600]);
    expect(() => durationSeconds('10')).toThrow("'10' is not a duration such as 90s, 10m or 1h");
  });
});
