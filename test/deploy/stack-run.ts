// Runs the real program entry (app/pulumi.ts) for one stack under mocks, and the checks every stack shares.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironment } from '../../environments/load';
import type { EnvironmentName } from '../../core/environment-names';
import type { DeployOutputs } from '../../deploy/program';
import { kubeconfigText } from './fixtures';
import { installMocks, SECRET_SIG, type Recorder, type Registration } from './pulumi-harness';

export const REPO_ROOT = join(__dirname, '..', '..');

/** A kubeconfig file with the environment's own context, plus an unrelated one that is current. */
export function kubeconfigFileFor(env: EnvironmentName, server?: string): string {
  const cluster = loadEnvironment(env).cluster;
  const path = join(mkdtempSync(join(tmpdir(), 'kubeconfig-')), 'config');
  writeFileSync(
    path,
    kubeconfigText(
      [
        { name: 'someone-elses', server: 'https://192.0.2.10:6443' },
        { name: cluster.context, server: server ?? `${cluster.server}` },
      ],
      'someone-elses',
    ),
  );
  return path;
}

/** The config of Pulumi.<stack>.yaml as the engine hands it to a program: structured values as JSON. */
export function stackConfig(stack: EnvironmentName): Record<string, string> {
  const file = parse(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), 'utf8')) as { config?: Record<string, unknown> };
  return Object.fromEntries(Object.entries(file.config ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** Installs mocks for `stack` with its Pulumi.<stack>.yaml config plus `config`; the caller then loads the entry. */
export function mocksFor(stack: EnvironmentName, config: Record<string, string>, secretKeys: string[]): Recorder {
  return installMocks(stack, { ...stackConfig(stack), 'tasknote:kubeconfig': kubeconfigFileFor(stack), ...config }, secretKeys);
}

/** Loads app/pulumi.ts, which registers the whole stack, and waits for every registration. */
export async function runEntry(recorder: Recorder): Promise<DeployOutputs> {
  const { tasknoteProgram } = await import('../../app/pulumi');
  const outputs: DeployOutputs = tasknoteProgram();
  await recorder.settle();
  return outputs;
}

export const isKubernetesObject = (r: Registration) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:pulumi');
export const kindOf = (r: Registration) => r.type.split(':')[2];

export function find(recorder: Recorder, kind: string, name: string): Registration {
  const found = recorder.registrations.filter((r) => isKubernetesObject(r) && kindOf(r) === kind && r.inputs.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} '${name}', found ${found.length}`);
  return found[0];
}

export function podImages(r: Registration): string[] {
  const spec = r.inputs.spec?.jobTemplate?.spec?.template?.spec ?? r.inputs.spec?.template?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c: { image: string }) => c.image);
}

/** True when the serialized value is wrapped as a Pulumi secret. */
export function isWireSecret(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as Record<string, unknown>)['4dabf18193072939515e22adb298388d'] === SECRET_SIG
  );
}
