// Every deploy path of dev and staging: `npm run deploy|preview|destroy` against the lane's
// real-node cluster (scripts/cluster/local-up.sh, tasknote-local), with the real Pulumi CLI,
// Kubernetes and Docker build providers, a real Docker engine and registry: the pods really run.
// Config changes go through the stack settings file (`tasknote:overrides`), never an environment
// file. The steps run in order; each builds on the state before it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifestDir } from '../../review/objects';
import { compareToLive, type KubeObject } from './live';
import {
  CONTEXT,
  LANE,
  OTHER_SERVER,
  commitAll,
  getLive,
  kubectl,
  kubectlJson,
  laneLog,
  lastUpdateChanges,
  makeWorkspace,
  ok,
  podsOf,
  previewChanges,
  pulumi,
  realNodeOverrides,
  run,
  stackConfigFile,
  stackDir,
  stateFiles,
  tasknote,
  versionsIn,
  writeStackConfig,
  type Run,
} from '../../scripts/cluster/lane-workspace';

const NS = 'tasknote-dev';
const STAGING_NS = 'tasknote-staging';
let ws: string;
let pushed: { api: string; worker: string };

const deploy = (env: string, ...more: string[]): Run =>
  tasknote(ws, ['deploy', '--env', env, '--stack-config', stackConfigFile(env), ...more]);
const preview = (env: string, ...more: string[]): Run =>
  tasknote(ws, ['preview', '--env', env, '--stack-config', stackConfigFile(env), ...more]);

/** The objects synth writes for an environment with these images, as `npm run synth` writes them. */
function synthesized(env: string, images: { api: string; worker: string }): KubeObject[] {
  const out = join(ws, 'dist-lane');
  // With the settings the stack file gives the deploy on the real node (the stand-in images).
  const sets = Object.entries(realNodeOverrides()).flatMap(([field, value]) => ['--set', `${field}=${value}`]);
  ok(tasknote(ws, ['synth', '--env', env, '--out', out, '--image', `api=${images.api}`, '--image', `worker=${images.worker}`, ...sets]));
  return loadManifestDir(out, [env]).get(env)!;
}

/** Waits until the autoscaler has brought the api to its minimum (it acts on its own sync period). */
function waitForApiReplicas(ns: string, count: number): void {
  ok(kubectl(['wait', '-n', ns, `--for=jsonpath={.status.availableReplicas}=${count}`, 'deployment/tasknote-api', '--timeout=120s']));
  ok(kubectl(['rollout', 'status', '-n', ns, 'deployment/tasknote-api', '--timeout=120s']));
}

function imagesOf(pod: any): string[] {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c: { image: string }) => c.image);
}

/** Digest of a manifest in the lane's registry, or undefined when it has none. */
async function registryHas(ref: string): Promise<boolean> {
  const match = /^[^/]+\/(.+)@(sha256:[a-f0-9]{64})$/.exec(ref);
  if (match === null) return false;
  const res = await fetch(`http://${LANE.registry}/v2/${match[1]}/manifests/${match[2]}`, {
    method: 'HEAD',
    headers: {
      Accept:
        'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json',
    },
  });
  return res.ok;
}

beforeAll(() => {
  ws = makeWorkspace();
  writeStackConfig(ws, 'dev');
});

// Staging's pods would go on running on the real node, where the next test file measures a load.
afterAll(() => {
  tasknote(ws, ['destroy', '--env', 'staging', '--stack-config', stackConfigFile('staging')]);
}, 600_000);

