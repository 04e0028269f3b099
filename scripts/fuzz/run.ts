/**
 * The fuzz lane: schemathesis against a real TaskNote API, with real PostgreSQL and Redis.
 *
 *   npm run test:fuzz                       # starts PostgreSQL, Redis and the API (as `serve`) itself
 *   npx tsx scripts/fuzz/run.ts --base-url http://127.0.0.1:8080 --admin-token T   # an API already running
 *
 * It reads the OpenAPI document the API serves and runs every phase (examples, coverage, fuzzing,
 * stateful) as two users, alice and bob, and as the admin. It fails on any 5xx, on any response that
 * breaks its declared schema, status code or content type, when one user gets an object that belongs
 * to the other (schemathesis' object_level_authorization, stateful), when a response to one user
 * carries data seeded for the other (tasknote_hooks.py), and when the API logged a validation gap.
 *
 * Bounded: a fixed number of examples per operation, a fixed seed, and a time cap. Prints the number
 * of requests the API served and each finding.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ADMIN_TOKEN, createTestDatabase, spawnService, waitFor, type SpawnedService } from '../../services/test-support/fixtures';
import { startPostgres } from '../../services/test-support/postgres';
import { freePort, startRedis } from '../../services/test-support/servers';

const { values: args } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    'admin-token': { type: 'string' },
    /** A file the external API logs to (JSON lines), scanned for validation gaps and errors afterwards. */
    'api-log': { type: 'string' },
    examples: { type: 'string', default: '200' },
    seed: { type: 'string', default: '20261201' },
    'time-cap': { type: 'string', default: '480' },
    st: { type: 'string' },
  },
});
const examples = Number(args.examples);
const seed = Number(args.seed);
const timeCapSeconds = Number(args['time-cap']);
const log = (message: string) => console.log(`fuzz: ${message}`);

interface Target {
  baseUrl: string;
  adminToken: string;
  /** The API's log so far, as text (JSON lines). */
  apiLog(): Promise<string>;
  stop(): Promise<void>;
}

async function localTarget(): Promise<Target> {
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  process.env.TASKNOTE_TEST_PG_PORT = String(pg.port);
  process.env.TASKNOTE_TEST_PG_USER = pg.user;
  process.env.TASKNOTE_TEST_PG_PASSWORD = pg.password;
  process.env.TASKNOTE_TEST_REDIS_PORT = String(redis.port);
  const db = await createTestDatabase();
  const port = await freePort();
  const api: SpawnedService = spawnService('api', ['serve'], {
    ...db.env,
    PORT: String(port),
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(redis.port),
    ADMIN_TOKEN,
    LOG_LEVEL: 'info',
    SHUTDOWN_DRAIN_SECONDS: '0',
  });
  log(`API on 127.0.0.1:${port}, PostgreSQL on ${pg.port}, Redis on ${redis.port}`);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    adminToken: ADMIN_TOKEN,
    apiLog: async () => api.output(),
    async stop() {
      api.child.kill('SIGTERM');
      await api.exited;
      await db.drop();
      await redis.stop();
      await pg.stop();
    },
  };
}

function externalTarget(baseUrl: string, adminToken: string, logFile: string | undefined): Target {
  return {
    baseUrl: baseUrl.replace(/\/$/, ''),
    adminToken,
    apiLog: async () => (logFile === undefined ? '' : readFile(logFile, 'utf8').catch(() => '')),
    stop: async () => undefined,
  };
}

interface Seeded {
  token: string;
  markers: string[];
}

