// Secrets the GitOps way, on the lane's own clusters, with the real sealed-secrets controller:
// prod with `secrets.provider: sealed-secrets` is deployed by `npm run deploy` (the real Pulumi
// engine) to the lane's cluster, and the same dist/prod is applied with plain `kubectl apply` to
// the second cluster, as Argo CD or Flux would, after its controller was given the first one's
// sealing key (upstream's way to move a cluster's key). Both must end in the same state. The
// controllers run on the host against each API server with a service-account token of their own
// (own-control-plane.ts); everything is removed at the end, the CRD included.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadManifestDir } from '../../review/objects';
import { compareToLive } from './live';
import { processGroup, startSealedSecretsController, toolchainPath, until } from './own-control-plane';
import {
  LANE,
  commitAll,
  getLive,
  git,
  kubectl,
  kubectlJson,
  laneLog,
  lastUpdateChanges,
  makeWorkspace,
  ok,
  podsOf,
  pulumi,
  run,
  stackConfigFile,
  stateFiles,
  tasknote,
  writeStackConfig,
  useCluster,
  type Run,
} from '../../scripts/cluster/lane-workspace';

// Prod needs three zones and more CPU than the real node has: kwok's fake nodes (docs/deploy.md).
useCluster('fake');
const PRIMARY = LANE.fakeKubeconfig;
const PRIMARY_PORT = 16445;
/** prod's Secrets come as SealedSecrets: the team's change, made as a setting rather than in prod.ts. */
const SEALED = { 'secrets.provider': 'sealed-secrets' };

const NS = 'tasknote-prod';
const CRD = toolchainPath('TOOLCHAIN_SEALED_SECRETS_CRD');
const RBAC = join(__dirname, '..', 'fixtures', 'sealed-secrets', 'controller-rbac.yaml');
const KEY_LABEL = 'sealedsecrets.bitnami.com/sealed-secrets-key';
const CANARIES = {
  'tasknote-database': { password: 'CANARY-gitops-db-5e1f0a' },
  'tasknote-admin': { token: 'CANARY-gitops-admin-9c2d7b' },
  'tasknote-smtp': { username: 'relay-user', password: 'CANARY-gitops-smtp-3a8e41' },
};
const ROTATED = 'CANARY-gitops-smtp-rotated-77d0c2';
const OTHER_CERT_VALUE = 'CANARY-gitops-admin-other-cluster-1b9f';
const canaryValues = () =>
  [...Object.values(CANARIES).flatMap((keys) => Object.values(keys)), ROTATED, OTHER_CERT_VALUE].filter((v) => v.startsWith('CANARY'));

const controllers = processGroup(LANE.dir);
let ws: string;
let certUrl: { local: string; other: string };

const sealInput = (values: object): Run =>
  run(process.execPath, [join(ws, 'bin', 'tasknote.js'), 'seal', '--env', 'prod', '--stdin'], ws, {}, JSON.stringify(values));
const deploy = (...more: string[]): Run => tasknote(ws, ['deploy', '--env', 'prod', '--stack-config', stackConfigFile('prod'), ...more]);

/** Installs the SealedSecret CRD and the controller's account, and starts the controller against that API server. */
async function installSealedSecrets(kubeconfig: string, apiPort: number, name: string): Promise<string> {
  ok(kubectl(['apply', '--server-side', '-f', CRD], kubeconfig));
  ok(kubectl(['wait', '--for=condition=Established', 'crd/sealedsecrets.bitnami.com', '--timeout=60s'], kubeconfig));
  ok(kubectl(['apply', '--server-side', '-f', RBAC], kubeconfig));
  const token = ok(
    kubectl(['create', 'token', 'sealed-secrets-controller', '-n', 'kube-system', '--duration=4h'], kubeconfig),
  ).stdout.trim();
  const caData = ok(
    kubectl(['config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}'], kubeconfig),
  ).stdout;
  const started = await startSealedSecretsController(controllers, LANE.dir, name, { apiPort, token, caPem: Buffer.from(caData, 'base64') });
  return started.certUrl;
}

