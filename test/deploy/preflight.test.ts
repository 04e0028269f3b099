import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterHint, probeServer, serverAddress, toolProblems, which } from '../../deploy/preflight';
import { testEnvironment } from './fixtures';

describe('toolProblems', () => {
  const all = { pulumi: '/bin/pulumi', docker: '/bin/docker', dockerDaemon: { ok: true as const } };

  test('reports nothing when everything is there', () => {
    expect(toolProblems('deploy', all, { buildsImages: true, stack: 'dev' })).toEqual([]);
  });

  test('says how to install a missing Pulumi CLI', () => {
    const [problem] = toolProblems('preview', { ...all, pulumi: undefined }, { buildsImages: false, stack: 'staging' });
    expect(problem).toMatch(
      /^the Pulumi CLI is missing: 'npm run preview' drives the 'pulumi' command, and none is on PATH nor built by the toolchain \(npm run toolchain\); install it with 'curl -fsSL https:\/\/get\.pulumi\.com \| sh'/,
    );
    expect(problem).toContain("'pulumi login --local'");
  });

  test('needs Docker only for a deploy that builds', () => {
    const noDocker = { pulumi: '/bin/pulumi' };
    expect(toolProblems('deploy', noDocker, { buildsImages: true, stack: 'dev' })).toEqual([
      "Docker is missing: stack 'dev' builds its images, and no 'docker' is on PATH; install Docker Desktop or Docker Engine (https://docs.docker.com/get-docker/)",
    ]);
    expect(toolProblems('deploy', noDocker, { buildsImages: false, stack: 'prod' })).toEqual([]);
    expect(toolProblems('destroy', noDocker, { buildsImages: true, stack: 'dev' })).toEqual([]);
  });

  test('says how to start a Docker daemon that does not answer', () => {
    const facts = { ...all, dockerDaemon: { ok: false as const, detail: 'Cannot connect to the Docker daemon' } };
    expect(toolProblems('deploy', facts, { buildsImages: true, stack: 'dev' })).toEqual([
      "Docker is installed but its daemon does not answer (Cannot connect to the Docker daemon); start Docker Desktop, or 'sudo systemctl start docker' on Linux",
    ]);
  });

  test('reports every missing tool at once', () => {
    expect(toolProblems('deploy', {}, { buildsImages: true, stack: 'dev' })).toHaveLength(2);
  });
});

describe('clusterHint', () => {
  test('names the command that creates or reaches each kind of cluster', () => {
    const hint = (kind: 'kind' | 'minikube' | 'k3d' | 'eks' | 'gke' | 'aks') => clusterHint({ kind, context: 'ctx', server: 's' });
    expect(hint('kind')).toContain('scripts/cluster/kind-up.sh');
    expect(hint('minikube')).toContain('minikube start');
    expect(hint('k3d')).toContain('k3d cluster');
    expect(hint('eks')).toBe("fetch its credentials with 'aws eks update-kubeconfig --name <cluster> --region <region> --alias ctx'");
    expect(hint('gke')).toContain('gcloud container clusters get-credentials');
    expect(hint('aks')).toContain('az aks get-credentials');
    expect(clusterHint(testEnvironment().cluster)).toContain("context 'kind-tasknote'");
  });
});

describe('serverAddress', () => {
  test('takes host and port from the URL, defaulting the port by scheme', () => {
    expect(serverAddress('https://127.0.0.1:40123')).toEqual({ host: '127.0.0.1', port: 40123 });
    expect(serverAddress('https://x.eks.amazonaws.com')).toEqual({ host: 'x.eks.amazonaws.com', port: 443 });
    expect(serverAddress('https://[::1]:6443')).toEqual({ host: '::1', port: 6443 });
  });
});

describe('which', () => {
  test('finds an executable on PATH and nothing when absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'path-'));
    writeFileSync(join(dir, 'pulumi'), '#!/bin/sh\n');
    chmodSync(join(dir, 'pulumi'), 0o755);
    expect(which('pulumi', { PATH: dir })).toBe(join(dir, 'pulumi'));
    expect(which('docker', { PATH: dir })).toBeUndefined();
  });
});

describe('probeServer', () => {
  test('answers undefined for a listening server and a problem for a closed port', async () => {
    const server = createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    expect(await probeServer(`https://127.0.0.1:${port}`)).toBeUndefined();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await probeServer(`https://127.0.0.1:${port}`)).toBe(`127.0.0.1:${port}: ECONNREFUSED`);
  });
});
