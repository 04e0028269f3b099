import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../core/user-error';
import { checkBeforePulumi, stackConfigFile, type Machine } from '../../deploy/run';
import { kubeconfigText } from './fixtures';

const REPO_ROOT = join(__dirname, '..', '..');

function kubeconfigFile(contexts: { name: string; server: string }[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kc-')), 'config');
  writeFileSync(path, kubeconfigText(contexts));
  return path;
}

const KIND = { name: 'kind-tasknote', server: 'https://127.0.0.1:6443' };

function machine(overrides: Partial<Machine> & { tools?: string[] } = {}): Machine {
  const tools = overrides.tools ?? ['pulumi', 'docker'];
  return {
    which: (c) => (tools.includes(c) ? `/usr/bin/${c}` : undefined),
    dockerDaemon: async () => ({ ok: true }),
    probeServer: async () => undefined,
    processEnv: { KUBECONFIG: kubeconfigFile([KIND]) },
    ...overrides,
  };
}

async function problemOf(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected a UserError');
}

describe('checkBeforePulumi', () => {
  test('passes when the tools are there and the kubeconfig points at the right cluster', async () => {
    const checked = await checkBeforePulumi('deploy', 'dev', stackConfigFile(REPO_ROOT, 'dev'), machine());
    expect(checked.env.name).toBe('dev');
    expect(checked.warnings).toEqual([]);
  });

  test('fails when the Pulumi CLI is missing, saying how to install it, and changes nothing', async () => {
    const err = await problemOf(checkBeforePulumi('deploy', 'dev', stackConfigFile(REPO_ROOT, 'dev'), machine({ tools: ['docker'] })));
    expect(err.message).toBe(
      "cannot deploy 'dev'; nothing was changed:\n" +
        "  - the Pulumi CLI is missing: 'npm run deploy' drives the 'pulumi' command, and none is on PATH; install it with 'curl -fsSL https://get.pulumi.com | sh' (Linux, macOS) or 'brew install pulumi/tap/pulumi' or 'winget install pulumi', then log in to a state backend: 'pulumi login --local' on a laptop, 'pulumi login s3://<bucket>' for shared stacks (docs/deploy.md)",
    );
  });

  test('needs Docker for a dev deploy, which builds, but not for prod, which takes its release record', async () => {
    const noDocker = await problemOf(checkBeforePulumi('deploy', 'dev', stackConfigFile(REPO_ROOT, 'dev'), machine({ tools: ['pulumi'] })));
    expect(noDocker.message).toContain("Docker is missing: stack 'dev' builds its images");
    const prodKubeconfig = kubeconfigFile([
      { name: 'arn:aws:eks:eu-west-1:123456789012:cluster/tasknote-prod', server: 'https://placeholder' },
    ]);
    const prod = await problemOf(
      checkBeforePulumi(
        'deploy',
        'prod',
        stackConfigFile(REPO_ROOT, 'prod'),
        machine({ tools: ['pulumi'], processEnv: { KUBECONFIG: prodKubeconfig } }),
      ),
    );
    expect(prod.message).not.toContain('Docker');
  });

  test('fails when the kubeconfig points elsewhere, naming both clusters, and reports every problem at once', async () => {
    const elsewhere = machine({
      tools: [],
      processEnv: { KUBECONFIG: kubeconfigFile([{ name: 'kind-tasknote', server: 'https://10.9.8.7:6443' }]) },
    });
    const err = await problemOf(checkBeforePulumi('deploy', 'dev', stackConfigFile(REPO_ROOT, 'dev'), elsewhere));
    const lines = err.message.split('\n');
    expect(lines[0]).toBe("cannot deploy 'dev'; nothing was changed:");
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(
      /^  - wrong cluster: stack 'dev' may deploy only to context 'kind-tasknote' at a server matching 'https:\/\/127\.0\.0\.1:6443', but .* \(https:\/\/10\.9\.8\.7:6443\).*; create it with 'scripts\/cluster\/kind-up\.sh'/,
    );
  });

  test('fails when there is no kubeconfig, saying how to create the cluster', async () => {
    const none = machine({ processEnv: { KUBECONFIG: '/nonexistent/kubeconfig' } });
    const err = await problemOf(checkBeforePulumi('destroy', 'dev', stackConfigFile(REPO_ROOT, 'dev'), none));
    expect(err.message).toContain(
      "no kubeconfig found: looked at /nonexistent/kubeconfig; set KUBECONFIG or the stack config 'tasknote:kubeconfig' to the file of the cluster; create it with 'scripts/cluster/kind-up.sh'",
    );
  });

  test('fails when the cluster does not answer, except for a preview, which only warns', async () => {
    const down = machine({ probeServer: async () => '127.0.0.1:6443: ECONNREFUSED' });
    const err = await problemOf(checkBeforePulumi('deploy', 'dev', stackConfigFile(REPO_ROOT, 'dev'), down));
    expect(err.message).toContain(
      "the cluster of 'dev' does not answer at https://127.0.0.1:6443 (127.0.0.1:6443: ECONNREFUSED); create it with",
    );
    expect((await checkBeforePulumi('preview', 'dev', stackConfigFile(REPO_ROOT, 'dev'), down)).warnings).toHaveLength(1);
  });

  test('fails when the environment does not exist, as bad usage', async () => {
    const err = await problemOf(checkBeforePulumi('deploy', 'qa', stackConfigFile(REPO_ROOT, 'qa'), machine()));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('--env: ');
    expect(err.message).toContain('"qa"');
  });
});
