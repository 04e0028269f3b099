// `tasknote synth` with bad input: a clear message naming the field and the value, a non-zero
// exit code, and the previous dist/ left exactly as it was.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from './run-cli';

const ROOT = resolve(__dirname, '../..');
let out: string;

/** A digest of every file under `dir`, so "unchanged" means byte for byte. */
function treeDigest(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(`${p.slice(dir.length)}\0`).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'tasknote-synth-'));
  const first = await runCli(['synth', '--out', out]);
  expect(first.code).toBe(0);
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

test('a good synth writes the three environments and reports the check', async () => {
  expect(readdirSync(out).sort()).toEqual(['dev', 'prod', 'staging']);
  expect(readdirSync(join(out, 'prod'))).toEqual(expect.arrayContaining(['api.yaml', 'postgres.yaml', 'network-policies.yaml']));
  const again = await runCli(['synth', '--out', out, '--env', 'prod']);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/prod: 12 files, \d+ objects; check: 0 errors/);
});

test('synth twice gives byte-identical files', async () => {
  const before = treeDigest(out);
  expect((await runCli(['synth', '--out', out])).code).toBe(0);
  expect(treeDigest(out)).toBe(before);
});

// [arguments, what the message must say]
const BAD_INPUT: [string, string[], string[]][] = [
  ['negative replicas', ['--env', 'dev', '--set', 'api.replicas=-1'], ['api.replicas', 'received -1', '>=0']],
  ['an unknown config key', ['--env', 'dev', '--set', 'api.replicaz=2'], ['--set api.replicaz: unknown key "replicaz"', 'known keys of api: replicas, autoscaling, resources']],
  ['an unknown top-level key', ['--env', 'dev', '--set', 'colour=blue'], ['--set colour: unknown key "colour"', 'known keys at the top level: name, namespace, cluster,']],
  ['__proto__ as a path', ['--env', 'dev', '--set', '__proto__.polluted=1'], ['--set __proto__.polluted: unknown key "__proto__"', 'known keys at the top level: name,']],
  ['constructor as a path', ['--env', 'dev', '--set', 'api.constructor.prototype.x=1'], ['--set api.constructor.prototype.x: unknown key "constructor"', 'known keys of api: replicas']],
  ['a key below a value', ['--env', 'dev', '--set', 'api.replicas.x=1'], ["'api.replicas' is a value (1), not an object: set it whole, e.g. api.replicas=<value>"]],
  ['HPA min > max', ['--env', 'staging', '--set', 'api.autoscaling.minReplicas=5'], ['api.autoscaling.minReplicas', 'must be <= maxReplicas (4)', 'received 5']],
  ['replicas and autoscaling both set', ['--env', 'staging', '--set', 'api.replicas=2'], ["api.replicas: set either 'replicas' or 'autoscaling', not both"]],
  ['a cron field out of range', ['--env', 'dev', '--set', 'jobs.summarySchedule=61 6 * * *'], ['jobs.summarySchedule', 'received "61 6 * * *"', 'end of range (61) above maximum (59)']],
  ['a 4-field cron', ['--env', 'dev', '--set', 'jobs.summarySchedule=0 6 * *'], ['jobs.summarySchedule', 'expected exactly 5 fields, found 4', 'received "0 6 * *"']],
  ['7 for Sunday, which cron-parser takes and the API server does not', ['--env', 'dev', '--set', 'jobs.summarySchedule=0 6 * * 7'], ['jobs.summarySchedule', 'end of range (7) above maximum (6)']],
  ['an @every interval', ['--env', 'prod', '--set', 'backup.schedule=@every 1h'], ['backup.schedule', '@every <duration> is not taken here', 'received "@every 1h"']],
  ['a TZ= prefix beside timeZone', ['--env', 'dev', '--set', 'backup.schedule=TZ=UTC 0 6 * * *'], ['backup.schedule', 'use timeZone field instead']],
  ['an unknown time zone', ['--env', 'dev', '--set', 'jobs.timeZone=Mars/Olympus'], ['jobs.timeZone', 'tz database name', 'received "Mars/Olympus"']],
  ['an alias in the wrong case', ['--env', 'dev', '--set', 'jobs.timeZone=us/pacific'], ['jobs.timeZone', 'spelled exactly (case matters)', 'received "us/pacific"']],
  ['Local as a time zone', ['--env', 'dev', '--set', 'jobs.timeZone=Local'], ['jobs.timeZone', 'received "Local"']],
  ['an IP address as ingress host', ['--env', 'dev', '--set', 'ingress.host=10.1.2.3'], ['ingress.host', 'not an IP address', 'received "10.1.2.3"']],
  ['a URL as SMTP host', ['--env', 'dev', '--set', 'smtp.host=smtp://mail.example.com'], ['smtp.host', 'must be a host', 'received "smtp://mail.example.com"']],
  ['an egress CIDR with host bits', ['--env', 'dev', '--set', 'smtp.egressCidr=10.0.0.1/8'], ['smtp.egressCidr', 'did you mean 10.0.0.0/8?']],
  ['a registry port out of range', ['--env', 'dev', '--set', 'registry=localhost:65536'], ['registry', 'port 1-65535', 'received "localhost:65536"']],
  ['an image registry port out of range', ['--env', 'dev', '--set', 'postgres.image=localhost:70000/postgres:16'], ['postgres.image', 'must be an image reference']],
  ['an API server URL with port 0', ['--env', 'dev', '--set', 'cluster.server=https://127.0.0.1:0'], ['cluster.server', 'port 1-65535']],
  ['a thumbnail width twice', ['--env', 'dev', '--set', 'worker.thumbnailSizes=[64, 256, 64]'], ['worker.thumbnailSizes.2', 'repeats width 64']],
  ['replicas past int32', ['--env', 'dev', '--set', 'api.replicas=2147483648'], ['api.replicas', 'received 2147483648']],
  ['a :latest image', ['--env', 'dev', '--image', 'api=localhost:5001/tasknote-api:latest'], ['image api', "must not use the ':latest' tag", 'tasknote-api:latest']],
  ['an untagged image', ['--env', 'dev', '--image', 'worker=localhost:5001/tasknote-worker'], ['image worker', 'must be pinned by a tag or a digest']],
  ['a :latest third-party image', ['--env', 'dev', '--set', 'postgres.image=postgres:latest'], ['postgres.image', "must not use the ':latest' tag", 'received "postgres:latest"']],
  ['a malformed digest', ['--env', 'dev', '--set', 'redis.image=redis@sha256:abc'], ['redis.image', 'must be an image reference']],
  ['an invalid host', ['--env', 'dev', '--set', 'ingress.host=Bad_Host.example.com'], ['ingress.host', 'DNS host name', 'received "Bad_Host.example.com"']],
  ['a host without a domain', ['--env', 'dev', '--set', 'ingress.host=localhost'], ['ingress.host', 'received "localhost"']],
  ['an invalid namespace name', ['--env', 'dev', '--set', 'namespace=TaskNote'], ['namespace', 'DNS-1123 label', 'received "TaskNote"']],
  ['the default namespace', ['--env', 'dev', '--set', 'namespace=default'], ['namespace ("default")', "must not be 'default'"]],
  ['an invalid storage class', ['--env', 'dev', '--set', 'storageClass=Fast_SSD'], ['storageClass', 'received "Fast_SSD"']],
  ['a port above 65535', ['--env', 'dev', '--set', 'smtp.port=70000'], ['smtp.port', 'from 1 to 65535', 'received 70000']],
  ['port 0', ['--env', 'dev', '--set', 'smtp.port=0'], ['smtp.port', 'from 1 to 65535', 'received 0']],
  ['a limit below its request', ['--env', 'dev', '--set', 'api.resources.memoryLimitMiB=64'], ['api.resources.memoryLimitMiB', 'must be >= memoryRequestMiB (128)', 'received 64']],
  ['an unknown log level', ['--env', 'dev', '--set', 'logLevel=verbose'], ['logLevel', 'received "verbose"', '"debug"']],
  ['no thumbnail sizes', ['--env', 'dev', '--set', 'worker.thumbnailSizes=[]'], ['worker.thumbnailSizes', 'received []']],
  ['a string where a number belongs', ['--env', 'dev', '--set', 'postgres.storageGiB=lots'], ['postgres.storageGiB', 'expected number', 'received "lots"']],
  ['redis maxmemory above its memory limit', ['--env', 'dev', '--set', 'redis.maxMemoryMiB=200'], ["RedisCache 'redis'", 'maxMemoryMiB (200) must be below resources.memoryLimitMiB (96)']],
  ['a --set without a value', ['--env', 'dev', '--set', 'api.replicas'], ['--set "api.replicas" must have the form path.to.field=value']],
  ['an --image for an unknown service', ['--env', 'dev', '--image', 'db=postgres:16'], ['--image "db=postgres:16" must be <service>=<ref>, where <service> is one of: api, worker']],
  ['an unknown environment', ['--env', 'qa'], ["argument 'qa' is invalid", 'dev, staging, prod']],
];