/** A user with a token, two tasks and an attachment, each carrying a marker unique to the user. */
async function seedUser(target: Target, name: string): Promise<Seeded> {
  const call = async (path: string, init: RequestInit, token: string) => {
    const res = await fetch(target.baseUrl + path, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });
    if (res.status >= 300) throw new Error(`seeding ${name}: ${init.method} ${path} answered ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, string>;
  };
  const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const marker = `FUZZ-${name}-${randomBytes(6).toString('hex')}`;
  const user = await call(
    '/admin/users',
    json({ email: `${name}-${randomBytes(3).toString('hex')}@fuzz.example`, name: marker }),
    target.adminToken,
  );
  const { token } = await call(`/admin/users/${user.id}/tokens`, json({ label: marker }), target.adminToken);
  const markers = [marker, user.id!, user.email!];
  for (let i = 0; i < 2; i++) {
    const task = await call(
      '/tasks',
      json({ title: `${marker} task ${i}`, notes: `${marker} notes`, dueDate: '2031-01-0' + (i + 1) }),
      token!,
    );
    markers.push(task.id!);
  }
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3a7' } })
    .png()
    .toBuffer();
  const attachment = await call(
    `/tasks/${markers[3]}/attachments`,
    { method: 'POST', headers: { 'content-type': 'image/png' }, body: png },
    token!,
  );
  markers.push(attachment.id!);
  return { token: token!, markers };
}

/** Requests the API served, from its own metrics (every route, every status). */
async function servedRequests(target: Target): Promise<number> {
  const text = await (await fetch(`${target.baseUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('tasknote_http_request_duration_seconds_count')) total += Number(line.split(' ').pop());
  }
  return total;
}

interface Finding {
  operation: string;
  message: string;
}

/** Findings from schemathesis' JUnit report: one per failed test case, with its first lines. */
async function junitFindings(dir: string): Promise<Finding[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.xml'));
  const findings: Finding[] = [];
  for (const file of files) {
    const xml = await readFile(join(dir, file), 'utf8');
    for (const m of xml.matchAll(/<testcase[^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)) {
      for (const f of m[2]!.matchAll(/<(failure|error)[^>]*?(?:message="([^"]*)")?[^>]*>([\s\S]*?)<\/\1>/g)) {
        const text = decodeXml(f[3] || f[2] || '').trim();
        findings.push({ operation: decodeXml(m[1]!), message: text.split('\n').slice(0, 12).join('\n') });
      }
    }
  }
  return findings;
}

const decodeXml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#10;/g, '\n')
    .replace(/&amp;/g, '&');

/** Lines the API logged at error level or above, and every validation gap, with the request that caused them. */
function logFindings(apiLog: string): Finding[] {
  type Entry = {
    level?: number | string;
    msg?: string;
    reqId?: string;
    validationGap?: boolean;
    err?: { message?: string };
    req?: { method?: string; url?: string };
  };
  const entries: Entry[] = [];
  for (const line of apiLog.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      entries.push(JSON.parse(line) as Entry);
    } catch {
      // Not a log line.
    }
  }
  const requests = new Map(
    entries.filter((e) => e.req?.url !== undefined && e.reqId).map((e) => [e.reqId!, `${e.req!.method} ${e.req!.url}`]),
  );
  const findings: Finding[] = [];
  for (const entry of entries) {
    const level =
      typeof entry.level === 'number' ? entry.level : (({ error: 50, fatal: 60 } as Record<string, number>)[String(entry.level)] ?? 0);
    if (entry.validationGap || level >= 50) {
      const request = entry.reqId ? (requests.get(entry.reqId) ?? `request ${entry.reqId}`) : 'no request';
      findings.push({
        operation: `API log (${request.slice(0, 300)})`,
        message: `${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`,
      });
    }
  }
  return findings;
}

