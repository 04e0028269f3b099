// A staging stack whose Secrets arrive as SealedSecrets, under Pulumi mocks: the deploy applies
// them in the foundation wave, waits for the controller to unseal each, and creates no Secret.
import { mocksFor, isKubernetesObject, kindOf, REPO_ROOT } from './stack-run';

const recorder = mocksFor('staging', {}, []);

import * as pulumi from '@pulumi/pulumi';
import { deployEnvironment, type DeployOutputs } from '../../deploy/program';
import { resolveDeployInputs } from '../../deploy/stack-inputs';
import { loadEnvironment } from '../../environments/load';
import { resolveImages } from '../../environments/images';
import { parseSealedFile } from '../../environments/sealed-store';
import { synthesizeConfig } from '../../app/synth';
import { planSeal, sealingKey } from '../../app/seal';
import { stackSecrets } from '../../app/stack';
import { stringify } from 'yaml';
import { keyPair } from '../app/sealing';

const sealedEnv = loadEnvironment('staging', ['secrets={"provider":"sealed-secrets"}']);
const values = new Map(stackSecrets().map((s) => [s.name, new Map(s.keys.map((k) => [k, Buffer.from(`CANARY-${s.name}-${k}`)]))]));
const plan = planSeal(
  { env: 'staging', namespace: sealedEnv.namespace, secrets: stackSecrets(), existing: new Map(), values, scope: 'strict', prune: false },
  sealingKey(keyPair().publicPem, 'cert.pem'),
);
const sealed = new Map(plan.write.map((w) => [w.name, parseSealedFile(stringify(w.object), `${w.name}.yaml`)]));

let outputs: DeployOutputs;

beforeAll(async () => {
  outputs = deployEnvironment(
    resolveDeployInputs({
      stack: 'staging',
      config: new pulumi.Config('tasknote'),
      processEnv: {},
      repoRoot: REPO_ROOT,
      loadEnvironment: () => sealedEnv,
      synthesize: (_name, { images }) => synthesizeConfig(sealedEnv, resolveImages(sealedEnv, images), sealed),
    }),
  );
  await recorder.settle();
}, 120_000);

const objects = () => recorder.registrations.filter(isKubernetesObject);

test('creates no Secret of its own and needs no secret config (no SMTP login asked for)', () => {
  expect(objects().filter((r) => kindOf(r) === 'Secret')).toEqual([]);
  expect(outputs.secrets).toEqual([]);
});

test('applies each SealedSecret in the foundation wave, awaiting Synced', () => {
  expect(outputs.waves.foundation).toEqual(
    expect.arrayContaining(['SealedSecret/tasknote-database', 'SealedSecret/tasknote-admin', 'SealedSecret/tasknote-smtp']),
  );
  const registered = objects().filter((r) => kindOf(r) === 'SealedSecret');
  expect(registered.map((r) => r.type)).toEqual(Array(3).fill('kubernetes:bitnami.com/v1alpha1:SealedSecret'));
  for (const r of registered) expect(r.inputs.metadata.annotations['pulumi.com/waitFor']).toBe('condition=Synced');
});

test('nothing registered or output carries a plaintext value', () => {
  expect(JSON.stringify(recorder.registrations)).not.toContain('CANARY');
  expect(JSON.stringify(outputs)).not.toContain('CANARY');
});
