// dist/<env>/Kustomization lists exactly the manifests synth wrote, so `kubectl apply -k dist/<env>`
// applies the same objects as `kubectl apply -f dist/<env>/`; its name keeps it out of the latter.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KUSTOMIZATION_FILE, synthesizeEnvironment, writeOutputs } from '../../app/synth';
import { loadManifestDir } from '../../review/objects';

test('lists every manifest file of the environment, and no loader of dist/ reads it as a manifest', () => {
  const out = mkdtempSync(join(tmpdir(), 'tasknote-kustomize-'));
  try {
    const synth = synthesizeEnvironment('staging', {
      overrides: ['secrets={"provider":"external-secrets","store":{"kind":"SecretStore","name":"vault"}}'],
    });
    writeOutputs([synth], out);
    const dir = join(out, 'staging');
    const doc = parse(readFileSync(join(dir, KUSTOMIZATION_FILE), 'utf8'));
    expect(doc.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(doc.kind).toBe('Kustomization');
    const yamlFiles = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    expect([...doc.resources].sort()).toEqual(yamlFiles);
    expect(doc.resources).toContain('secrets.yaml');
    expect(KUSTOMIZATION_FILE).not.toMatch(/\.ya?ml$/);
    expect(
      loadManifestDir(out)
        .get('staging')!
        .some((o) => o.kind === 'Kustomization'),
    ).toBe(false);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the directory listing is an apply order for `kubectl apply -f dist/<env>/`: the Namespace file sorts first', () => {
  for (const env of ['dev', 'staging', 'prod'] as const) {
    const { files } = synthesizeEnvironment(env);
    const listing = files.map((f) => f.path).sort();
    const namespaceFiles = files.filter((f) => f.objects.some((o) => o.kind === 'Namespace')).map((f) => f.path);
    expect(namespaceFiles).toEqual(['00-namespace.yaml']);
    expect(listing[0]).toBe('00-namespace.yaml');
    // Every other object lives in the environment's namespace, created by that first file.
    const rest = files.filter((f) => f.path !== '00-namespace.yaml').flatMap((f) => f.objects);
    expect(rest.filter((o) => o.metadata.namespace !== `tasknote-${env}`).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  }
});