const fetchText = (url: string) => execFileSync('curl', ['-sf', url], { encoding: 'utf8' });
const secretData = (name: string, kubeconfig = PRIMARY): Record<string, string> =>
  Object.fromEntries(
    Object.entries(kubectlJson<{ data: Record<string, string> }>(['get', 'secret', name, '-n', NS], kubeconfig).data).map(([k, v]) => [
      k,
      Buffer.from(v, 'base64').toString(),
    ]),
  );
const syncedCondition = (name: string, kubeconfig = PRIMARY) =>
  (kubectlJson(['get', 'sealedsecret', name, '-n', NS], kubeconfig).status?.conditions ?? []).find((c: any) => c.type === 'Synced');

/** Names of the pods a selector matches in prod, sorted. */
const podNames = (selector: string, kubeconfig = PRIMARY): string[] =>
  podsOf(NS, selector, kubeconfig)
    .map((p) => p.metadata.name)
    .sort();

/** Waits until the autoscalers have brought api and worker to their floors and every rollout is done. */
function settled(kubeconfig = PRIMARY): void {
  for (const [name, count] of [
    ['tasknote-api', 3],
    ['tasknote-worker', 2],
  ] as const) {
    ok(
      kubectl(
        ['wait', '-n', NS, `--for=jsonpath={.status.availableReplicas}=${count}`, `deployment/${name}`, '--timeout=180s'],
        kubeconfig,
      ),
    );
    ok(kubectl(['rollout', 'status', '-n', NS, `deployment/${name}`, '--timeout=180s'], kubeconfig));
  }
}

/** `Kind/name` → metadata.generation of the objects whose spec a deploy writes. */
function generations(kubeconfig = PRIMARY): Record<string, number> {
  const list = kubectlJson<{ items: any[] }>(['get', 'deployments,statefulsets,cronjobs,jobs,sealedsecrets', '-n', NS], kubeconfig);
  return Object.fromEntries(list.items.map((i) => [`${i.kind}/${i.metadata.name}`, i.metadata.generation]));
}

function synthProd(out: string): string {
  ok(tasknote(ws, ['synth', '--env', 'prod', '--out', out, ...Object.entries(SEALED).flatMap(([k, v]) => ['--set', `${k}=${v}`])]));
  return join(out, 'prod');
}

beforeAll(async () => {
  ws = makeWorkspace('gitops-repo');
  const local = await installSealedSecrets(PRIMARY, PRIMARY_PORT, 'sealed-secrets-local');
  // The second cluster gets the first one's sealing key before its controller starts, so it
  // unseals the same files (upstream: back up the key Secret, apply it to the new cluster).
  const keys = kubectlJson<{ items: any[] }>(['get', 'secrets', '-n', 'kube-system', '-l', KEY_LABEL]).items;
  expect(keys.length).toBe(1);
  const copies = keys.map((k) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: k.type,
    metadata: { name: k.metadata.name, namespace: 'kube-system', labels: k.metadata.labels },
    data: k.data,
  }));
  ok(
    kubectl(['apply', '--server-side', '-f', '-'], LANE.otherKubeconfig, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: copies })),
  );
  const other = await installSealedSecrets(LANE.otherKubeconfig, 16444, 'sealed-secrets-other');
  certUrl = { local, other };

  // The team's change: prod's Secrets become SealedSecrets (SEALED, in the stack settings and
  // synth's --set), sealed with this cluster's certificate.
  mkdirSync(join(ws, 'environments', 'sealed', 'prod'), { recursive: true });
  writeFileSync(join(ws, 'environments', 'sealed', 'prod', 'cert.pem'), fetchText(local));
}, 300_000);

