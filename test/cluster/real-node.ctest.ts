// TaskNote on the real node of `npm run cluster:up` (tasknote-local): the pods really run. A user's
// path first (cluster:up's own stack settings file, `npm run deploy`, the primer's lab through
// `kubectl port-forward` and the Service), then faults, Pod Security at run time, the network
// guards, destroy, and a whole cluster:down / cluster:up / deploy cycle. The steps build on each
// other: after a failure the later ones say they did not run.
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { parse, stringify } from 'yaml';
import {
  LANE,
  commitAll,
  kubectl,
  kubectlJson,
  makeWorkspace,
  ok,
  podsOf,
  run,
  runAsync,
  tasknote,
  type Run,
} from '../../scripts/cluster/lane-workspace';
import { REPO_ROOT } from '../../core/repo-root';
import {
  CLUSTER_DIR,
  NODE_DIR,
  containerPid,
  ctr,
  http,
  nodeImage,
  portForward,
  processFacts,
  sequence,
  serviceAddress,
  sleep,
  steadyLoad,
  until,
  type LoadFigures,
} from './real-node-tools';

const NS = 'tasknote-dev';
const PROBES = 'lane-probes';
const STACK_FILE = join(CLUSTER_DIR, 'stack', 'Pulumi.dev.yaml');
const step = sequence();
let ws: string;
let adminToken: string;
let userHeaders: Record<string, string>;
let taskId: string;

/**
 * `npm run deploy|destroy -- --env dev --stack-config <cluster:up's file>` with nothing else: no
 * backend URL, passphrase or Docker host in the environment, and the toolchain's pulumi not on
 * PATH. The file and the deploy find them, as they do for a user.
 */
function userEnv(): NodeJS.ProcessEnv {
  const toolchainBin = join(process.env.HOME ?? '/root', '.cache', 'tasknote-toolchain', 'bin');
  return {
    PULUMI_BACKEND_URL: undefined,
    PULUMI_CONFIG_PASSPHRASE: undefined,
    DOCKER_HOST: undefined,
    PATH: (process.env.PATH ?? '')
      .split(':')
      .filter((p) => !p.startsWith(toolchainBin) || !existsSync(join(p, 'pulumi')))
      .join(':'),
  };
}
const stackCommand = (command: string, more: string[] = []): Run =>
  tasknote(ws, [command, '--env', 'dev', '--stack-config', STACK_FILE, ...more], userEnv());
/** The same, without blocking this process: a load it drives goes on while the deploy runs. */
const stackCommandAsync = (command: string): Promise<Run> =>
  runAsync(process.execPath, [join(ws, 'bin', 'tasknote.js'), command, '--env', 'dev', '--stack-config', STACK_FILE], ws, userEnv());

/** Sets environment fields in the stack settings file's `tasknote:overrides`, as a user edits it. */
function setOverrides(fields: Record<string, unknown>): void {
  const doc = parse(readFileSync(STACK_FILE, 'utf8')) as { config: Record<string, unknown> };
  doc.config['tasknote:overrides'] = { ...(doc.config['tasknote:overrides'] as object), ...fields };
  writeFileSync(STACK_FILE, stringify(doc));
}

function container(pod: any, name: string): any {
  return pod.status.containerStatuses.find((c: any) => c.name === name);
}

const apiPods = () => podsOf(NS, 'app.kubernetes.io/component=api');
const readyEndpoints = (service: string): number =>
  kubectlJson<{ items: any[] }>(['get', 'endpointslices', '-n', NS, '-l', `kubernetes.io/service-name=${service}`]).items.flatMap((s) =>
    (s.endpoints ?? []).filter((e: any) => e.conditions?.ready === true),
  ).length;

/** A pod of the probe image in the probes namespace, waited for; its name. */
function probePod(name: string, image = nodeImage('NODE_IMAGE_BUSYBOX')): string {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: PROBES, labels: { 'tasknote.dev/probe': name } },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'probe',
          image,
          command: ['sleep', '3600'],
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
        },
      ],
    },
  };
  ok(kubectl(['apply', '-f', '-'], LANE.kubeconfig, JSON.stringify(pod)));
  ok(kubectl(['wait', '-n', PROBES, '--for=condition=Ready', `pod/${name}`, '--timeout=120s']));
  return name;
}
const inProbe = (pod: string, command: string[]): Run => kubectl(['exec', '-n', PROBES, pod, '--', ...command]);
/** Whether a TCP connection from the probe pod opens within `seconds` (busybox nc has no -z: stdin is empty instead). */
const connects = (pod: string, host: string, port: number, seconds = 3): boolean =>
  inProbe(pod, ['sh', '-c', `nc -w ${seconds} ${host} ${port} </dev/null`]).status === 0;

