// The committed stack files and the kind script agree with the environments and keep secrets encrypted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configKeyFor } from '../../deploy/secret-values';
import { CONFIG_KEYS } from '../../deploy/stack-settings';
import { loadEnvironment } from '../../environments/load';
import { ENVIRONMENT_NAMES } from '../../core/environment-names';
import { synthesizeEnvironment } from '../../app/synth';

const REPO_ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');

describe.each(ENVIRONMENT_NAMES)('Pulumi.%s.yaml', (env) => {
  const config = (parse(read(`Pulumi.${env}.yaml`)) as { config?: Record<string, unknown> }).config ?? {};
  const secretKeys = [
    ...synthesizeEnvironment(env).requiredSecrets.flatMap((s) => s.keys.map((k) => configKeyFor(s.id, k))),
    'registryPassword',
  ].map((k) => `tasknote:${k}`);

  test('uses only known config keys', () => {
    const known = [...Object.keys(CONFIG_KEYS), ...secretKeys.map((k) => k.slice('tasknote:'.length))].map((k) => `tasknote:${k}`);
    expect(Object.keys(config).filter((k) => !known.includes(k))).toEqual([]);
  });

  test('holds secret values only encrypted', () => {
    for (const key of secretKeys) {
      if (key in config) expect(config[key]).toEqual({ secure: expect.any(String) });
    }
  });
});

describe('scripts/cluster/kind-up.sh', () => {
  const script = read('scripts/cluster/kind-up.sh');
  const dev = loadEnvironment('dev');

  test('creates the cluster, registry and ingress controller environments/dev.ts names', () => {
    const server = new URL(dev.cluster.server);
    expect(dev.cluster.context).toBe('kind-tasknote');
    expect(script).toContain('CLUSTER=${CLUSTER:-tasknote}');
    expect(script).toContain(`apiServerAddress: ${server.hostname}`);
    expect(script).toContain(`apiServerPort: ${server.port}`);
    expect(dev.registry).toBe('localhost:5001');
    expect(script).toContain('REGISTRY_PORT=${REGISTRY_PORT:-5001}');
    expect(dev.ingress.className).toBe('nginx');
    expect(dev.ingress.controllerNamespace).toBe('ingress-nginx');
    expect(script).toContain('deploy/static/provider/kind/deploy.yaml');
  });

  test('runs the SMTP relay dev sends to', () => {
    expect(dev.smtp.host).toBe('mailpit.mailpit.svc.cluster.local');
    expect(script).toContain(`containerPort: ${dev.smtp.port}`);
  });
});