afterAll(async () => {
  await controllers.stop();
  // Leave both clusters as the other lane tests expect them: no SealedSecret CRD (its objects go with it).
  for (const kubeconfig of [PRIMARY, LANE.otherKubeconfig]) {
    kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false'], kubeconfig);
    kubectl(['delete', '-f', RBAC, '--ignore-not-found'], kubeconfig);
    kubectl(['delete', 'crd', 'sealedsecrets.bitnami.com', '--ignore-not-found', '--timeout=60s'], kubeconfig);
    kubectl(['delete', 'secrets', '-n', 'kube-system', '-l', KEY_LABEL], kubeconfig);
  }
}, 180_000);

describe('1. npm run seal, then npm run deploy -- --env prod with sealed-secrets', () => {
  let first: Run;
  beforeAll(() => {
    ok(sealInput(CANARIES));
    commitAll(ws, 'lane: prod seals its Secrets');
    writeStackConfig(ws, 'prod', { 'tasknote:secretsTimeout': '30s' }, SEALED);
    first = deploy();
  });

  test('the deploy exits 0, applied three SealedSecrets and created no Secret itself', () => {
    ok(first);
    const resources: { type: string }[] = JSON.parse(ok(pulumi('prod', ['stack', 'export'])).stdout).deployment.resources;
    expect(resources.filter((r) => r.type === 'kubernetes:core/v1:Secret')).toEqual([]);
    expect(resources.filter((r) => r.type === 'kubernetes:bitnami.com/v1alpha1:SealedSecret').length).toBe(3);
    expect(JSON.parse(ok(pulumi('prod', ['stack', 'output', '--json'])).stdout).secrets).toEqual([]);
  });

  test('the real controller unsealed every Secret, owned by its SealedSecret, with the sealed values', () => {
    for (const [name, keys] of Object.entries(CANARIES)) {
      expect(syncedCondition(name)?.status).toBe('True');
      expect(secretData(name)).toEqual(keys);
      const owners = kubectlJson(['get', 'secret', name, '-n', NS]).metadata.ownerReferences;
      expect(owners.map((o: any) => `${o.kind}/${o.name}`)).toEqual([`SealedSecret/${name}`]);
    }
  });

  test("every pod's secretKeyRef names a Secret and key that exist, and the migration Job completed", () => {
    settled();
    const pods = kubectlJson<{ items: any[] }>(['get', 'pods', '-n', NS]).items;
    const refs = pods.flatMap((p) =>
      [...(p.spec.initContainers ?? []), ...p.spec.containers].flatMap((c: any) =>
        (c.env ?? [])
          .filter((e: any) => e.valueFrom?.secretKeyRef !== undefined)
          .map((e: any) => ({ pod: p.metadata.name, ...e.valueFrom.secretKeyRef })),
      ),
    );
    expect(pods.length).toBeGreaterThanOrEqual(8);
    const unresolved = refs.filter((r) => secretData(r.name)[r.key] === undefined);
    expect(unresolved).toEqual([]);
    expect(new Set(refs.map((r) => r.name))).toEqual(new Set(['tasknote-database', 'tasknote-admin', 'tasknote-smtp']));
    const job = kubectlJson(['get', 'job', 'tasknote-migrate', '-n', NS]);
    expect(job.status.conditions.find((c: any) => c.type === 'Complete')?.status).toBe('True');
  });
});

describe('2. rotation: one value sealed again, then deployed', () => {
  test('updates that Secret and rolls only the pods that read it', () => {
    settled();
    const before = { api: podNames('app.kubernetes.io/component=api'), worker: podNames('app.kubernetes.io/component=worker') };
    const data = { database: podNames('app.kubernetes.io/component=database'), cache: podNames('app.kubernetes.io/component=cache') };
    const gens = generations();
    const file = join(LANE.dir, 'rotated-smtp-password');
    writeFileSync(file, ROTATED);
    ok(tasknote(ws, ['seal', '--env', 'prod', '--from-file', `tasknote-smtp.password=${file}`]));
    commitAll(ws, 'lane: rotate the SMTP password');
    ok(deploy());
    expect(secretData('tasknote-smtp')).toEqual({ username: 'relay-user', password: ROTATED });
    // The SealedSecret, and the two pod templates that read tasknote-smtp: nothing else.
    const after = generations();
    const changed = Object.keys(after).filter((k) => after[k] !== gens[k]);
    expect(changed.sort()).toEqual(['CronJob/tasknote-daily-summary', 'Deployment/tasknote-api', 'SealedSecret/tasknote-smtp']);
    expect(lastUpdateChanges('prod')).toEqual({ same: expect.any(Number), update: 3 });
    settled();
    expect(podNames('app.kubernetes.io/component=api').some((p) => before.api.includes(p))).toBe(false);
    expect(podNames('app.kubernetes.io/component=worker')).toEqual(before.worker);
    expect(podNames('app.kubernetes.io/component=database')).toEqual(data.database);
    expect(podNames('app.kubernetes.io/component=cache')).toEqual(data.cache);
  });
});