function printLoad(what: string, f: LoadFigures): void {
  console.log(
    `${what}: ${f.sent} requests sent, ${f.failed} failed, p99 ${f.p99Ms} ms${f.failed ? `; why: ${JSON.stringify(f.reasons)}` : ''}`,
  );
}

/** Runs `during` under a steady load through the api Service's ClusterIP, from the host (kube-proxy). */
async function underLoad(what: string, during: () => Promise<void> | void): Promise<LoadFigures> {
  const { host, port } = serviceAddress(NS, 'tasknote-api');
  const load = steadyLoad(host, port, '/healthz');
  let failure: unknown;
  try {
    await sleep(2000);
    await during();
    await sleep(3000);
  } catch (err) {
    failure = err;
  }
  const figures = await load.stop();
  printLoad(what, figures);
  if (failure !== undefined) throw failure;
  return figures;
}

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = userHeaders) {
  const fwd = await portForward(NS, 'svc/tasknote-api', 80);
  try {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const type = Buffer.isBuffer(body) ? 'image/png' : 'application/json';
    const r = await http(
      '127.0.0.1',
      fwd.port,
      method,
      path,
      payload === undefined ? headers : { ...headers, 'content-type': type },
      payload,
      15_000,
    );
    return {
      status: r.status,
      headers: r.headers,
      json: r.body.length > 0 && String(r.headers['content-type']).includes('json') ? JSON.parse(r.body.toString()) : undefined,
    };
  } finally {
    fwd.stop();
  }
}

const psql = (sql: string): string => {
  const pod = podsOf(NS, 'app.kubernetes.io/component=database')[0].metadata.name;
  return ok(
    kubectl(['exec', '-n', NS, pod, '-c', 'postgres', '--', 'psql', '-U', 'tasknote', '-d', 'tasknote', '-Atc', sql]),
  ).stdout.trim();
};

/** Containers the node's containerd still runs for pods of a namespace (its CRI labels say which). */
function runningContainersOf(namespace: string): string[] {
  const running = new Set(
    ctr(['tasks', 'ls'])
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[2] === 'RUNNING')
      .map((f) => f[0]!),
  );
  return [...running].filter((id) => {
    const labels = (JSON.parse(ctr(['containers', 'info', id])) as { Labels?: Record<string, string> }).Labels ?? {};
    return labels['io.kubernetes.pod.namespace'] === namespace;
  });
}

/** The PersistentVolume behind PostgreSQL's data claim, found through its pod. */
function databaseVolume(): { claim: string; volume: string } {
  const db = podsOf(NS, 'app.kubernetes.io/component=database')[0];
  const claim = db.spec.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName as string;
  return { claim, volume: kubectlJson(['get', 'pvc', claim, '-n', NS]).spec.volumeName as string };
}

const widths = () =>
  kubectlJson(['get', 'configmap', 'tasknote-worker-config', '-n', NS]).data.THUMBNAIL_SIZES.split(',').map(Number) as number[];

/** A large PNG of noise (3.9 MB), slow to decode and resize. */
const noisyPng = () =>
  sharp({ create: { width: 1400, height: 1000, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .png()
    .toBuffer();

async function uploadImage(task: string, color: string): Promise<string> {
  const png = await sharp({ create: { width: 800, height: 600, channels: 3, background: color } })
    .png()
    .toBuffer();
  const r = await api('POST', `/tasks/${task}/attachments`, png);
  expect(r.status).toBe(201);
  return r.json.id as string;
}

async function thumbnailsReady(task: string, count: number, ms = 180_000): Promise<void> {
  await until(
    `${count} attachments of task ${task} with every thumbnail`,
    ms,
    async () => {
      const list = await api('GET', `/tasks/${task}/attachments`);
      const items = list.json?.items ?? [];
      return items.length === count && items.every((i: any) => i.thumbnailStatus === 'ready' && i.thumbnails.length === widths().length)
        ? true
        : undefined;
    },
    2000,
  );
}

/** The SMTP sink dev's mail goes to (mailpit.mailpit.svc.cluster.local:1025), with its messages on 8025. */
function smtpSink(): void {
  const labels = { 'app.kubernetes.io/name': 'mailpit' };
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mailpit', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'mailpit', namespace: 'mailpit' },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'sink',
                image: nodeImage('NODE_IMAGE_SMTP_SINK'),
                ports: [{ containerPort: 1025 }, { containerPort: 8025 }],
                readinessProbe: { tcpSocket: { port: 1025 }, periodSeconds: 2 },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'mailpit', namespace: 'mailpit' },
      spec: {
        selector: labels,
        ports: [
          { name: 'smtp', port: 1025 },
          { name: 'http', port: 8025 },
        ],
      },
    },
  ];
  ok(kubectl(['apply', '-f', '-'], LANE.kubeconfig, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects })));
  ok(kubectl(['rollout', 'status', '-n', 'mailpit', 'deployment/mailpit', '--timeout=120s']));
}