describe('1. npm run deploy -- --env dev', () => {
  let first: Run;
  beforeAll(() => {
    first = deploy('dev');
  });

  test('exits 0, having built and pushed both images and created the Secrets', () => {
    ok(first);
    const outputs = JSON.parse(ok(pulumi('dev', ['stack', 'output', '--json'])).stdout);
    pushed = outputs.images;
    expect(pushed.api).toMatch(/^localhost:5001\/tasknote-api@sha256:[a-f0-9]{64}$/);
    expect(pushed.worker).toMatch(/^localhost:5001\/tasknote-worker@sha256:[a-f0-9]{64}$/);
    expect([...outputs.secrets].sort()).toEqual(['tasknote-admin', 'tasknote-database', 'tasknote-smtp']);
    for (const name of outputs.secrets) {
      const secret = kubectlJson(['get', 'secret', name, '-n', NS]);
      expect(Object.keys(secret.data).length).toBeGreaterThan(0);
    }
  });

  test('the digests pushed are in the registry, and the pods run exactly them', async () => {
    expect(await registryHas(pushed.api)).toBe(true);
    expect(await registryHas(pushed.worker)).toBe(true);
    expect(podsOf(NS, 'app.kubernetes.io/component=api').flatMap(imagesOf)).toEqual([pushed.api]);
    expect(podsOf(NS, 'app.kubernetes.io/component=worker').flatMap(imagesOf)).toEqual([pushed.worker]);
  });

  test('every synthesized object exists with the fields synth wrote', () => {
    const objects = synthesized('dev', pushed);
    expect(objects.length).toBe(34);
    const problems: string[] = [];
    for (const obj of objects) {
      const live = getLive(obj);
      if (live.status !== 0) {
        problems.push(`${obj.kind}/${obj.metadata.name}: not in the cluster (${live.stderr.trim()})`);
        continue;
      }
      problems.push(...compareToLive(obj, JSON.parse(live.stdout)));
    }
    expect(problems).toEqual([]);
  });

  test('Deployments are Available, the StatefulSet is Ready and the migration Job is Complete', () => {
    for (const d of kubectlJson<{ items: any[] }>(['get', 'deployments', '-n', NS]).items) {
      expect({ name: d.metadata.name, available: d.status.conditions.find((c: any) => c.type === 'Available')?.status }).toEqual({
        name: d.metadata.name,
        available: 'True',
      });
    }
    const sts = kubectlJson(['get', 'statefulset', 'tasknote-postgres', '-n', NS]);
    expect(sts.status.readyReplicas).toBe(sts.spec.replicas);
    const job = kubectlJson(['get', 'job', 'tasknote-migrate', '-n', NS]);
    expect(job.status.conditions.find((c: any) => c.type === 'Complete')?.status).toBe('True');
  });
});

describe('2. the order is real', () => {
  test('the migration completed before the api and worker Deployments were created', () => {
    const job = kubectlJson(['get', 'job', 'tasknote-migrate', '-n', NS]);
    const completed = Date.parse(job.status.completionTime);
    for (const name of ['tasknote-api', 'tasknote-worker']) {
      const created = Date.parse(kubectlJson(['get', 'deployment', name, '-n', NS]).metadata.creationTimestamp);
      expect({ name, after: created >= completed }).toEqual({ name, after: true });
    }
  });

  test('the data stores were ready before the migration Job was created', () => {
    const jobCreated = Date.parse(kubectlJson(['get', 'job', 'tasknote-migrate', '-n', NS]).metadata.creationTimestamp);
    for (const selector of ['app.kubernetes.io/component=database', 'app.kubernetes.io/component=cache']) {
      const pods = podsOf(NS, selector);
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) {
        const ready = Date.parse(pod.status.conditions.find((c: any) => c.type === 'Ready').lastTransitionTime);
        expect({ pod: pod.metadata.name, readyFirst: ready <= jobCreated }).toEqual({ pod: pod.metadata.name, readyFirst: true });
      }
    }
  });
});

describe('3. Pod Security is enforced', () => {
  test('every pod and workload created in the namespace was admitted with no restricted violation', () => {
    const events = readFileSync(LANE.auditLog, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l))
      .filter((e) => e.stage === 'ResponseComplete' && e.objectRef?.namespace === NS && ['create', 'patch', 'update'].includes(e.verb));
    const pods = events.filter((e) => e.objectRef.resource === 'pods' && e.verb === 'create' && !e.objectRef.subresource);
    expect(pods.length).toBeGreaterThanOrEqual(5);
    const violations = events
      .filter((e) => e.annotations?.['pod-security.kubernetes.io/audit-violations'] !== undefined)
      .map((e) => `${e.objectRef.resource}/${e.objectRef.name}: ${e.annotations['pod-security.kubernetes.io/audit-violations']}`);
    expect(violations).toEqual([]);
    const labels = kubectlJson(['get', 'namespace', NS]).metadata.labels;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const policy = `restricted:${labels['pod-security.kubernetes.io/enforce-version'] ?? 'latest'}`;
    for (const e of pods) expect(e.annotations?.['pod-security.kubernetes.io/enforce-policy']).toBe(policy);
  });

  test('a pod that breaks restricted is rejected by the API server', () => {
    const bad = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'privileged-intruder', namespace: NS },
      spec: { containers: [{ name: 'c', image: pushed.api, securityContext: { privileged: true } }] },
    });
    const r = kubectl(['apply', '-f', '-'], LANE.kubeconfig, bad);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/forbidden: violates PodSecurity "restricted:v?[\d.a-z]+": privileged/);
    expect(kubectl(['get', 'pod', 'privileged-intruder', '-n', NS]).status).not.toBe(0);
  });
});

