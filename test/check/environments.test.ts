// Our own environments pass the check, and no secret value reaches the generated manifests:
// a canary planted where deploy-time secrets live never shows up in synth output, dist/ or the
// snapshots, and the check catches it wherever it could leak into a manifest.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { profileForEnvironment } from '../../app/check-profiles';
import { ALL_RULES, checkObjects } from '../../check';
import type { KubeObject } from '../../check/types';
import { renderFile, synthesizeEnvironment, writeOutputs, type SynthOutput } from '../../app/synth';
import { ENVIRONMENT_NAMES } from '../../core/environment-names';
import { planSecrets } from '../../deploy/secret-values';

/** Random-looking, so the entropy heuristic must catch it even under an innocent name. */
const CANARY = 'tnCANARY7Qz4Lw9Xp2Rk8Vm3Hs6Jd1Fb5';
const REPO = path.join(__dirname, '..', '..');

let outputs: SynthOutput[];
const saved = { config: process.env.PULUMI_CONFIG, smtp: process.env.TASKNOTE_SMTP_PASSWORD };

beforeAll(() => {
  // Where the deploy step's secret values live: stack config (as the Pulumi runtime passes it)
  // and the process environment. Synth must read neither.
  // The keys are the ones the deploy really reads: its plan of every Secret value.
  const configKeys = ENVIRONMENT_NAMES.flatMap((env) => planSecrets(synthesizeEnvironment(env).requiredSecrets).flatMap((s) => s.values.map((v) => v.configKey)));
  expect(new Set(configKeys)).toEqual(new Set(['databasePassword', 'adminToken', 'smtpUsername', 'smtpPassword']));
  process.env.PULUMI_CONFIG = JSON.stringify(Object.fromEntries(configKeys.map((k) => [`tasknote:${k}`, CANARY])));
  process.env.TASKNOTE_SMTP_PASSWORD = CANARY;
  outputs = ENVIRONMENT_NAMES.map((env) => synthesizeEnvironment(env));
});

afterAll(() => {
  for (const [key, value] of [
    ['PULUMI_CONFIG', saved.config],
    ['TASKNOTE_SMTP_PASSWORD', saved.smtp],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const objectsOf = (out: SynthOutput) =>
  out.files.flatMap((f) => f.objects.map((object) => ({ source: `dist/${out.env.name}/${f.path}`, object: object as KubeObject })));

describe.each(ENVIRONMENT_NAMES.map((env, i) => [env, i] as const))('environment %s', (env, i) => {
  test('passes with no finding at all, warnings included', () => {
    const report = checkObjects(objectsOf(outputs[i]), { name: env, profile: profileForEnvironment(env) });
    expect(report.targets[0].findings).toEqual([]);
    expect(report.ok).toBe(true);
  });

  test('every waiver silences a finding (where its rule runs) and explains itself', () => {
    const report = checkObjects(objectsOf(outputs[i]), { name: env, profile: profileForEnvironment(env) });
    for (const w of report.targets[0].waivers) {
      const group = ALL_RULES.find((r) => r.id === w.ruleId)?.group;
      if (!group || profileForEnvironment(env).groups.includes(group)) expect(w.used).toBeGreaterThan(0);
      expect(w.reason.split(/\s+/).length).toBeGreaterThanOrEqual(8);
    }
  });

  test('the canary secret appears nowhere in the rendered manifests', () => {
    for (const file of outputs[i].files) expect(renderFile(file)).not.toContain(CANARY);
  });

  test('the check catches the canary wherever it could leak into a manifest', () => {
    const objects = structuredClone(objectsOf(outputs[i]));
    const workload = objects.find((o) => o.object.kind === 'Deployment')!.object;
    workload.spec.template.spec.containers[0].env = [
      ...(workload.spec.template.spec.containers[0].env ?? []),
      { name: 'MAIL_RELAY_OPTION', value: CANARY },
    ];
    const namespace = objects.find((o) => o.object.kind === 'Namespace')!.object.metadata.name;
    objects.push({
      source: 'planted.yaml',
      object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'planted', namespace }, stringData: { password: CANARY } },
    });
    objects.push({
      source: 'planted.yaml',
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'planted', namespace },
        data: { 'relay.conf': `relay_option ${CANARY}` },
      },
    });
    const rules = new Set(checkObjects(objects, { profile: profileForEnvironment(env) }).targets[0].findings.map((f) => f.ruleId));
    expect([...rules].filter((r) => r.startsWith('secret-')).sort()).toEqual(['secret-has-data', 'secret-in-configmap', 'secret-in-env']);
  });
});

test('the canary appears nowhere in written output or in any snapshot', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tasknote-canary-'));
  try {
    writeOutputs(outputs, out);
    const written = fs
      .readdirSync(out, { recursive: true, encoding: 'utf8' })
      .map((f) => path.join(out, f))
      .filter((f) => fs.statSync(f).isFile());
    expect(written.length).toBeGreaterThan(0);
    for (const f of written) expect(fs.readFileSync(f, 'utf8')).not.toContain(CANARY);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  const snapshots = fs
    .readdirSync(path.join(REPO, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.snap'))
    .map((f) => path.join(REPO, 'test', f));
  for (const f of snapshots) expect(fs.readFileSync(f, 'utf8')).not.toContain(CANARY);
  for (const env of ENVIRONMENT_NAMES) {
    const dir = path.join(REPO, 'dist', env);
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir)) expect(fs.readFileSync(path.join(dir, f), 'utf8')).not.toContain(CANARY);
  }
});