describe('fails with a clear message and leaves dist/ untouched when given', () => {
  test.each(BAD_INPUT)('%s', async (_name, args, expected) => {
    const before = treeDigest(out);
    const { code, stderr } = await runCli(['synth', '--out', out, ...args]);
    expect(code).not.toBe(0);
    for (const text of expected) expect(stderr).toContain(text);
    expect(stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    expect(treeDigest(out)).toBe(before);
  });

  test('at least twenty cases', () => expect(BAD_INPUT.length).toBeGreaterThanOrEqual(20));
});

test('every problem of a config is reported at once', async () => {
  const { stderr } = await runCli(['synth', '--out', out, '--env', 'dev', '--set', 'api.replicas=-1', '--set', 'smtp.port=0', '--set', 'logLevel=x']);
  expect(stderr).toContain('api.replicas');
  expect(stderr).toContain('smtp.port');
  expect(stderr).toContain('logLevel');
  expect(stderr).toContain('Nothing was written.');
});

test('the real command exits non-zero with the message and no stack trace', () => {
  const before = treeDigest(out);
  const run = spawnSync(process.execPath, ['bin/tasknote.js', 'synth', '--out', out, '--env', 'dev', '--set', 'api.replicas=-1'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('api.replicas');
  expect(run.stderr).toContain('received -1');
  expect(run.stderr).not.toContain('    at ');
  expect(treeDigest(out)).toBe(before);
});

test('npx cdk8s synth runs the same synth (cdk8s.yaml), honouring its --output', () => {
  const config = readFileSync(join(ROOT, 'cdk8s.yaml'), 'utf8');
  expect(config).toMatch(/^app: node bin\/tasknote\.js synth/m);
  const target = mkdtempSync(join(tmpdir(), 'tasknote-cdk8s-'));
  try {
    execFileSync(join(ROOT, 'node_modules/.bin/cdk8s'), ['synth', '--output', target], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    expect(readdirSync(target).sort()).toEqual(['dev', 'prod', 'staging']);
    expect(readFileSync(join(target, 'prod', 'api.yaml'), 'utf8')).toBe(readFileSync(join(out, 'prod', 'api.yaml'), 'utf8'));
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
});