describe("3. a SealedSecret sealed with another cluster's certificate", () => {
  test('fails the deploy, which says why and what to do; the Secret keeps its value and nothing rolls', () => {
    settled();
    const api = podNames('app.kubernetes.io/component=api');
    const certFile = join(ws, 'environments', 'sealed', 'prod', 'cert.pem');
    const own = readFileSync(certFile);
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=another-cluster'].concat([
        '-keyout',
        join(LANE.dir, 'other-cluster.key'),
        '-out',
        certFile,
      ]),
      { stdio: 'ignore' },
    );
    ok(sealInput({ 'tasknote-admin': { token: OTHER_CERT_VALUE } }));
    writeFileSync(certFile, own);
    commitAll(ws, "lane: tasknote-admin sealed with another cluster's certificate");

    const failed = deploy();
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain("The cluster's controller did not make every Secret");
    expect(failed.stderr).toContain(
      `SealedSecret 'tasknote-admin': the sealed-secrets controller says "no key could decrypt secret (token)"`,
    );
    expect(failed.stderr).toContain("sealed with a certificate that is not this cluster's");
    expect(failed.stderr).toContain('kubeseal --fetch-cert > environments/sealed/prod/cert.pem');
    expect(syncedCondition('tasknote-admin')).toMatchObject({ status: 'False' });
    expect(secretData('tasknote-admin')).toEqual(CANARIES['tasknote-admin']);
    expect(podNames('app.kubernetes.io/component=api')).toEqual(api);
  });

  test('sealed again with the right certificate, the next deploy succeeds', () => {
    ok(sealInput({ 'tasknote-admin': CANARIES['tasknote-admin'] }));
    commitAll(ws, 'lane: tasknote-admin sealed again for this cluster');
    ok(deploy());
    expect(syncedCondition('tasknote-admin')?.status).toBe('True');
    expect(secretData('tasknote-admin')).toEqual(CANARIES['tasknote-admin']);
  });
});