beforeAll(() => {
  ws = makeWorkspace('real-node');
  // A namespace another test file destroyed may still be terminating: the first deploy needs it gone.
  for (const ns of [NS, PROBES]) kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=true', '--timeout=180s']);
  const probes = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: PROBES, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
  };
  ok(kubectl(['apply', '-f', '-'], LANE.kubeconfig, JSON.stringify(probes)));
  smtpSink();
});

describe('the cluster cluster:up made', () => {
  step('one real node runs containerd, and CoreDNS runs as the kube-dns pod', () => {
    const nodes = kubectlJson<{ items: any[] }>(['get', 'nodes']).items;
    const real = nodes.filter((n) => n.metadata.annotations?.['kwok.x-k8s.io/node'] !== 'fake');
    expect(real.map((n) => n.status.nodeInfo.containerRuntimeVersion)).toEqual([expect.stringMatching(/^containerd:\/\/1\.6\./)]);
    expect(real[0].status.nodeInfo.kubeletVersion).toBe(process.env.KUBERNETES_VERSION ?? 'v1.34.4');
    const dns = podsOf('kube-system', 'k8s-app=kube-dns');
    expect(dns.length).toBe(1);
    expect(container(dns[0], 'coredns').ready).toBe(true);
    expect(existsSync(STACK_FILE)).toBe(true);
  });

  step('a pod resolves cluster names, reaches the API server through the kubernetes Service, and resolves nothing outside', () => {
    const pod = probePod('dns-probe');
    const inside = inProbe(pod, ['nslookup', 'kubernetes.default.svc.cluster.local.']);
    expect(inside.stdout).toContain('10.0.0.1');
    expect(connects(pod, '10.0.0.1', 443, 3)).toBe(true);
    // CoreDNS forwards nowhere: a name outside the cluster gets no address.
    const outside = inProbe(pod, ['nslookup', 'registry.npmjs.org.']);
    expect(outside.status).not.toBe(0);
    expect(`${outside.stdout}${outside.stderr}`).toMatch(/can't find|SERVFAIL|NXDOMAIN/);
  });
});

describe('a user deploys dev with the stack settings file cluster:up wrote', () => {
  let deployRun: Run;
  step('npm run deploy returns once everything is Ready for real', () => {
    deployRun = stackCommand('deploy');
    ok(deployRun);
    console.log(`first dev deploy on the real node: ${deployRun.ms} ms`);
    const pods = kubectlJson<{ items: any[] }>(['get', 'pods', '-n', NS]).items;
    const problems: string[] = [];
    for (const pod of pods) {
      const job = pod.metadata.ownerReferences?.some((o: any) => o.kind === 'Job');
      for (const c of pod.status.containerStatuses ?? []) {
        if (job && c.state.terminated) {
          if (c.state.terminated.exitCode !== 0) problems.push(`${pod.metadata.name}/${c.name}: exited ${c.state.terminated.exitCode}`);
          continue;
        }
        if (!c.state.running) problems.push(`${pod.metadata.name}/${c.name}: not running (${JSON.stringify(c.state)})`);
        if (!String(c.containerID).startsWith('containerd://')) problems.push(`${pod.metadata.name}/${c.name}: no containerd id`);
        if (c.restartCount !== 0) problems.push(`${pod.metadata.name}/${c.name}: ${c.restartCount} restarts`);
      }
    }
    expect(problems).toEqual([]);
    expect(podsOf(NS, 'app.kubernetes.io/component=worker').length).toBe(1);
    expect(podsOf(NS, 'app.kubernetes.io/component=cache').length).toBe(1);
  });

  step("the migration Job's pod ran and exited 0, and the schema is in PostgreSQL", () => {
    const pod = podsOf(NS, 'job-name=tasknote-migrate')[0];
    expect(pod.status.phase).toBe('Succeeded');
    expect(container(pod, pod.spec.containers[0].name).state.terminated.exitCode).toBe(0);
    const tables = psql("select string_agg(tablename, ',' order by tablename) from pg_tables where schemaname = 'public'").split(',');
    expect(tables).toEqual(expect.arrayContaining(['attachments', 'jobs', 'tasks', 'thumbnails', 'users']));
  });
});

describe('it serves, as the lab reaches it: kubectl port-forward svc/tasknote-api', () => {
  step('/healthz answers 200', async () => {
    const fwd = await portForward(NS, 'svc/tasknote-api', 80);
    try {
      const r = await http('127.0.0.1', fwd.port, 'GET', '/healthz');
      expect(r.status).toBe(200);
    } finally {
      fwd.stop();
    }
  });

  step('the admin makes a user and its token; the user creates tasks and lists them', async () => {
    const secret = kubectlJson(['get', 'secret', 'tasknote-admin', '-n', NS]);
    adminToken = Buffer.from(secret.data.token, 'base64').toString();
    const admin = { authorization: `Bearer ${adminToken}` };
    const user = await api('POST', '/admin/users', { email: 'lab@example.test', name: 'Lab User' }, admin);
    expect(user.status).toBe(201);
    const token = await api('POST', `/admin/users/${user.json.id}/tokens`, { label: 'real-node' }, admin);
    expect(token.status).toBe(201);
    userHeaders = { authorization: `Bearer ${token.json.token}` };
    const today = new Date().toISOString().slice(0, 10);
    for (const title of ['Water the plants', 'Call the plumber']) {
      const created = await api('POST', '/tasks', { title, dueDate: today });
      expect(created.status).toBe(201);
      taskId ??= created.json.id;
    }
    const list = await api('GET', '/tasks');
    expect(list.status).toBe(200);
    expect(list.json.items.map((t: any) => t.title).sort()).toEqual(['Call the plumber', 'Water the plants']);
  });

  step('an uploaded image gets its thumbnails, made by the worker pod', async () => {
    await uploadImage(taskId, '#3070c0');
    await thumbnailsReady(taskId, 1);
  });

  step("the daily summary, run on demand, mails through the cluster's SMTP sink", async () => {
    ok(kubectl(['create', 'job', '-n', NS, '--from=cronjob/tasknote-daily-summary', 'lab-summary']));
    ok(kubectl(['wait', '-n', NS, '--for=condition=Complete', 'job/lab-summary', '--timeout=180s']));
    const fwd = await portForward('mailpit', 'svc/mailpit', 8025);
    try {
      const messages = JSON.parse((await http('127.0.0.1', fwd.port, 'GET', '/messages')).body.toString()) as { to: string[] }[];
      expect(messages.flatMap((m) => m.to)).toContain('lab@example.test');
    } finally {
      fwd.stop();
    }
  });

  step("every pod's process runs as the UID its manifest declares, on a read-only root", () => {
    const seen: string[] = [];
    for (const pod of kubectlJson<{ items: any[] }>(['get', 'pods', '-n', NS]).items) {
      if (pod.status.phase !== 'Running') continue;
      for (const c of pod.spec.containers) {
        const declared = c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
        const facts = processFacts(containerPid(NS, pod.metadata.name, c.name));
        expect({ container: `${pod.metadata.name}/${c.name}`, ...facts }).toEqual({
          container: `${pod.metadata.name}/${c.name}`,
          uid: declared,
          readOnlyRoot: true,
        });
        seen.push(c.name);
      }
    }
    expect(new Set(seen)).toEqual(new Set(['api', 'worker', 'postgres', 'redis']));
  });
});

describe("the primer's lab", () => {
  step('scale the api to 6 replicas and back: every replica becomes Ready and the endpoints follow', async () => {
    ok(kubectl(['scale', '-n', NS, 'deployment/tasknote-api', '--replicas=6']));
    ok(kubectl(['rollout', 'status', '-n', NS, 'deployment/tasknote-api', '--timeout=300s']));
    await until('6 ready endpoints', 60_000, () => (readyEndpoints('tasknote-api') === 6 ? true : undefined));
    ok(kubectl(['scale', '-n', NS, 'deployment/tasknote-api', '--replicas=1']));
    await until('1 ready endpoint', 120_000, () => (readyEndpoints('tasknote-api') === 1 && apiPods().length === 1 ? true : undefined));
  });

  let before: string;
  let updated: string;
  step('a rolling update to a new api image, under a steady load through the Service: 0 failed requests', async () => {
    before = apiPods()[0].status.containerStatuses[0].imageID;
    const main = join(ws, 'services', 'api', 'src', 'main.ts');
    writeFileSync(main, `${readFileSync(main, 'utf8')}// lane: a code change, so the next build is a new image\n`);
    commitAll(ws, 'lane: api code change');
    const figures = await underLoad('rolling update', async () => {
      ok(await stackCommandAsync('deploy'));
    });
    updated = apiPods()[0].status.containerStatuses[0].imageID;
    expect(updated).not.toBe(before);
    expect(figures.sent).toBeGreaterThan(50);
    expect(figures.failed).toBe(0);
  });

  step('a rollback by deploying the earlier build: 0 failed requests', async () => {
    ok(run('git', ['revert', '--no-edit', 'HEAD'], ws));
    const figures = await underLoad('rollback', async () => {
      ok(await stackCommandAsync('deploy'));
    });
    const now = apiPods()[0].status.containerStatuses[0].imageID;
    expect(now).not.toBe(updated);
    console.log(`rollback: the api runs ${now === before ? 'the very digest of the first build' : 'a rebuild of the earlier source'}`);
    expect(figures.failed).toBe(0);
  });
});

describe('faults, with nothing lost (load through the Service)', () => {
  step('two api replicas, set through the stack settings file', () => {
    setOverrides({ 'api.replicas': 2 });
    ok(stackCommand('deploy'));
    expect(apiPods().length).toBe(2);
  });

  step('an api pod deleted (a graceful stop) under load: 0 failed requests', async () => {
    const victim = apiPods()[0].metadata.name;
    const figures = await underLoad('graceful pod delete', async () => {
      ok(kubectl(['delete', 'pod', '-n', NS, victim, '--wait=false']));
      await until('the pod gone and two ready api endpoints again', 120_000, () =>
        readyEndpoints('tasknote-api') === 2 &&
        !apiPods().some((p) => p.metadata.name === victim) &&
        kubectl(['get', 'pod', '-n', NS, victim]).status !== 0
          ? true
          : undefined,
      );
    });
    expect(figures.failed).toBe(0);
  });

  step('SIGKILL of an api container: it restarts in place; each failed request was a connection to the dead process', async () => {
    const pod = apiPods()[0];
    const restarts = container(pod, 'api').restartCount as number;
    const figures = await underLoad('SIGKILL of an api container', async () => {
      process.kill(containerPid(NS, pod.metadata.name, 'api'), 'SIGKILL');
      await until('the api container restarted and ready', 120_000, () => {
        const now = kubectlJson(['get', 'pod', pod.metadata.name, '-n', NS]);
        return container(now, 'api').restartCount === restarts + 1 && container(now, 'api').ready ? true : undefined;
      });
    });
    // Until the endpoints drop the pod, kube-proxy still sends new connections to it: refused (nothing
    // listens), reset (in flight when it died) or timed out. Never an HTTP error from a live api.
    expect(
      Object.keys(figures.reasons).filter((r) => !['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'socket hang up', 'EPIPE'].includes(r)),
    ).toEqual([]);
    expect(figures.failed).toBeLessThan(figures.sent);
    expect(apiPods().map((p) => p.metadata.name)).toContain(pod.metadata.name);
  });

  step("kill -9 of the worker's process mid-batch: every job completes exactly once", async () => {
    const task = (await api('POST', '/tasks', { title: 'A batch of photos' })).json.id as string;
    // Forty large, noisy images: the worker takes seconds over the batch, long enough to kill it in the middle.
    const colors = Array.from({ length: 40 }, (_, i) => `#${(0x102030 + i * 0x030507).toString(16).padStart(6, '0')}`);
    // The whole batch queued before the worker takes the first job: uploads go one at a time.
    ok(kubectl(['scale', '-n', NS, 'deployment/tasknote-worker', '--replicas=0']));
    await until('no worker pod', 120_000, () => (podsOf(NS, 'app.kubernetes.io/component=worker').length === 0 ? true : undefined));
    const fwd = await portForward(NS, 'svc/tasknote-api', 80);
    try {
      const png = await noisyPng();
      for (let i = 0; i < colors.length; i++) {
        const r = await http(
          '127.0.0.1',
          fwd.port,
          'POST',
          `/tasks/${task}/attachments`,
          { ...userHeaders, 'content-type': 'image/png' },
          png,
          30_000,
        );
        expect(r.status).toBe(201);
      }
    } finally {
      fwd.stop();
    }
    ok(kubectl(['scale', '-n', NS, 'deployment/tasknote-worker', '--replicas=1']));
    await until('a worker pod', 120_000, () =>
      podsOf(NS, 'app.kubernetes.io/component=worker').find((p) => container(p, 'worker')?.state?.running),
    );
    const worker = podsOf(NS, 'app.kubernetes.io/component=worker')[0];
    const ids = `select id from attachments where task_id = '${task}'`;
    const batch = `from jobs where payload->>'attachmentId' in (select id::text from attachments where task_id = '${task}')`;
    // Mid-batch: a job of the batch is running, and not all of them are done yet.
    await until(
      'a job of the batch running',
      60_000,
      () => {
        const [running, done] = psql(
          `select count(*) filter (where status = 'running') || ',' || count(*) filter (where status = 'done') ${batch}`,
        )
          .split(',')
          .map(Number);
        if (done === colors.length) throw new Error('the worker finished the whole batch before it could be killed mid-batch');
        return running! > 0 ? true : undefined;
      },
      100,
    );
    process.kill(containerPid(NS, worker.metadata.name, 'worker'), 'SIGKILL');
    await thumbnailsReady(task, colors.length, 300_000);
    expect(psql(`select count(*) from thumbnails where attachment_id in (${ids})`)).toBe(String(colors.length * widths().length));
    // Each job done once: one row per attachment, done; the one running when the worker died ran again.
    expect(psql(`select status || ':' || count(*) ${batch} group by status`)).toBe(`done:${colors.length}`);
    expect(Number(psql(`select max(attempts) ${batch}`))).toBeGreaterThanOrEqual(2);
    expect(container(kubectlJson(['get', 'pod', worker.metadata.name, '-n', NS]), 'worker').restartCount).toBe(1);
  });

  step(
    "SIGKILL of PostgreSQL's postmaster: back on the same volume, every acknowledged write kept; meanwhile the api says 503",
    async () => {
      const acknowledged: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await api('POST', '/tasks', { title: `acknowledged ${i}` });
        expect(r.status).toBe(201);
        acknowledged.push(r.json.id);
      }
      const db = podsOf(NS, 'app.kubernetes.io/component=database')[0];
      const claim = db.spec.volumes.find((v: any) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName;
      const volume = kubectlJson(['get', 'pvc', claim, '-n', NS]).spec.volumeName;
      const restarts = container(db, 'postgres').restartCount as number;
      const apiPod = apiPods()[0].metadata.name;
      const direct = await portForward(NS, `pod/${apiPod}`, 8080);
      const { host, port } = serviceAddress(NS, 'tasknote-api');
      const seen = { podSaid503WithRetryAfter: false, serviceRefused: false, endpointsEmpty: false };
      try {
        // The postmaster is killed each time kubelet brings it back, until the api pods' readiness
        // (period 10 s, 3 failures) has taken them out of the endpoints: a database that keeps dying.
        const deadline = Date.now() + 150_000;
        while (Date.now() < deadline && !(seen.endpointsEmpty && seen.serviceRefused && seen.podSaid503WithRetryAfter)) {
          try {
            process.kill(containerPid(NS, db.metadata.name, 'postgres'), 'SIGKILL');
          } catch {
            // between two starts: nothing to kill this round
          }
          const r = await http('127.0.0.1', direct.port, 'GET', '/tasks', userHeaders).catch(() => undefined);
          if (r?.status === 503 && r.headers['retry-after'] !== undefined) seen.podSaid503WithRetryAfter = true;
          if (readyEndpoints('tasknote-api') === 0) seen.endpointsEmpty = true;
          if (seen.endpointsEmpty) {
            const e = await http(host, port, 'GET', '/healthz', {}, undefined, 3000).then(
              () => undefined,
              (err) => (err as { code?: string }).code,
            );
            if (e === 'ECONNREFUSED') seen.serviceRefused = true;
          }
          await sleep(1000);
        }
      } finally {
        direct.stop();
      }
      // With no ready endpoint, kube-proxy rejects a new connection to the ClusterIP: the client is refused at once.
      expect(seen).toEqual({ podSaid503WithRetryAfter: true, serviceRefused: true, endpointsEmpty: true });
      await until(
        'PostgreSQL and the api ready again',
        300_000,
        () =>
          container(podsOf(NS, 'app.kubernetes.io/component=database')[0], 'postgres').ready && readyEndpoints('tasknote-api') === 2
            ? true
            : undefined,
        2000,
      );
      const after = podsOf(NS, 'app.kubernetes.io/component=database')[0];
      expect(after.metadata.name).toBe(db.metadata.name);
      expect(container(after, 'postgres').restartCount).toBeGreaterThan(restarts);
      expect(kubectlJson(['get', 'pvc', claim, '-n', NS]).spec.volumeName).toBe(volume);
      const ids = new Set(((await api('GET', '/tasks?limit=100')).json.items as { id: string }[]).map((t) => t.id));
      expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
    },
  );

  step('the Redis pod deleted: the api keeps answering from PostgreSQL', async () => {
    const redis = podsOf(NS, 'app.kubernetes.io/component=cache')[0].metadata.name;
    ok(kubectl(['delete', 'pod', '-n', NS, redis, '--wait=false']));
    const answers: number[] = [];
    for (let i = 0; i < 5; i++) answers.push((await api('GET', '/tasks')).status);
    expect(answers).toEqual([200, 200, 200, 200, 200]);
    ok(kubectl(['rollout', 'status', '-n', NS, 'deployment/tasknote-redis', '--timeout=120s']));
  });
});

describe('Pod Security at run time', () => {
  step('an image whose user is root, under runAsNonRoot without a runAsUser, is refused by the kubelet', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'root-image', namespace: NS },
      spec: {
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'c',
            image: nodeImage('NODE_IMAGE_ROOT_TEST'),
            command: ['sleep', '60'],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          },
        ],
      },
    };
    ok(kubectl(['apply', '-f', '-'], LANE.kubeconfig, JSON.stringify(pod)));
    const waiting = await until('the kubelet refusing the container', 120_000, () => {
      const w = container(kubectlJson(['get', 'pod', 'root-image', '-n', NS]), 'c')?.state?.waiting;
      return w?.reason === 'CreateContainerConfigError' ? w : undefined;
    });
    expect(waiting.message).toMatch(/runAsNonRoot and image will run as root/);
    ok(kubectl(['delete', 'pod', 'root-image', '-n', NS, '--wait=false']));
  });

  step('the API server refuses a privileged pod', () => {
    const bad = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'privileged', namespace: NS },
      spec: { containers: [{ name: 'c', image: nodeImage('NODE_IMAGE_BUSYBOX'), securityContext: { privileged: true } }] },
    };
    const r = kubectl(['apply', '-f', '-'], LANE.kubeconfig, JSON.stringify(bad));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/violates PodSecurity "restricted:v?[\d.a-z]+": privileged/);
  });
});

