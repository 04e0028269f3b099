// Proves that the images and the dev manifests fit: each workload's image runs
// under exactly its manifest's user, read-only root, capabilities, limits,
// emptyDirs, env and command, against real PostgreSQL, Redis and SMTP, and
// keeps the manifest's promises (probes, exit codes, graceful SIGTERM).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import sharp from 'sharp';
import { SMTPServer } from 'smtp-server';
import { Pod, docker, type Upstream } from '../../scripts/containers/pod';
import { loadObjects, workload, type Workload } from '../../scripts/containers/workloads';

interface BuiltImage {
  repository: string;
  ref: string;
  digest: string;
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this test through scripts/containers/lane.sh (npm run test:images)`);
  return v;
}

const images = JSON.parse(readFileSync(required('TASKNOTE_IMAGES_RECORD'), 'utf8')) as BuiltImage[];
const registry = required('REGISTRY');
const objects = loadObjects(join(__dirname, '..', '..', 'dist', 'dev'));
const api = workload(objects, 'Deployment', 'tasknote-api');
const worker = workload(objects, 'Deployment', 'tasknote-worker');
const migrate = workload(objects, 'Job', 'tasknote-migrate');
const summary = workload(objects, 'CronJob', 'tasknote-daily-summary');

/** The image a workload runs, by the digest the registry reported. */
function imageOf(w: Workload): string {
  const built = images.find((i) => i.repository === w.repository);
  if (!built) throw new Error(`${w.kind}/${w.name} runs ${w.repository}, which the lane did not build`);
  return `${registry}/${built.repository}@${built.digest}`;
}

const dbPassword = randomBytes(18).toString('base64url');
const secrets: Record<string, string> = {
  'tasknote-database/password': dbPassword,
  'tasknote-admin/token': randomBytes(32).toString('base64url'),
  'tasknote-smtp/username': 'tasknote-mailer',
  'tasknote-smtp/password': randomBytes(18).toString('base64url'),
};

const mails: { to: string[]; user: string | undefined }[] = [];
let smtpPort = 0;
const smtp = new SMTPServer({
  allowInsecureAuth: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onAuth(auth, _session, callback) {
    const ok = auth.username === secrets['tasknote-smtp/username'] && auth.password === secrets['tasknote-smtp/password'];
    callback(ok ? null : new Error('invalid credentials'), ok ? { user: auth.username } : undefined);
  },
  onData(stream, session, callback) {
    stream.resume();
    stream.on('end', () => {
      mails.push({ to: session.envelope.rcptTo.map((r) => r.address), user: session.user as string | undefined });
      callback();
    });
  },
});

const stateDir = mkdtempSync('/tmp/tn-img-');
const pods: Pod[] = [];

/** Env of a workload: its ConfigMap verbatim, plus test values for its Secret keys. */
function envOf(w: Workload): Record<string, string> {
  const env = { ...w.configEnv };
  for (const [name, ref] of Object.entries(w.secretEnv)) {
    const value = secrets[ref];
    if (value === undefined) throw new Error(`${w.kind}/${w.name}: env ${name} reads Secret key ${ref}, which the test does not know`);
    env[name] = value;
  }
  return env;
}

/**
 * The manifest's <X>_HOST/<X>_PORT pairs, pointed at the test's servers. The
 * values themselves stay as the ConfigMap says; the pod resolves the host to
 * its own loopback, where the relay forwards the port to the real server.
 */
function upstreamsOf(w: Workload): Upstream[] {
  const targets: Record<string, number> = {
    DATABASE: Number(required('TASKNOTE_TEST_PG_PORT')),
    REDIS: Number(required('TASKNOTE_TEST_REDIS_PORT')),
    SMTP: smtpPort,
  };
  return Object.keys(w.configEnv)
    .filter((k) => k.endsWith('_HOST'))
    .map((k) => {
      const prefix = k.slice(0, -'_HOST'.length);
      const port = Number(w.configEnv[`${prefix}_PORT`]);
      const target = targets[prefix];
      if (target === undefined || !Number.isInteger(port)) {
        throw new Error(`${w.kind}/${w.name}: ${k} needs a test server and a ${prefix}_PORT; known: ${Object.keys(targets).join(', ')}`);
      }
      return { host: w.configEnv[k]!, port, targetPort: target };
    });
}

async function startPod(w: Workload, name: string): Promise<Pod> {
  const pod = await Pod.start({ name, image: imageOf(w), workload: w, env: envOf(w), upstreams: upstreamsOf(w), stateDir });
  pods.push(pod);
  return pod;
}

/** Runs a Job's pod to completion and returns its exit code and logs. */
async function runToCompletion(w: Workload, name: string, timeoutMs: number): Promise<{ exitCode: number; logs: string; oomKilled: boolean }> {
  const pod = await startPod(w, name);
  const exitCode = await pod.waitExit(timeoutMs);
  return { exitCode, logs: await pod.logs(), oomKilled: (await pod.state()).oomKilled };
}

beforeAll(async () => {
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(0, '127.0.0.1', () => resolve());
  });
  smtpPort = (smtp.server.address() as { port: number }).port;

  // What the cluster's PostgreSQL is set up with: the role and database of the ConfigMap.
  const admin = new Client({
    host: '127.0.0.1',
    port: Number(required('TASKNOTE_TEST_PG_PORT')),
    user: required('TASKNOTE_TEST_PG_USER'),
    password: required('TASKNOTE_TEST_PG_PASSWORD'),
    database: 'postgres',
  });
  await admin.connect();
  const { DATABASE_USER: user, DATABASE_NAME: db } = migrate.configEnv;
  await admin.query(`CREATE ROLE "${user}" LOGIN PASSWORD '${dbPassword}'`);
  await admin.query(`CREATE DATABASE "${db}" OWNER "${user}"`);
  await admin.end();
});

afterAll(async () => {
  await Promise.all(pods.map((p) => p.remove()));
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  rmSync(stateDir, { recursive: true, force: true });
});

describe.each([api, worker, migrate, summary])('$kind/$name image', (w) => {
  test('declares the numeric user and group the manifest runs it as', async () => {
    const user = await docker('image', 'inspect', '--format', '{{.Config.User}}', imageOf(w));
    expect(user).toBe(`${w.user}:${w.group}`);
    expect(w.user).toBeGreaterThan(0);
  });
});

describe('dev workloads under their manifests', () => {
  let apiPod: Pod;
  let workerPod: Pod;
  const adminHeaders = { authorization: `Bearer ${secrets['tasknote-admin/token']}`, 'content-type': 'application/json' };
  let userHeaders: Record<string, string>;

  test('the migrate Job exits 0', async () => {
    const r = await runToCompletion(migrate, 'tn-migrate', 120_000);
    expect({ exitCode: r.exitCode, oomKilled: r.oomKilled }).toEqual({ exitCode: 0, oomKilled: false });
  });

  test('the api answers its startup, readiness and liveness probes', async () => {
    apiPod = await startPod(api, 'tn-api');
    const bootMs = await apiPod.waitFor(api.startup!.port, api.startup!.path, 120_000);
    console.log(`api: startup probe answered after ${bootMs} ms`);
    for (const p of [api.readiness!, api.liveness!]) {
      expect((await apiPod.http(p.port, 'GET', p.path)).status).toBe(200);
    }
  });

  test('the api serves a user: task with an image attachment, due today', async () => {
    const port = api.readiness!.port;
    const user = await apiPod.http(port, 'POST', '/admin/users', adminHeaders, JSON.stringify({ email: 'ada@example.test', name: 'Ada' }));
    expect(user.status).toBe(201);
    const token = await apiPod.http(port, 'POST', `/admin/users/${JSON.parse(user.body).id}/tokens`, adminHeaders, JSON.stringify({ label: 'images-test' }));
    expect(token.status).toBe(201);
    userHeaders = { authorization: `Bearer ${JSON.parse(token.body).token}` };
    const today = new Date().toISOString().slice(0, 10);
    const task = await apiPod.http(port, 'POST', '/tasks', { ...userHeaders, 'content-type': 'application/json' }, JSON.stringify({ title: 'Water the plants', dueDate: today }));
    expect(task.status).toBe(201);
    const taskId = JSON.parse(task.body).id as string;
    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3070c0' } }).png().toBuffer();
    const attachment = await apiPod.http(port, 'POST', `/tasks/${taskId}/attachments`, { ...userHeaders, 'content-type': 'image/png' }, png);
    expect(attachment.status).toBe(201);
    userHeaders['x-task'] = taskId;
  });

  test('the worker answers its probes and completes the resize job', async () => {
    workerPod = await startPod(worker, 'tn-worker');
    await workerPod.waitFor(worker.startup!.port, worker.startup!.path, 120_000);
    for (const p of [worker.readiness!, worker.liveness!]) {
      expect((await workerPod.http(p.port, 'GET', p.path)).status).toBe(200);
    }
    const taskId = userHeaders['x-task']!;
    const widths = worker.configEnv.THUMBNAIL_SIZES!.split(',').map(Number);
    const started = Date.now();
    let thumbnails: { width: number }[] = [];
    while (Date.now() - started < 60_000 && thumbnails.length < widths.length) {
      const list = await apiPod.http(api.readiness!.port, 'GET', `/tasks/${taskId}/attachments`, userHeaders);
      thumbnails = JSON.parse(list.body).items[0].thumbnails;
      if (thumbnails.length < widths.length) await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`worker: thumbnails ${thumbnails.map((t) => t.width).join(',')} after ${Date.now() - started} ms`);
    expect(thumbnails.map((t) => t.width)).toEqual(widths);
  });

  test('the daily-summary CronJob exits 0 and mails through the authenticated relay', async () => {
    const r = await runToCompletion(summary, 'tn-summary', 120_000);
    expect({ exitCode: r.exitCode, oomKilled: r.oomKilled }).toEqual({ exitCode: 0, oomKilled: false });
    expect(mails).toEqual([{ to: ['ada@example.test'], user: secrets['tasknote-smtp/username'] }]);
  });

  test.each([
    ['api', () => apiPod, api],
    ['worker', () => workerPod, worker],
  ] as const)('SIGTERM stops the %s well within terminationGracePeriodSeconds', async (_name, pod, w) => {
    const r = await pod().terminate();
    console.log(
      `${w.name}: preStop ${r.preStopMs} ms, exit ${r.exitCode} ${r.totalMs} ms after the stop began ` +
        `(grace ${w.terminationGracePeriodSeconds} s, ratio ${(r.totalMs / (w.terminationGracePeriodSeconds * 1000)).toFixed(2)})`,
    );
    expect({ exitCode: r.exitCode, killed: r.killed }).toEqual({ exitCode: 0, killed: false });
    // "Well within": at most half the grace period, so a slower node still has room.
    expect(r.totalMs).toBeLessThan((w.terminationGracePeriodSeconds * 1000) / 2);
  });
});