async function runSchemathesis(
  st: string,
  target: Target,
  dir: string,
  markers: Record<string, Seeded>,
): Promise<{ code: number; timedOut: boolean }> {
  const auth = {
    schemaVersion: '0.1.0',
    auth: [
      ...Object.entries(markers).map(([name, s]) => ({ name, fixedHeaders: [{ name: 'Authorization', value: `Bearer ${s.token}` }] })),
      { name: 'admin', fixedHeaders: [{ name: 'Authorization', value: `Bearer ${target.adminToken}` }] },
    ],
  };
  await writeFile(join(dir, 'auth.json'), JSON.stringify(auth, null, 2));
  await writeFile(
    join(dir, 'schemathesis.toml'),
    `[auth.wfc]\npath = ${JSON.stringify(join(dir, 'auth.json'))}\npeers = ${JSON.stringify(Object.keys(markers))}\n`,
  );
  const checks = [
    'not_a_server_error',
    'status_code_conformance',
    'content_type_conformance',
    'response_schema_conformance',
    'object_level_authorization',
    'no_other_users_data',
  ];
  const argv = [
    '--config-file',
    join(dir, 'schemathesis.toml'),
    '--no-color',
    'run',
    `${target.baseUrl}/openapi.json`,
    '--url',
    target.baseUrl,
    '--phases',
    'examples,coverage,fuzzing,stateful',
    '--checks',
    checks.join(','),
    '--max-examples',
    String(examples),
    '--seed',
    String(seed),
    '--workers',
    '1',
    '--request-timeout',
    '10',
    '--generation-allow-x00',
    'true',
    '--suppress-health-check',
    'all',
    '--report',
    'junit',
    '--report-dir',
    join(dir, 'report'),
  ];
  log(`st ${argv.join(' ')}`);
  const child = spawn(st, argv, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      SCHEMATHESIS_HOOKS: 'tasknote_hooks',
      PYTHONPATH: __dirname,
      TASKNOTE_FUZZ_MARKERS: JSON.stringify(markers),
    },
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
  }, timeCapSeconds * 1000);
  const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1))));
  clearTimeout(timer);
  return { code, timedOut };
}

async function main(): Promise<number> {
  const st = args.st ?? process.env.TASKNOTE_FUZZ_ST;
  if (!st) throw new Error('no schemathesis: run through scripts/fuzz/lane.sh (npm run test:fuzz), or pass --st PATH');
  const target =
    args['base-url'] !== undefined
      ? externalTarget(args['base-url'], args['admin-token'] ?? ADMIN_TOKEN, args['api-log'])
      : await localTarget();
  const dir = await mkdtemp(join(tmpdir(), 'tasknote-fuzz-'));
  const started = Date.now();
  try {
    await waitFor(
      'the API to be ready',
      async () => {
        try {
          return (await fetch(`${target.baseUrl}/readyz`)).status === 200 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      60_000,
    );
    const markers = { alice: await seedUser(target, 'alice'), bob: await seedUser(target, 'bob') };
    const before = await servedRequests(target);
    log(`examples per operation: ${examples}, seed: ${seed}, time cap: ${timeCapSeconds} s; identities: alice, bob (peers), admin`);
    const result = await runSchemathesis(st, target, dir, markers);
    const requests = (await servedRequests(target)) - before;
    const findings = [...(await junitFindings(join(dir, 'report'))), ...logFindings(await target.apiLog())];
    console.log('');
    log(`requests sent: ${requests} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    log(`findings: ${findings.length}`);
    for (const [i, f] of findings.entries()) console.log(`\n[${i + 1}] ${f.operation}\n${f.message.replace(/^/gm, '    ')}`);
    if (result.timedOut) log(`FAILED: schemathesis did not finish within the ${timeCapSeconds} s cap`);
    else if (result.code !== 0 || findings.length > 0) log(`FAILED: schemathesis exited ${result.code}, ${findings.length} findings`);
    else log('passed: no 5xx, no schema break, no data of one user in a response to another');
    console.log(
      `fuzz: ${findings.length === 0 && result.code === 0 && !result.timedOut ? 1 : 0} passed, ${findings.length === 0 && result.code === 0 && !result.timedOut ? 0 : 1} failed`,
    );
    return result.timedOut || result.code !== 0 || findings.length > 0 ? 1 : 0;
  } finally {
    await target.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