describe('network safety', () => {
  const iptables = (args: string[]) => ok(run('iptables', args, CLUSTER_DIR)).stdout;
  step('the guards come first in their chains', () => {
    expect(iptables(['-t', 'mangle', '-S', 'FORWARD']).split('\n')[1]).toBe('-A FORWARD -j TASKNOTE-GUARD-FWD');
    expect(iptables(['-t', 'mangle', '-S', 'POSTROUTING']).split('\n')[1]).toBe('-A POSTROUTING -j TASKNOTE-GUARD-POST');
    expect(iptables(['-S', 'OUTPUT'])).toContain('-A OUTPUT -j TASKNOTE-GUARD-HOST');
    // kube-proxy's own jumps are in the filter table, after the mangle table's guard has run.
    expect(iptables(['-S', 'FORWARD'])).toContain('KUBE-FORWARD');
  });

  step("a pod's packet to an address off the bridge is dropped by the guard and never arrives, even where policy allows it", () => {
    // A local sink: a namespace of our own behind a veth, with routes to two addresses. If the
    // guard let a packet through, it would land here, never on eth0.
    const sh = (cmd: string) => ok(run('sh', ['-c', cmd], CLUSTER_DIR)).stdout.trim();
    sh(
      'ip netns add tnsink && ip link add tnprobe0 type veth peer name tnsink0 && ip link set tnsink0 netns tnsink && ' +
        'ip netns exec tnsink sysctl -qw net.ipv6.conf.all.disable_ipv6=1 && ' +
        'ip -n tnsink addr add 198.51.100.7/32 dev tnsink0 && ip -n tnsink addr add 10.99.0.7/32 dev tnsink0 && ' +
        'ip -n tnsink link set tnsink0 up && sysctl -qw net.ipv6.conf.tnprobe0.disable_ipv6=1 && ip link set tnprobe0 up && ' +
        // What reaches the sink on the probe's port is counted by a rule of its own.
        'ip netns exec tnsink iptables -A INPUT -p tcp --dport 1025 -j ACCEPT && ' +
        'ip route add 198.51.100.7/32 dev tnprobe0 && ip route add 10.99.0.7/32 dev tnprobe0',
    );
    try {
      const pod = probePod('guard-probe');
      const drops = () =>
        Number(iptables(['-t', 'mangle', '-L', 'TASKNOTE-GUARD-FWD', '-v', '-n', '-x']).split('\n')[3]!.trim().split(/\s+/)[0]);
      const received = () => Number(sh("ip netns exec tnsink iptables -L INPUT -v -n -x | awk '/dpt:1025/ { print $1 }'"));
      // An open path first, so that a probe that cannot run at all is not read as blocked.
      expect(connects(pod, '10.0.0.1', 443, 3)).toBe(true);
      // 198.51.100.7 is a documentation address; 10.99.0.7 lies in dev's allowed SMTP egress, 10.0.0.0/8.
      for (const target of ['198.51.100.7', '10.99.0.7']) {
        const [dropped, got] = [drops(), received()];
        expect(connects(pod, target, 1025, 2)).toBe(false);
        expect({ target, counted: drops() > dropped, arrived: received() - got }).toEqual({ target, counted: true, arrived: 0 });
      }
    } finally {
      run('sh', ['-c', 'ip link del tnprobe0; ip netns del tnsink'], CLUSTER_DIR);
      kubectl(['delete', 'pod', 'guard-probe', '-n', PROBES, '--wait=false']);
    }
  });

  step('the host cannot reach a Service address that nothing has programmed', async () => {
    const e = await http('10.0.0.250', 80, 'GET', '/', {}, undefined, 3000).then(
      () => 'answered',
      (err) => (err as { code?: string }).code,
    );
    expect(e).toBe('ECONNREFUSED');
  });

  step('nothing the cluster started listens on 0.0.0.0 or ::', () => {
    const ours = new Set(readFileSync(join(CLUSTER_DIR, 'pids.txt'), 'utf8').split('\n').filter(Boolean));
    const wildcard = ok(run('ss', ['-Hltnup'], CLUSTER_DIR))
      .stdout.split('\n')
      .filter((l) => /\s(0\.0\.0\.0|\*|\[::\]):\d+\s/.test(l));
    const clusterOwned = wildcard.filter((l) => [...l.matchAll(/pid=(\d+)/g)].some((m) => ours.has(m[1]!)));
    expect(clusterOwned).toEqual([]);
  });
});

