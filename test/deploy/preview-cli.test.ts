// `pulumi preview --stack dev` with the real Pulumi CLI, against a file backend in a temporary
// directory. Runs only where the CLI and its kubernetes, docker and random plugins are installed;
// elsewhere it says why it was skipped.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { which } from '../../deploy/preflight';
import { kubeconfigText } from './fixtures';

const REPO_ROOT = join(__dirname, '..', '..');
const PLUGINS = ['kubernetes', 'docker', 'random'];

function skipReason(): string | undefined {
  const pulumi = which('pulumi');
  if (pulumi === undefined) return "no 'pulumi' CLI on PATH";
  const listed = spawnSync(pulumi, ['plugin', 'ls', '--json'], { encoding: 'utf8' });
  if (listed.status !== 0) return `'pulumi plugin ls' failed: ${listed.stderr.trim()}`;
  const installed = (JSON.parse(listed.stdout || '[]') as { name: string }[]).map((p) => p.name);
  const missing = PLUGINS.filter((p) => !installed.includes(p));
  return missing.length > 0 ? `Pulumi plugins not installed: ${missing.join(', ')} (pulumi plugin install resource <name>)` : undefined;
}

const reason = skipReason();
if (reason !== undefined) {
  console.log(`skipping 'pulumi preview --stack dev': ${reason}`);
}

(reason === undefined ? test : test.skip)(
  'pulumi preview --stack dev registers the stack through the program entry',
  () => {
    // A project copy whose `main` points back at the repository, so the repository's stack files stay untouched.
    const project = mkdtempSync(join(tmpdir(), 'tasknote-pulumi-'));
    const settings = parse(readFileSync(join(REPO_ROOT, 'Pulumi.yaml'), 'utf8')) as Record<string, unknown>;
    settings.main = relative(project, join(REPO_ROOT, 'app', 'pulumi-main.js'));
    writeFileSync(join(project, 'Pulumi.yaml'), stringify(settings));
    copyFileSync(join(REPO_ROOT, 'Pulumi.dev.yaml'), join(project, 'Pulumi.dev.yaml'));
    copyFileSync(join(REPO_ROOT, 'package.json'), join(project, 'package.json'));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(project, 'node_modules'));
    const kubeconfig = join(project, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigText([{ name: 'kind-tasknote', server: 'https://127.0.0.1:6443' }]));

    const env = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${join(project, 'state')}`,
      PULUMI_CONFIG_PASSPHRASE: 'preview-test',
      PULUMI_SKIP_UPDATE_CHECK: 'true',
    };
    const pulumi = (...args: string[]) =>
      execFileSync('pulumi', [...args, '--non-interactive', '--cwd', project], { env, encoding: 'utf8', stdio: 'pipe' });
    pulumi('login', `file://${join(project, 'state')}`);
    pulumi('stack', 'init', 'dev');
    pulumi('config', 'set', '--stack', 'dev', 'tasknote:kubeconfig', kubeconfig);
    const preview = spawnSync('pulumi', ['preview', '--stack', 'dev', '--non-interactive', '--cwd', project], { env, encoding: 'utf8' });
    const output = `${preview.stdout}\n${preview.stderr}`;
    expect({ status: preview.status, output }).toMatchObject({ status: 0 });
    expect(output).toContain('kubernetes:batch/v1:Job');
    expect(output).toContain('tasknote-migrate');
    expect(output).toContain('docker:index/image:Image');
  },
  600_000,
);
