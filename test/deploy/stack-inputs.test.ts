import * as pulumi from '@pulumi/pulumi';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { rootCertificates } from 'node:tls';
import { join } from 'node:path';
import { UserError } from '../../core/user-error';
import { objectResource } from '../../deploy/components/manifest-waves';
import { IMAGE_SOURCE_PATHS, extraCertificates, environmentOfStack, gitSource, resolveDeployInputs } from '../../deploy/stack-inputs';
import { loadEnvironment } from '../../environments/load';
import type { EnvironmentConfig } from '../../environments/schema';
import { kubeconfigFileFor } from './stack-run';

const REPO_ROOT = join(__dirname, '..', '..');
const GIT = { commit: 'b'.repeat(40), dirty: false };
const synthesize = () => ({ files: [], requiredSecrets: [] });

function resolve(stack: string, config: Record<string, string>, secretKeys: string[] = [], envOverride?: Partial<EnvironmentConfig>) {
  pulumi.runtime.setAllConfig(config, secretKeys);
  return resolveDeployInputs({
    stack,
    config: new pulumi.Config('tasknote'),
    processEnv: {},
    repoRoot: REPO_ROOT,
    loadEnvironment: (name) => ({ ...loadEnvironment(name), ...envOverride }),
    synthesize,
    git: () => GIT,
  });
}

describe('resolveDeployInputs', () => {
  test('reads the environment, the kubeconfig, the plan and the defaults for a dev stack', () => {
    const inputs = resolve('dev', { 'tasknote:kubeconfig': kubeconfigFileFor('dev') });
    expect(inputs.env.name).toBe('dev');
    expect(inputs.kubeconfig.contexts.map((c) => c.name)).toContain('kind-tasknote');
    expect(inputs.images.source).toBe('build');
    expect(inputs.timeouts).toEqual({ migration: '10m', rollout: '10m', secrets: '3m' });
    expect(inputs.registryAuth).toBeUndefined();
    expect(inputs.configuredSecrets).toEqual([]);
  });

  test('passes NODE_IMAGE and the platform to the builds', () => {
    const inputs = resolve('dev', {
      'tasknote:kubeconfig': kubeconfigFileFor('dev'),
      'tasknote:nodeImage': 'node:20-bookworm-slim',
      'tasknote:platform': 'linux/arm64',
    });
    expect(inputs.platform).toBe('linux/arm64');
    expect(inputs.images.source === 'build' && inputs.images.builds.map((b) => b.args)).toEqual([
      { NODE_IMAGE: 'node:20-bookworm-slim', SERVICE: 'api' },
      { NODE_IMAGE: 'node:20-bookworm-slim', SERVICE: 'worker' },
    ]);
  });

  test('takes the release record for prod, and builds when the stack says so', () => {
    expect(resolve('prod', { 'tasknote:kubeconfig': kubeconfigFileFor('prod') }).images.source).toBe('release');
    const building = resolve(
      'staging',
      {
        'tasknote:kubeconfig': kubeconfigFileFor('staging'),
        'tasknote:imageSource': 'build',
        'tasknote:registryUsername': 'AWS',
        'tasknote:registryPassword': 'ecr-token',
      },
      ['tasknote:registryPassword'],
    );
    expect(building.images.source).toBe('build');
    expect(building.registryAuth?.server).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
    expect(building.registryAuth?.username).toBe('AWS');
  });

  test('fails when a managed registry has no credentials, saying how to set them', () => {
    expect(() => resolve('staging', { 'tasknote:kubeconfig': kubeconfigFileFor('staging'), 'tasknote:imageSource': 'build' })).toThrow(
      "stack 'staging' builds and pushes to 123456789012.dkr.ecr.eu-west-1.amazonaws.com, which needs credentials: pulumi config set --stack staging tasknote:registryUsername <user>",
    );
  });

  test('pushes anonymously next to a local cluster, whatever the registry is called', () => {
    const inputs = resolve('dev', { 'tasknote:kubeconfig': kubeconfigFileFor('dev') }, [], { registry: 'k3d-tasknote-registry:5001' });
    expect(inputs.registryAuth).toBeUndefined();
  });

  test('fails when a timeout is not a duration', () => {
    expect(() => resolve('dev', { 'tasknote:kubeconfig': kubeconfigFileFor('dev'), 'tasknote:rolloutTimeout': '10 minutes' })).toThrow(
      'the settings of stack \'dev\' are invalid; nothing was changed:\n  - tasknote:rolloutTimeout: must be a duration such as 90s, 10m or 1h (received "10 minutes")',
    );
  });

  test('fails when imageSource is neither build nor release', () => {
    expect(() => resolve('dev', { 'tasknote:kubeconfig': kubeconfigFileFor('dev'), 'tasknote:imageSource': 'latest' })).toThrow(
      "the settings of stack 'dev' are invalid; nothing was changed:\n  - tasknote:imageSource: must be 'build' or 'release' (received \"latest\")",
    );
  });
});

describe('environmentOfStack', () => {
  test('accepts environment names and refuses other stacks', () => {
    expect(environmentOfStack('prod')).toBe('prod');
    expect(() => environmentOfStack('prod-2')).toThrow(
      "stack 'prod-2' is not an environment: a stack is named after the environment it deploys, one of dev, staging, prod",
    );
  });
});

describe('extraCertificates', () => {
  test('keeps only the certificates Node does not already trust', () => {
    const extra = '-----BEGIN CERTIFICATE-----\nTUlJQmxhbmtlZA==\n-----END CERTIFICATE-----';
    const bundle = `# a comment\n${rootCertificates[0]}\n${extra}\n${rootCertificates[1]}\n`;
    expect(extraCertificates(bundle)).toBe(`${extra}\n`);
    expect(extraCertificates(`${rootCertificates[0]}\n`)).toBe('');
  });
});

describe('gitSource', () => {
  test('reads the commit of this checkout', () => {
    expect(gitSource(REPO_ROOT).commit).toMatch(/^[0-9a-f]{40}$/);
  });
  test('fails outside a git checkout with a UserError', () => {
    expect(() => gitSource('/')).toThrow(UserError);
  });
  test('is dirty for a change under an image source path only', () => {
    const repo = mkdtempSync(join(tmpdir(), 'git-source-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
    git('init', '-q');
    mkdirSync(join(repo, 'services', 'api'), { recursive: true });
    mkdirSync(join(repo, 'environments'));
    writeFileSync(join(repo, 'services', 'api', 'main.ts'), 'a');
    writeFileSync(join(repo, 'environments', 'dev.ts'), 'a');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init');
    writeFileSync(join(repo, 'environments', 'dev.ts'), 'b');
    expect(gitSource(repo).dirty).toBe(false);
    writeFileSync(join(repo, 'services', 'api', 'main.ts'), 'b');
    expect(gitSource(repo).dirty).toBe(true);
  });
  test('IMAGE_SOURCE_PATHS covers every path .dockerignore lets into a build', () => {
    const allowed = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/.*$/, ''));
    expect(allowed.length).toBeGreaterThan(0);
    for (const path of allowed) expect(IMAGE_SOURCE_PATHS.some((p) => p === path || p.startsWith(`${path}/`))).toBe(true);
  });
});

describe('objectResource', () => {
  test('fails for a core kind it has no resource class for, before registering', () => {
    expect(() => objectResource({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'x', namespace: 'n' } }, {}, {})).toThrow(
      "PodTemplate 'x' is a core (v1) kind the deploy has no resource class for; add it to deploy/components/manifest-waves.ts",
    );
  });
});