describe('destroy, and a second deploy', () => {
  let oldVolume: string;
  step('destroy leaves nothing running in the namespace; the retained volume keeps its data and is never bound again', () => {
    oldVolume = databaseVolume().volume;
    ok(stackCommand('destroy'));
    ok(kubectl(['wait', '--for=delete', `namespace/${NS}`, '--timeout=180s']));
    expect(runningContainersOf(NS)).toEqual([]);
    const pv = kubectlJson(['get', 'pv', oldVolume]);
    expect(pv.status.phase).toBe('Released');
    expect(readdirSync(pv.spec.hostPath.path)).toContain('pgdata');
  });

  step('a second deploy starts cleanly: a new password meets a new, empty volume', async () => {
    setOverrides({ 'api.replicas': 1 });
    ok(stackCommand('deploy'));
    expect(databaseVolume().volume).not.toBe(oldVolume);
    expect(podsOf(NS, 'job-name=tasknote-migrate')[0].status.phase).toBe('Succeeded');
    const fwd = await portForward(NS, 'svc/tasknote-api', 80);
    try {
      expect((await http('127.0.0.1', fwd.port, 'GET', '/healthz')).status).toBe(200);
    } finally {
      fwd.stop();
    }
  });
});

describe('cluster:down, cluster:up, deploy', () => {
  const lane = { TASKNOTE_CLUSTER_NAME: 'tasknote-local', TASKNOTE_CLUSTER_PORT: '16443' };
  step('cluster:down stops every process and leaves no bridge, chain, mount, shim or kubepods cgroup', () => {
    const pids = readFileSync(join(CLUSTER_DIR, 'pids.txt'), 'utf8').split('\n').filter(Boolean);
    ok(run('bash', [join(REPO_ROOT, 'scripts/cluster/local-down.sh')], REPO_ROOT, lane));
    expect(pids.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
    expect(run('ip', ['link', 'show', 'tnbr0'], REPO_ROOT).status).not.toBe(0);
    const rules = ok(run('sh', ['-c', 'iptables-save; iptables-save -t mangle'], REPO_ROOT)).stdout;
    expect(rules.split('\n').filter((l) => /TASKNOTE-GUARD|KUBE-/.test(l))).toEqual([]);
    expect(
      readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .filter((l) => l.includes(NODE_DIR)),
    ).toEqual([]);
    expect(ok(run('sh', ['-c', `pgrep -f '[c]ontainerd-shim.*${NODE_DIR}' || true`], REPO_ROOT)).stdout.trim()).toBe('');
    expect(readdirSync('/sys/fs/cgroup').filter((c) => existsSync(`/sys/fs/cgroup/${c}/kubepods`))).toEqual([]);
    expect(existsSync(CLUSTER_DIR)).toBe(false);
  });

  step('cluster:up again, and a deploy with its new stack settings file starts clean', () => {
    ok(run('bash', [join(REPO_ROOT, 'scripts/cluster/local-up.sh')], REPO_ROOT, lane));
    ok(stackCommand('deploy'));
    expect(podsOf(NS, 'job-name=tasknote-migrate')[0].status.phase).toBe('Succeeded');
    expect(apiPods().every((p) => container(p, 'api').ready)).toBe(true);
  });
});