describe('4. no-op and a config change', () => {
  test('a second deploy with nothing changed changes nothing, and preview says so', () => {
    const before = versionsIn(NS, 'all,configmaps,secrets,networkpolicies,ingresses,pdb,serviceaccounts,pvc');
    ok(deploy('dev'));
    const changes = lastUpdateChanges('dev');
    expect(Object.keys(changes).filter((op) => op !== 'same')).toEqual([]);
    expect(changes.same).toBeGreaterThan(40);
    const p = ok(preview('dev'));
    expect(previewChanges(p.stdout)).toEqual({});
    expect(p.stdout).toMatch(/\d+ unchanged/);
    expect(versionsIn(NS, 'all,configmaps,secrets,networkpolicies,ingresses,pdb,serviceaccounts,pvc')).toEqual(before);
  });

  test('one ConfigMap value changed updates that ConfigMap and rolls only the pods that use it', () => {
    const apiPods = podsOf(NS, 'app.kubernetes.io/component=api').map((p) => p.metadata.name);
    const workerPods = podsOf(NS, 'app.kubernetes.io/component=worker').map((p) => p.metadata.name);
    const apiConfig = kubectlJson(['get', 'configmap', 'tasknote-api-config', '-n', NS]).metadata.resourceVersion;
    writeStackConfig(ws, 'dev', {}, { 'worker.thumbnailSizes': [64, 128] });
    ok(deploy('dev'));
    // The worker ConfigMap and the worker Deployment (its config hash), nothing else.
    expect(lastUpdateChanges('dev')).toEqual({ same: expect.any(Number), update: 2 });
    expect(kubectlJson(['get', 'configmap', 'tasknote-worker-config', '-n', NS]).data.THUMBNAIL_SIZES).toBe('64,128');
    expect(kubectlJson(['get', 'configmap', 'tasknote-api-config', '-n', NS]).metadata.resourceVersion).toBe(apiConfig);
    expect(podsOf(NS, 'app.kubernetes.io/component=api').map((p) => p.metadata.name)).toEqual(apiPods);
    const rolled = podsOf(NS, 'app.kubernetes.io/component=worker').map((p) => p.metadata.name);
    expect(rolled.some((name) => workerPods.includes(name))).toBe(false);
  });
});

describe('5. drift', () => {
  test('an out-of-band edit shows in a preview with refresh, and the next deploy restores the declared state', () => {
    ok(kubectl(['scale', 'deployment/tasknote-api', '-n', NS, '--replicas=3']));
    ok(kubectl(['patch', 'configmap', 'tasknote-api-config', '-n', NS, '--type', 'merge', '-p', '{"data":{"LOG_LEVEL":"error"}}']));
    // The nightly drift workflow's command (.github/workflows/drift.yml).
    const drift = preview('dev', '--refresh', '--expect-no-changes');
    expect(drift.status).not.toBe(0);
    expect(drift.stderr).toContain("stack 'dev' has drifted");
    expect(drift.stdout).toContain('tasknote-api');
    expect(previewChanges(drift.stdout).update).toBeGreaterThanOrEqual(2);

    ok(deploy('dev', '--refresh'));
    expect(kubectlJson(['get', 'deployment', 'tasknote-api', '-n', NS]).spec.replicas).toBe(1);
    expect(kubectlJson(['get', 'configmap', 'tasknote-api-config', '-n', NS]).data.LOG_LEVEL).toBe('debug');
    ok(preview('dev', '--refresh', '--expect-no-changes'));
  });
});

