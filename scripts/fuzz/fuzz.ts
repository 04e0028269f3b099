/**
 * The fuzz lane's core, shared by run.ts (a local API process) and image.ts (the built image under its
 * dev manifest): seeds two users, runs schemathesis as them and as the admin, and gathers findings.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import sharp from 'sharp';
import { waitFor } from '../../services/test-support/fixtures';
import { reportRun } from '../ci/tally';

export interface Target {
  baseUrl: string;
  adminToken: string;
  /** The API's log so far, as text (JSON lines). */
  apiLog(): Promise<string>;
  stop(): Promise<void>;
}

export interface FuzzOptions {
  st: string;
  examples: number;
  seed: number;
  timeCapSeconds: number;
  /** Printed with the results: what was fuzzed. */
  label: string;
}

export const log = (message: string) => console.log(`fuzz: ${message}`);

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

/** A log entry's error: pino's serialized Error, or the plain message the worker logs. */
const errorText = (err: string | { message?: string } | undefined): string | undefined => (typeof err === 'string' ? err : err?.message);

/** Lines the API logged at error level or above, and every validation gap, with the request that caused them. */
function logFindings(apiLog: string): Finding[] {
  type Entry = {
    level?: number | string;
    msg?: string;
    reqId?: string;
    validationGap?: boolean;
    err?: string | { message?: string };
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
        operation: `service log (${request.slice(0, 300)})`,
        message: `${entry.msg ?? ''}${errorText(entry.err) ? `: ${errorText(entry.err)}` : ''}`,
      });
    }
  }
  return findings;
}

async function runSchemathesis(
  options: FuzzOptions,
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
    String(options.examples),
    '--seed',
    String(options.seed),
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
  const child = spawn(options.st, argv, {
    // Its example database and crash files go to the run's temporary directory, not the clone.
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      SCHEMATHESIS_HOOKS: 'tasknote_hooks',
      PYTHONPATH: __dirname,
      TASKNOTE_FUZZ_MARKERS: JSON.stringify(markers),
    },
  });
  indent(child.stdout, process.stdout);
  indent(child.stderr, process.stderr);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
  }, options.timeCapSeconds * 1000);
  // 'close', not 'exit': the indented output is passed on to its last line first.
  const code = await new Promise<number>((resolve) => child.once('close', (c, signal) => resolve(c ?? (signal ? 128 : 1))));
  clearTimeout(timer);
  return { code, timedOut };
}

/**
 * Passes schemathesis' output on, each line indented under the lane's own. Its closing banner
 * (`=== No issues found in 54s ===`) has the form of pytest's last line, which CI reads as a test
 * run that executed no test; indented, it is plainly part of the lane's log.
 */
function indent(from: Readable, to: NodeJS.WritableStream): void {
  createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => to.write(`  | ${line}\n`));
}

/** Fuzzes a running API; returns the process exit code (0 only when there is no finding). */
export async function fuzz(target: Target, options: FuzzOptions): Promise<number> {
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
    log(
      `${options.label}: examples per operation ${options.examples}, seed ${options.seed}, time cap ${options.timeCapSeconds} s; identities alice, bob (peers), admin`,
    );
    const result = await runSchemathesis(options, target, dir, markers);
    const requests = (await servedRequests(target)) - before;
    const findings = [...(await junitFindings(join(dir, 'report'))), ...logFindings(await target.apiLog())];
    const ok = !result.timedOut && result.code === 0 && findings.length === 0;
    console.log('');
    log(`${options.label}: requests sent: ${requests} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    log(`${options.label}: findings: ${findings.length}`);
    for (const [i, f] of findings.entries()) console.log(`\n[${i + 1}] ${f.operation}\n${f.message.replace(/^/gm, '    ')}`);
    if (result.timedOut) log(`FAILED: schemathesis did not finish within the ${options.timeCapSeconds} s cap`);
    else if (!ok) log(`FAILED: schemathesis exited ${result.code}, ${findings.length} findings`);
    else log(`${options.label}: passed: no 5xx, no schema break, no data of one user in a response to another`);
    // The lane's verdict as the plain line CI reads, and in .ci/run's tally.
    reportRun('fuzz', { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 });
    return ok ? 0 : 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
