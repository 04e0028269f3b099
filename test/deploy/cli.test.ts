// `npm run deploy|preview|destroy` on a machine without the Pulumi CLI: a clean message, no stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from '../../deploy/preflight';

const REPO_ROOT = join(__dirname, '..', '..');

/** A PATH with node and sh only: no pulumi, no docker, no kubectl. */
function barePath(): string {
  const bin = mkdtempSync(join(tmpdir(), 'bare-bin-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync(which('sh') ?? '/bin/sh', join(bin, 'sh'));
  return bin;
}

function run(args: string[]) {
  const home = mkdtempSync(join(tmpdir(), 'home-'));
  const result = spawnSync(process.execPath, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { PATH: barePath(), HOME: home, npm_config_cache: join(home, '.npm'), npm_config_update_notifier: 'false' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

test('npm run deploy -- --env dev says the Pulumi CLI is missing and how to install it', () => {
  const npmCli = join(process.execPath, '..', '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  const result = run([npmCli, 'run', '--silent', 'deploy', '--', '--env', 'dev']);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("error: cannot deploy 'dev'; nothing was changed:");
  expect(result.stderr).toContain(
    "the Pulumi CLI is missing: 'npm run deploy' drives the 'pulumi' command, and none is on PATH nor built by the toolchain (npm run toolchain); install it with 'curl -fsSL https://get.pulumi.com | sh'",
  );
  expect(result.stderr).toContain("Docker is missing: stack 'dev' builds its images");
  expect(result.stderr).toMatch(/no kubeconfig found: looked at .*\.kube\/config/);
  expect(result.stderr).not.toMatch(STACK_TRACE);
});

test.each(['preview', 'destroy'])('%s without the Pulumi CLI fails cleanly too', (command) => {
  const result = run(['bin/tasknote.js', command, '--env', 'staging']);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(`the Pulumi CLI is missing: 'npm run ${command}'`);
  expect(result.stderr).not.toContain('Docker');
  expect(result.stderr).not.toMatch(STACK_TRACE);
});

test('an unknown environment is bad usage, naming the allowed ones', () => {
  const result = run(['bin/tasknote.js', 'deploy', '--env', 'qa']);
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain("option '--env <name>' argument 'qa' is invalid. Allowed choices are dev, staging, prod.");
});