describe('6. prune', () => {
  test('an object removed from the stack is deleted by the next deploy', () => {
    const autoscaled = { 'api.replicas': null, 'api.autoscaling': { minReplicas: 1, maxReplicas: 2, targetCpuUtilizationPercent: 80 } };
    writeStackConfig(ws, 'dev', {}, { 'worker.thumbnailSizes': [64, 128], ...autoscaled });
    ok(deploy('dev'));
    expect(ok(kubectl(['get', 'hpa', 'tasknote-api', '-n', NS])).status).toBe(0);
    writeStackConfig(ws, 'dev', {}, { 'worker.thumbnailSizes': [64, 128] });
    ok(deploy('dev'));
    expect(lastUpdateChanges('dev').delete).toBeGreaterThanOrEqual(1);
    const gone = kubectl(['get', 'hpa', 'tasknote-api', '-n', NS]);
    expect(gone.status).not.toBe(0);
    expect(gone.stderr).toContain('NotFound');
  });
});

describe('7. promotion and rollback by release record', () => {
  const smtp = { username: 'canary-smtp-user-7f3a9c', password: 'canary-smtp-password-0b1e5d77c2' };
  let first: { api: string; worker: string };
  let second: { api: string; worker: string };
  let firstCommit: string;

  beforeAll(() => {
    commitAll(ws, 'lane: dev config edits');
    first = pushed;
    // A second release: the same images with one more label, pushed as their own digests.
    const relabel = (ref: string, service: string): string => {
      const tag = `localhost:5001/tasknote-${service}:lane-second`;
      const local = tag.replace('localhost:5001', LANE.registry);
      docker(['build', '--label', 'tasknote.dev/lane=second', '-t', local, '-'], `FROM ${ref.replace('localhost:5001', LANE.registry)}\n`);
      docker(['push', local]);
      const digest = docker(['image', 'inspect', '--format', '{{index .RepoDigests 0}}', local]).stdout.trim();
      return `localhost:5001/tasknote-${service}@${digest.split('@')[1]}`;
    };
    second = { api: relabel(first.api, 'api'), worker: relabel(first.worker, 'worker') };
    const record = (images: { api: string; worker: string }, time: string) =>
      ok(
        tasknote(ws, [
          'promote',
          '--from',
          'build',
          '--to',
          'staging',
          '--image',
          `api=${images.api}`,
          '--image',
          `worker=${images.worker}`,
          '--source-commit',
          commitAll(ws, 'lane: before record'),
          '--time',
          time,
        ]),
      );
    record(first, '2030-01-01T00:00:00Z');
    firstCommit = commitAll(ws, 'lane: staging record 1');
    record(second, '2030-01-02T00:00:00Z');
    commitAll(ws, 'lane: staging record 2');

    writeStackConfig(ws, 'staging');
    ok(run('pulumi', ['stack', 'init', 'staging', '--non-interactive', '--cwd', stackDir('staging')], LANE.dir));
    // Values on standard input, never on a command line.
    ok(pulumi('staging', ['config', 'set', '--secret', 'tasknote:smtpUsername'], smtp.username));
    ok(pulumi('staging', ['config', 'set', '--secret', 'tasknote:smtpPassword'], smtp.password));
  });

  test('staging deploys from its release record, builds nothing, and its pods run exactly those digests', () => {
    ok(deploy('staging'));
    waitForApiReplicas(STAGING_NS, 2);
    const state = JSON.parse(ok(pulumi('staging', ['stack', 'export'])).stdout);
    expect(state.deployment.resources.filter((r: { type: string }) => r.type.startsWith('docker-build:'))).toEqual([]);
    expect(
      podsOf(STAGING_NS, 'app.kubernetes.io/component=api')
        .flatMap(imagesOf)
        .every((i) => i === second.api),
    ).toBe(true);
    expect(
      podsOf(STAGING_NS, 'app.kubernetes.io/component=worker')
        .flatMap(imagesOf)
        .every((i) => i === second.worker),
    ).toBe(true);
    expect(podsOf(STAGING_NS, 'app.kubernetes.io/component=api').length).toBeGreaterThanOrEqual(2);
  });

  test('a rollback to the earlier record deploys the earlier digests', () => {
    ok(tasknote(ws, ['promote', '--to', 'staging', '--ref', firstCommit]));
    ok(deploy('staging'));
    waitForApiReplicas(STAGING_NS, 2);
    const api = podsOf(STAGING_NS, 'app.kubernetes.io/component=api').flatMap(imagesOf);
    expect(api.length).toBeGreaterThanOrEqual(2);
    expect(new Set(api)).toEqual(new Set([first.api]));
    expect(new Set(podsOf(STAGING_NS, 'app.kubernetes.io/component=worker').flatMap(imagesOf))).toEqual(new Set([first.worker]));
  });

  test('the SMTP values configured for staging reach its Secret', () => {
    const secret = kubectlJson(['get', 'secret', 'tasknote-smtp', '-n', STAGING_NS]);
    expect(Buffer.from(secret.data.username, 'base64').toString()).toBe(smtp.username);
  });
});

