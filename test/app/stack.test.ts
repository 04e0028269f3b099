// The whole TaskNote stack, per environment: its object inventory, contents, and the defaults every
// container of every environment must carry.
import { ENVIRONMENT_NAMES } from '../../core/environment-names';
import { synthesizeEnvironment } from '../../app/synth';
import { DEPLOY_ROLE_ANNOTATION } from '../../core/deploy-role';
import { KubeObject } from '../../core/kube-object';
import { apiContract } from '../../services/api/src/contract';
import { workerContract } from '../../services/worker/src/contract';

const outputs = Object.fromEntries(ENVIRONMENT_NAMES.map((env) => [env, synthesizeEnvironment(env)]));
const objectsOf = (env: string): KubeObject[] => outputs[env].files.flatMap((f) => f.objects);
const find = (env: string, kind: string, name: string): any => {
  const found = objectsOf(env).find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not in ${env}`);
  return found;
};

/** Every pod spec in an environment, with the object that holds it. */
function podSpecs(env: string): { owner: string; spec: any }[] {
  return objectsOf(env).flatMap((o: any) => {
    const owner = `${o.kind}/${o.metadata.name}`;
    if (o.kind === 'CronJob') return [{ owner, spec: o.spec.jobTemplate.spec.template.spec }];
    if (['Deployment', 'StatefulSet', 'Job'].includes(o.kind)) return [{ owner, spec: o.spec.template.spec }];
    return [];
  });
}

describe.each(ENVIRONMENT_NAMES)('%s', (env) => {
  // The inventory a reviewer reads: which file holds which objects. Field values are asserted
  // below and in test/constructs; `npm run diff` is where changes to them are reviewed.
  test('writes the reviewed object inventory', () => {
    expect(Object.fromEntries(outputs[env].files.map((f) => [f.path, f.objects.map((o) => `${o.kind} ${o.metadata.name}`)]))).toMatchSnapshot();
  });

  test('every container is hardened, sized and (when long-running) probed', () => {
    const specs = podSpecs(env);
    const served = new Set(objectsOf(env).filter((o: any) => o.kind === 'Service').map((o: any) => `${o.spec.selector['app.kubernetes.io/name']}`));
    expect(specs.length).toBe(7);
    // Sized per workload, not one blanket size (cdk8s-plus's 1000m/512Mi) for everything.
    const sizes = new Set(specs.map(({ spec }) => JSON.stringify(spec.containers[0].resources.limits)));
    expect(sizes.size).toBe(5);
    for (const { owner, spec } of specs) {
      const ctx = `${env} ${owner}`;
      expect([ctx, spec.automountServiceAccountToken]).toEqual([ctx, false]);
      expect([ctx, spec.serviceAccountName]).toEqual([ctx, expect.stringMatching(/^tasknote-/)]);
      expect([ctx, spec.securityContext.runAsNonRoot, spec.securityContext.seccompProfile.type]).toEqual([ctx, true, 'RuntimeDefault']);
      expect(spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toContain('kubernetes.io/hostname');
      expect(spec.hostNetwork ?? false).toBe(false);
      const volumes = new Map<string, any>(spec.volumes.map((v: any) => [v.name, v]));
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        const sc = c.securityContext;
        expect([ctx, c.name, sc.runAsNonRoot, sc.allowPrivilegeEscalation, sc.readOnlyRootFilesystem, sc.privileged]).toEqual([ctx, c.name, true, false, true, false]);
        expect(Number.isInteger(sc.runAsUser) && sc.runAsUser > 0).toBe(true);
        expect(sc.capabilities).toEqual({ drop: ['ALL'] });
        expect(sc.seccompProfile).toEqual({ type: 'RuntimeDefault' });
        for (const kind of ['requests', 'limits']) {
          expect(Object.keys(c.resources[kind]).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
        }
        const tmp = c.volumeMounts.find((m: any) => m.mountPath === '/tmp');
        expect([ctx, tmp && volumes.get(tmp.name)?.emptyDir !== undefined]).toEqual([ctx, true]);
        expect(c.image).not.toMatch(/:latest(@|$)/);
        if (c.image.includes('@sha256:')) expect([ctx, c.imagePullPolicy]).toEqual([ctx, 'IfNotPresent']);
        if (spec.restartPolicy !== 'Never') {
          expect([ctx, !!c.readinessProbe, !!c.livenessProbe, !!c.startupProbe]).toEqual([ctx, true, true, true]);
          expect(c.readinessProbe).not.toEqual(c.livenessProbe);
        }
        if (served.has(owner.split('/')[1])) {
          const preStop = c.lifecycle?.preStop?.exec?.command;
          expect([ctx, Array.isArray(preStop)]).toEqual([ctx, true]);
          expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(5);
        }
      }
    }
  });

  test('names are readable and stable: no hashes, every namespaced object in the namespace', () => {
    for (const o of objectsOf(env)) {
      expect(o.metadata.name).toMatch(/^(tasknote-[a-z-]+|default-deny|allow-dns-egress)$/);
      if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe(`tasknote-${env}`);
      expect((o.metadata as any).labels['app.kubernetes.io/part-of']).toBe('tasknote');
    }
  });

  test('no Secret objects and no secret values: credentials come only through secretKeyRef', () => {
    expect(objectsOf(env).filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const { spec } of podSpecs(env)) {
      for (const c of spec.containers) {
        for (const e of c.env ?? []) {
          if (/PASSWORD|TOKEN|SMTP_USER/.test(e.name)) expect(e.valueFrom.secretKeyRef.name).toMatch(/^tasknote-/);
        }
      }
    }
    expect(outputs[env].requiredSecrets.map((s) => s.name)).toEqual(['tasknote-admin', 'tasknote-database', 'tasknote-smtp']);
  });

  test('ports, probe paths and env vars come from the service contracts', () => {
    const api = find(env, 'Deployment', 'tasknote-api').spec.template.spec.containers[0];
    expect(api.ports).toEqual([{ name: apiContract.http.portName, containerPort: apiContract.http.port, protocol: 'TCP' }]);
    expect(api.readinessProbe.httpGet.path).toBe(apiContract.http.readinessPath);
    expect(api.livenessProbe.httpGet.path).toBe(apiContract.http.livenessPath);
    expect(api.securityContext.runAsUser).toBe(apiContract.uid);
    expect(api.command).toEqual(apiContract.commands.serve);
    const apiConfig = find(env, 'ConfigMap', 'tasknote-api-config');
    expect(Object.keys(apiConfig.data).sort()).toEqual(Object.keys(apiContract.env).sort());
    expect(api.env.map((e: any) => e.name).sort()).toEqual(Object.keys(apiContract.secretEnv).sort());

    const worker = find(env, 'Deployment', 'tasknote-worker').spec.template.spec.containers[0];
    expect(worker.readinessProbe.httpGet.path).toBe(workerContract.http.readinessPath);
    expect(worker.ports[0].containerPort).toBe(workerContract.http.port);
    expect(Object.keys(find(env, 'ConfigMap', 'tasknote-worker-config').data).sort()).toEqual(Object.keys(workerContract.env).sort());
    expect(find(env, 'Job', 'tasknote-migrate').spec.template.spec.containers[0].command).toEqual(apiContract.commands.migrate);
    expect(find(env, 'CronJob', 'tasknote-daily-summary').spec.jobTemplate.spec.template.spec.containers[0].command).toEqual(
      apiContract.commands.summary,
    );
  });

  test('network policies: default deny, DNS, ingress controller -> api, clients -> postgres and redis', () => {
    const policy = (name: string) => find(env, 'NetworkPolicy', name).spec;
    expect(policy('default-deny')).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(policy('allow-dns-egress').egress[0].ports.map((p: any) => `${p.protocol}/${p.port}`)).toEqual(['UDP/53', 'TCP/53']);
    const pgClients = policy('tasknote-postgres').ingress[0].from.map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name']);
    expect(pgClients).toEqual(['tasknote-api', 'tasknote-daily-summary', 'tasknote-db-backup', 'tasknote-migrate', 'tasknote-worker']);
    expect(policy('tasknote-redis').ingress[0].from.map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name'])).toEqual(['tasknote-api']);
    expect(policy('tasknote-api').ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('ingress-nginx');
  });

  test('the daily summary runs at 06:00; the migration and the data stores declare their deploy roles', () => {
    expect(find(env, 'CronJob', 'tasknote-daily-summary').spec.schedule).toBe('0 6 * * *');
    const roles = objectsOf(env)
      .filter((o) => o.metadata.annotations?.[DEPLOY_ROLE_ANNOTATION] !== undefined)
      .map((o) => `${o.kind} ${o.metadata.name}: ${o.metadata.annotations![DEPLOY_ROLE_ANNOTATION]}`);
    expect(roles).toEqual(['StatefulSet tasknote-postgres: datastore', 'Deployment tasknote-redis: datastore', 'Job tasknote-migrate: migration']);
  });
});

test('synthesis is deterministic: the same input gives identical objects', () => {
  expect(JSON.stringify(synthesizeEnvironment('prod').files)).toBe(JSON.stringify(outputs.prod.files));
});

test('prod holds every kind the issue lists', () => {
  const kinds = objectsOf('prod').map((o) => `${o.kind}`);
  const count = (k: string) => kinds.filter((x) => x === k).length;
  expect(count('Namespace')).toBe(1);
  expect(count('StatefulSet')).toBe(1);
  expect(count('CronJob')).toBe(2);
  expect(count('Job')).toBe(1);
  expect(count('Ingress')).toBe(1);
  expect(count('PersistentVolumeClaim')).toBe(1);
  expect(count('HorizontalPodAutoscaler')).toBe(2);
  expect(count('PodDisruptionBudget')).toBe(2);
  expect(count('NetworkPolicy')).toBe(9);
  expect(objectsOf('prod').filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name).sort()).toEqual([
    'tasknote-api',
    'tasknote-redis',
    'tasknote-worker',
  ]);
  expect(count('ServiceAccount')).toBe(7);
  expect(count('ConfigMap')).toBe(2);
});

describe('environments differ where a user expects', () => {
  const api = (env: string) => find(env, 'Deployment', 'tasknote-api');
  const hpa = (env: string) => objectsOf(env).find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'tasknote-api') as any;

  test('dev: one replica, no HPA, local registry, localtest.me host, standard storage', () => {
    expect(api('dev').spec.replicas).toBe(1);
    expect(hpa('dev')).toBeUndefined();
    expect(api('dev').spec.template.spec.containers[0].image).toBe('localhost:5001/tasknote-api:0.1.0-dev');
    expect(find('dev', 'Ingress', 'tasknote-api').spec.rules[0].host).toBe('tasknote.localtest.me');
    expect(find('dev', 'Ingress', 'tasknote-api').spec.tls).toBeUndefined();
    expect(find('dev', 'StatefulSet', 'tasknote-postgres').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('standard');
  });

  test('staging: HPA from 2, two workers, TLS, managed storage class, release digests', () => {
    expect(api('staging').spec.replicas).toBeUndefined();
    expect(hpa('staging').spec.minReplicas).toBe(2);
    expect(find('staging', 'Deployment', 'tasknote-worker').spec.replicas).toBe(2);
    expect(find('staging', 'Ingress', 'tasknote-api').spec.tls[0].secretName).toBe('tasknote-tls');
    expect(find('staging', 'PersistentVolumeClaim', 'tasknote-backups').spec.storageClassName).toBe('gp3');
    expect(api('staging').spec.template.spec.containers[0].image).toMatch(/tasknote-api@sha256:[a-f0-9]{64}$/);
  });

  test('prod: higher HPA floor, zone spread, larger resources, 30 days of backups', () => {
    expect(hpa('prod').spec.minReplicas).toBeGreaterThan(hpa('staging').spec.minReplicas);
    const keys = api('prod').spec.template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey);
    expect(keys).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    expect(api('prod').spec.template.spec.containers[0].resources.limits.memory).toBe('768Mi');
    expect(api('dev').spec.template.spec.containers[0].resources.limits.memory).toBe('256Mi');
    const script = find('prod', 'CronJob', 'tasknote-db-backup').spec.jobTemplate.spec.template.spec.containers[0].args[0];
    expect(script).toContain('-mtime +29');
  });
});