describe('4. the GitOps path: plain kubectl apply of dist/prod, no Pulumi', () => {
  let dist: string;
  beforeAll(() => {
    dist = synthProd(join(LANE.dir, 'gitops-dist'));
  });

  test("the second cluster's controller holds the same key: it serves the same certificate", () => {
    expect(fetchText(certUrl.other)).toBe(fetchText(certUrl.local));
  });

  test('kubectl apply --server-side -f dist/prod/ applies in one pass, and the controller unseals every Secret', async () => {
    ok(kubectl(['apply', '--server-side', '-f', dist], LANE.otherKubeconfig));
    for (const name of Object.keys(CANARIES)) {
      await until(`${name} unsealed on the second cluster`, () =>
        syncedCondition(name, LANE.otherKubeconfig)?.status === 'True' ? true : undefined,
      );
    }
    ok(kubectl(['wait', '-n', NS, '--for=condition=Complete', 'job/tasknote-migrate', '--timeout=180s'], LANE.otherKubeconfig));
    settled(LANE.otherKubeconfig);
  });

  test('it ends in the same state as the Pulumi deploy: every object with the fields synth wrote, the same Secrets', () => {
    const objects = loadManifestDir(dirname(dist), ['prod']).get('prod')!;
    expect(objects.length).toBe(39);
    const problems: string[] = [];
    for (const obj of objects) {
      for (const [cluster, kubeconfig] of [
        ['pulumi', PRIMARY],
        ['kubectl', LANE.otherKubeconfig],
      ] as const) {
        const live = getLive(obj, kubeconfig);
        if (live.status !== 0) problems.push(`${cluster}: ${obj.kind}/${obj.metadata.name} is missing`);
        else problems.push(...compareToLive(obj, JSON.parse(live.stdout)).map((p) => `${cluster}: ${p}`));
      }
    }
    expect(problems).toEqual([]);
    for (const name of Object.keys(CANARIES)) expect(secretData(name, LANE.otherKubeconfig)).toEqual(secretData(name));
    const inventory = (kubeconfig: string) =>
      kubectlJson<{ items: any[] }>(
        [
          'get',
          'deployments,statefulsets,cronjobs,jobs,services,configmaps,secrets,sealedsecrets,networkpolicies,pdb,hpa,pvc,serviceaccounts',
          '-n',
          NS,
        ],
        kubeconfig,
      )
        .items.map((i) => `${i.kind}/${i.metadata.name}`)
        .sort();
    expect(inventory(LANE.otherKubeconfig)).toEqual(inventory(PRIMARY));
  });

  test('kubectl apply -k dist/prod, the kustomization synth wrote, applies the same objects and changes nothing', () => {
    const gens = generations(LANE.otherKubeconfig);
    const applied = ok(kubectl(['apply', '--server-side', '-k', dist], LANE.otherKubeconfig))
      .stdout.trim()
      .split('\n');
    expect(applied.length).toBe(39);
    expect(generations(LANE.otherKubeconfig)).toEqual(gens);
  });
});

describe('5. no plaintext value anywhere, and destroy', () => {
  test('the sealed files, dist/, the Pulumi state, the logs and the stack outputs hold no canary', () => {
    const sealedDir = join(ws, 'environments', 'sealed', 'prod');
    const haystacks: [string, string][] = [
      ...readdirSync(sealedDir).map((f): [string, string] => [`sealed ${f}`, readFileSync(join(sealedDir, f), 'utf8')]),
      ...readdirSync(join(LANE.dir, 'gitops-dist', 'prod')).map((f): [string, string] => [
        `dist ${f}`,
        readFileSync(join(LANE.dir, 'gitops-dist', 'prod', f), 'utf8'),
      ]),
      ...stateFiles().map((f): [string, string] => [f, readFileSync(f, 'utf8')]),
      ['lane log', laneLog()],
      ['controller logs', ['local', 'other'].map((c) => readFileSync(join(LANE.dir, `sealed-secrets-${c}.log`), 'utf8')).join('\n')],
      ['prod outputs, secrets shown', ok(pulumi('prod', ['stack', 'output', '--json', '--show-secrets'])).stdout],
      ['stack file', readFileSync(stackConfigFile('prod'), 'utf8')],
      ['history of environments/', git(ws, 'log', '-p', '--', 'environments')],
    ];
    expect(haystacks.length).toBeGreaterThan(20);
    const found = haystacks.flatMap(([where, text]) =>
      canaryValues()
        .filter((v) => text.includes(v))
        .map((v) => `${where}: ${v}`),
    );
    expect(found).toEqual([]);
  });

  test('npm run destroy -- --env prod removes the SealedSecrets, and the Secrets the controller made go with them', async () => {
    ok(tasknote(ws, ['destroy', '--env', 'prod', '--stack-config', stackConfigFile('prod')]));
    expect(JSON.parse(ok(pulumi('prod', ['stack', 'export'])).stdout).deployment.resources ?? []).toEqual([]);
    await until('the unsealed Secrets to be gone', () => {
      const left = kubectl(['get', 'secrets', '-n', NS, '-o', 'name']);
      return left.status !== 0 || !left.stdout.includes('tasknote-') ? true : undefined;
    });
  });
});