describe('8. the wrong-cluster guard', () => {
  test('with the context pointing at a second API server, deploy and preview refuse before any change', () => {
    const kubeconfig = readFileSync(LANE.kubeconfig, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:16443/, `server: ${OTHER_SERVER}`);
    const wrong = join(LANE.dir, 'wrong-kubeconfig');
    writeFileSync(wrong, kubeconfig);
    const file = stackConfigFile('dev');
    const original = readFileSync(file, 'utf8');
    const kinds = 'all,configmaps,secrets,networkpolicies,ingresses,pdb,serviceaccounts,pvc';
    const before = versionsIn(NS, kinds);
    const otherBefore = ok(kubectl(['get', 'namespaces', '-o', 'name'], LANE.otherKubeconfig)).stdout;
    try {
      writeStackConfig(ws, 'dev', { 'tasknote:kubeconfig': wrong });
      for (const r of [deploy('dev'), preview('dev')]) {
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain(`wrong cluster: stack 'dev' may deploy only to context '${CONTEXT}'`);
        expect(r.stderr).toContain(OTHER_SERVER);
        expect(r.stderr).toContain('nothing was changed');
      }
    } finally {
      writeFileSync(file, original);
    }
    expect(versionsIn(NS, kinds)).toEqual(before);
    expect(ok(kubectl(['get', 'namespaces', '-o', 'name'], LANE.otherKubeconfig)).stdout).toBe(otherBefore);
    expect(otherBefore).not.toContain('tasknote-dev');
  });
});

describe('9. and 10. destroy, and no secret in plain text anywhere', () => {
  let values: string[] = [];

  beforeAll(() => {
    // The real values, read from the cluster before they are destroyed.
    for (const ns of [NS, STAGING_NS]) {
      for (const name of ['tasknote-database', 'tasknote-admin', 'tasknote-smtp']) {
        const secret = kubectlJson(['get', 'secret', name, '-n', ns]);
        values.push(...Object.values(secret.data as Record<string, string>).map((v) => Buffer.from(v, 'base64').toString()));
      }
    }
    values = values.filter((v) => v.length >= 8);
  });

  test('npm run destroy -- --env dev removes everything the stack created, Secrets and Namespace included', () => {
    ok(tasknote(ws, ['destroy', '--env', 'dev', '--stack-config', stackConfigFile('dev')]));
    const ns = kubectl(['get', 'namespace', NS, '-o', 'json']);
    // A namespace may linger in Terminating while the kubelet stops its pods.
    if (ns.status === 0) expect(JSON.parse(ns.stdout).status.phase).toBe('Terminating');
    else expect(ns.stderr).toContain('NotFound');
    expect(JSON.parse(ok(pulumi('dev', ['stack', 'export'])).stdout).deployment.resources ?? []).toEqual([]);
  });

  test('no secret value appears in the state, in any log line, or in any stack output', () => {
    expect(values.length).toBe(8);
    const haystacks: [string, string][] = [
      ...stateFiles().map((f): [string, string] => [f, readFileSync(f, 'utf8')]),
      ['lane log', laneLog()],
      ['staging outputs', ok(pulumi('staging', ['stack', 'output', '--json'])).stdout],
      ['staging outputs, secrets shown', ok(pulumi('staging', ['stack', 'output', '--json', '--show-secrets'])).stdout],
      ['stack files', readFileSync(stackConfigFile('dev'), 'utf8') + readFileSync(stackConfigFile('staging'), 'utf8')],
    ];
    const found = haystacks.flatMap(([where, text]) => values.filter((v) => text.includes(v)).map((v) => `${where}: ${v.slice(0, 4)}…`));
    expect(found).toEqual([]);
  });
});

function docker(args: string[], input?: string): Run {
  return ok(run('docker', args, LANE.dir, {}, input));
}
