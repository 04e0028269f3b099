// The TaskNote stack: ONE function composes every object of an environment. Synth, deploy and
// tests all call it, so all three see the same objects.
import { App, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { PropsValidationError } from '../constructs/private/validate';
import type { SealedFile } from '../environments/sealed-store';
import {
  AppConfig,
  EnvironmentChart,
  MigrationJob,
  NetworkPolicies,
  PersistentVolumeClaim,
  PostgresDatabase,
  POSTGRES_IMAGE_UID,
  ExternalSecret,
  ProvidedObject,
  RedisCache,
  ScheduledJob,
  SealedSecret,
  type ScalingRules,
  SecretReference,
  WebService,
  Worker,
} from '../constructs';
import type { EnvironmentConfig } from '../environments/schema';
import { apiContract } from '../services/api/src/contract';
import { workerContract } from '../services/worker/src/contract';
import type { DnsPeer } from '../core/dns-peer';
import type { ServiceImageRefs } from '../services/contracts';

/** Environment config's HPA rules for one direction (plain seconds). */
type ScalingRulesConfig = NonNullable<NonNullable<EnvironmentConfig['api']['autoscaling']>['behavior']>['scaleUp'];

/** A Secret the stack references but never writes; the deploy step creates it. */
export interface ProvidedSecret {
  /** The stack's logical id (`database`): the deploy keys config and generated values by it, never by the name. */
  readonly id: string;
  readonly name: string;
  readonly keys: readonly string[];
  readonly description: string;
}

export interface StackOptions {
  readonly env: EnvironmentConfig;
  readonly images: ServiceImageRefs;
  /**
   * The environment's sealed files by Secret name (environments/sealed-store.ts); read only
   * when `env.secrets.provider` is `sealed-secrets`.
   */
  readonly sealed?: ReadonlyMap<string, SealedFile>;
}

/** The composed stack of one environment, with handles the deploy step and tests use. */
export interface TaskNoteStack {
  readonly chart: EnvironmentChart;
  /** Secrets the deploy step must create, with their keys (none unless the provider is `pulumi`). */
  readonly requiredSecrets: ProvidedSecret[];
  /** Every Secret the stack reads, however it arrives. */
  readonly secrets: ProvidedSecret[];
  /** Everything referenced but created outside the manifests (deploy step, cert-manager). */
  readonly providedObjects: ProvidedObject[];
  /** The cluster DNS the network policies let pods reach; check's `dns-egress` must look for the same. */
  readonly dnsPeer: DnsPeer;
}

const UID_WAIVER = `the official image runs as its built-in user (UID ${POSTGRES_IMAGE_UID}, owner of its data files); remapping it to >= 10000 would need a custom image`;

/** Composes the TaskNote stack of `env` into `app`, section by section; each returns what the next needs. */
export function buildStack(app: App, { env, images, sealed }: StackOptions): TaskNoteStack {
  const chart = new EnvironmentChart(app, env.name, { environment: env.name, namespace: env.namespace });
  const secrets = secretReferences(
    chart,
    env.secrets?.provider ?? 'pulumi',
    env.secrets?.provider === 'sealed-secrets' ? sealed : undefined,
  );
  secretDelivery(chart, env, sealed ?? new Map());
  const stores = dataStores(chart, env, secrets);
  const served = services(chart, env, images, secrets, stores);
  const scheduled = jobs(chart, env, images, secrets, stores, served);
  const { dnsPeer } = network(chart, env, stores, served, scheduled);
  return {
    chart,
    dnsPeer,
    providedObjects: chart.providedObjects,
    requiredSecrets: stackSecrets().filter((s) => secrets[s.id as SecretId].providedBy === 'deploy'),
    secrets: stackSecrets(),
  };
}

/** The Secrets the stack reads, by the stack's logical secret id: names and keys whichever way they arrive. */
const STACK_SECRETS = {
  database: { name: 'tasknote-database', keys: ['password'], description: 'password of the tasknote PostgreSQL user' },
  admin: { name: 'tasknote-admin', keys: ['token'], description: 'admin bearer token that creates users and issues their tokens' },
  smtp: {
    name: 'tasknote-smtp',
    keys: ['username', 'password'],
    description: 'credentials of the SMTP relay the daily summary sends through',
  },
} as const;

type SecretId = keyof typeof STACK_SECRETS;

/** The Secrets the stack reads, sorted by name, keys sorted: what the deploy, the seal command and tests list. */
export function stackSecrets(): ProvidedSecret[] {
  return Object.entries(STACK_SECRETS)
    .map(([id, { name, keys, description }]) => ({ id, name, keys: [...keys].sort(), description }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

type SecretProvider = NonNullable<EnvironmentConfig['secrets']>['provider'];

/**
 * The Secrets the stack references, keyed by the stack's logical secret id. With sealed files,
 * each carries a fingerprint of its ciphertexts, so re-sealing a value rolls exactly the pods
 * that read that Secret (`tasknote.dev/secret-hash`).
 */
function secretReferences(chart: EnvironmentChart, provider: SecretProvider, sealed: ReadonlyMap<string, SealedFile> | undefined) {
  const providedBy = provider === 'pulumi' ? 'deploy' : 'manifests';
  const version = (id: SecretId) => {
    const file = sealed?.get(STACK_SECRETS[id].name);
    if (!file) return undefined;
    const used = STACK_SECRETS[id].keys.map((k) => `${k}=${file.encryptedData[k] ?? ''}`).join('\n');
    return createHash('sha256').update(used).digest('hex').slice(0, 16);
  };
  const ref = (id: SecretId) =>
    new SecretReference(chart, `${id}-secret`, {
      ...STACK_SECRETS[id],
      keys: [...STACK_SECRETS[id].keys],
      providedBy,
      version: version(id),
    });
  return { database: ref('database'), admin: ref('admin'), smtp: ref('smtp') };
}

type Secrets = ReturnType<typeof secretReferences>;

/**
 * The objects that deliver the Secrets when the deploy does not create them: a SealedSecret per
 * Secret from its sealed file, or an ExternalSecret per Secret reading the environment's store.
 * Every problem is reported at once, naming the file or the field.
 */
function secretDelivery(chart: EnvironmentChart, env: EnvironmentConfig, sealed: ReadonlyMap<string, SealedFile>): void {
  const provider = env.secrets?.provider ?? 'pulumi';
  if (provider === 'pulumi') return;
  const scope = new Construct(chart, 'secrets');
  const problems: string[] = [];
  const ids = Object.keys(STACK_SECRETS) as SecretId[];
  if (provider === 'sealed-secrets') {
    for (const id of ids) {
      const { name, keys } = STACK_SECRETS[id];
      const file = sealed.get(name);
      if (!file) {
        problems.push(
          `secrets.provider is 'sealed-secrets' but environments/sealed/${env.name}/${name}.yaml is missing: run npm run seal -- --env ${env.name}`,
        );
        continue;
      }
      const missing = keys.filter((k) => !(k in file.encryptedData));
      if (missing.length > 0) {
        problems.push(`${file.file} lacks key(s) ${missing.join(', ')} of Secret ${name}: run npm run seal -- --env ${env.name}`);
        continue;
      }
      new SealedSecret(scope, name, {
        name,
        component: 'secrets',
        encryptedData: Object.fromEntries(keys.map((k) => [k, file.encryptedData[k]])),
        scope: file.scope,
        sealedFor: { namespace: file.namespace, name: file.name },
      });
    }
  } else {
    const es = env.secrets!;
    for (const unknown of Object.keys(es.remoteKeys ?? {}).filter((k) => !ids.includes(k as SecretId))) {
      problems.push(`secrets.remoteKeys.${unknown} names no Secret of the stack; the logical secret ids are: ${ids.join(', ')}`);
    }
    for (const id of ids) {
      const { name, keys } = STACK_SECRETS[id];
      new ExternalSecret(scope, name, {
        name,
        component: 'secrets',
        store: es.store!,
        remoteKey: es.remoteKeys?.[id] ?? `${env.namespace}/${name}`,
        keys,
        refreshInterval: Duration.seconds(es.refreshIntervalSeconds ?? 3600),
      });
    }
  }
  if (problems.length > 0) throw new PropsValidationError(`the Secrets of environment '${env.name}'`, problems);
}

/** Env values read from the Secrets a service contract names. */
function secretEnv(secrets: Secrets, contract: Readonly<Record<string, { secret: keyof Secrets; key: string }>>) {
  return Object.fromEntries(Object.entries(contract).map(([name, ref]) => [name, secrets[ref.secret].env(ref.key)]));
}

/** Data stores: PostgreSQL and the Redis cache. */
function dataStores(chart: EnvironmentChart, env: EnvironmentConfig, secrets: Secrets) {
  const postgres = new PostgresDatabase(chart, 'postgres', {
    name: 'tasknote-postgres',
    image: env.postgres.image,
    storageGiB: env.postgres.storageGiB,
    storageClassName: env.storageClass,
    databaseName: 'tasknote',
    user: 'tasknote',
    passwordSecret: secrets.database,
    resources: env.postgres.resources,
    waivers: { 'high-uid': UID_WAIVER },
  });
  const redis = new RedisCache(chart, 'redis', {
    name: 'tasknote-redis',
    image: env.redis.image,
    maxMemoryMiB: env.redis.maxMemoryMiB,
    resources: env.redis.resources,
    waivers: {
      'high-uid': UID_WAIVER,
      replicas:
        'one cache instance by design: replicas would hold diverging copies that write-invalidation must reach one by one; while it restarts the api serves from PostgreSQL, slower but correct',
    },
  });

  return { postgres, redis };
}

type DataStores = ReturnType<typeof dataStores>;

/** The services: the api behind its Ingress and the worker, each with its ConfigMap. */
function services(
  chart: EnvironmentChart,
  env: EnvironmentConfig,
  images: ServiceImageRefs,
  secrets: Secrets,
  { postgres, redis }: DataStores,
) {
  const database = {
    DATABASE_HOST: postgres.host,
    DATABASE_PORT: String(postgres.port),
    DATABASE_NAME: postgres.databaseName,
    DATABASE_USER: postgres.user,
  };
  const apiConfig = new AppConfig(chart, 'api-config', {
    name: 'tasknote-api-config',
    component: 'api',
    data: {
      LOG_LEVEL: env.logLevel,
      PORT: String(apiContract.http.port),
      ...database,
      REDIS_HOST: redis.host,
      REDIS_PORT: String(redis.port),
      CACHE_TTL_SECONDS: '60',
      MAX_UPLOAD_BYTES: String(10 * 1024 * 1024),
      SHUTDOWN_DRAIN_SECONDS: '5',
      SMTP_HOST: env.smtp.host,
      SMTP_PORT: String(env.smtp.port),
      SMTP_FROM: env.smtp.from,
      SUMMARY_TIME_ZONE: env.jobs.timeZone,
    } satisfies Record<keyof typeof apiContract.env, string>,
  });
  const workerConfig = new AppConfig(chart, 'worker-config', {
    name: 'tasknote-worker-config',
    component: 'worker',
    data: {
      LOG_LEVEL: env.logLevel,
      HTTP_PORT: String(workerContract.http.port),
      ...database,
      THUMBNAIL_SIZES: env.worker.thumbnailSizes.join(','),
      JOB_LEASE_SECONDS: '60',
      JOB_MAX_ATTEMPTS: '5',
      POLL_INTERVAL_MS: '1000',
      JOB_BACKOFF_BASE_MS: '2000',
      JOB_CONCURRENCY: '2',
    } satisfies Record<keyof typeof workerContract.env, string>,
  });

  // Our images have node but no coreutils `sleep`.
  const nodeSleep = (seconds: number) => ['node', '-e', `setTimeout(() => {}, ${seconds * 1000})`];
  const apiSecurity = { runAsUser: apiContract.uid, runAsGroup: apiContract.gid };
  const workerSecurity = { runAsUser: workerContract.uid, runAsGroup: workerContract.gid };
  const scaling = (w: EnvironmentConfig['api']) =>
    w.autoscaling
      ? {
          autoscaling: {
            minReplicas: w.autoscaling.minReplicas,
            maxReplicas: w.autoscaling.maxReplicas,
            targetCpuUtilizationPercent: w.autoscaling.targetCpuUtilizationPercent,
            behavior: w.autoscaling.behavior && {
              scaleUp: scalingRules(w.autoscaling.behavior.scaleUp),
              scaleDown: scalingRules(w.autoscaling.behavior.scaleDown),
            },
          },
        }
      : { replicas: w.replicas };

  const api = new WebService(chart, 'api', {
    name: 'tasknote-api',
    component: 'api',
    image: images.api,
    command: [...apiContract.commands.serve],
    ports: [{ name: apiContract.http.portName, containerPort: apiContract.http.port }],
    httpPortName: apiContract.http.portName,
    config: [apiConfig],
    env: secretEnv(secrets, apiContract.secretEnv),
    resources: env.api.resources,
    ...scaling(env.api),
    probes: {
      readiness: { check: { http: { path: apiContract.http.readinessPath, port: apiContract.http.portName } } },
      liveness: { check: { http: { path: apiContract.http.livenessPath, port: apiContract.http.portName } } },
    },
    writablePaths: [...apiContract.writablePaths],
    security: apiSecurity,
    preStopDelay: Duration.seconds(5),
    preStopCommand: nodeSleep(5),
    terminationGracePeriod: Duration.seconds(30),
    zoneSpread: env.zoneSpread,
    ingress: {
      host: env.ingress.host,
      className: env.ingress.className,
      ...(env.ingress.tlsSecretName ? { tlsSecretName: env.ingress.tlsSecretName } : {}),
      // Uploads of up to 10 MB plus multipart overhead.
      annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '12m' },
    },
  });

  const worker = new Worker(chart, 'worker', {
    name: 'tasknote-worker',
    component: 'worker',
    image: images.worker,
    command: [...workerContract.commands.run],
    ports: [{ name: workerContract.http.portName, containerPort: workerContract.http.port }],
    config: [workerConfig],
    env: secretEnv(secrets, workerContract.secretEnv),
    resources: env.worker.resources,
    ...scaling(env.worker),
    probes: {
      readiness: { check: { http: { path: workerContract.http.readinessPath, port: workerContract.http.portName } } },
      liveness: { check: { http: { path: workerContract.http.livenessPath, port: workerContract.http.portName } } },
    },
    writablePaths: [...workerContract.writablePaths],
    security: workerSecurity,
    // A resize job in flight finishes before the pod goes.
    terminationGracePeriod: Duration.seconds(60),
    zoneSpread: env.zoneSpread,
  });

  return { api, worker, apiConfig, apiSecurity };
}

type Services = ReturnType<typeof services>;

/** Jobs: the migration, the daily summary and the database backup with its volume. */
function jobs(
  chart: EnvironmentChart,
  env: EnvironmentConfig,
  images: ServiceImageRefs,
  secrets: Secrets,
  { postgres }: DataStores,
  { apiConfig, apiSecurity }: Services,
) {
  const migrate = new MigrationJob(chart, 'migrate', {
    name: 'tasknote-migrate',
    component: 'migration',
    image: images.api,
    command: [...apiContract.commands.migrate],
    config: [apiConfig],
    env: { DATABASE_PASSWORD: secrets.database.env('password') },
    resources: env.jobs.resources,
    writablePaths: [...apiContract.writablePaths],
    security: apiSecurity,
    backoffLimit: 3,
    activeDeadline: Duration.minutes(10),
  });

  const summary = new ScheduledJob(chart, 'daily-summary', {
    name: 'tasknote-daily-summary',
    component: 'daily-summary',
    image: images.api,
    command: [...apiContract.commands.summary],
    schedule: env.jobs.summarySchedule,
    timeZone: env.jobs.timeZone,
    config: [apiConfig],
    env: secretEnv(secrets, apiContract.secretEnv),
    resources: env.jobs.resources,
    writablePaths: [...apiContract.writablePaths],
    security: apiSecurity,
    activeDeadline: Duration.minutes(30),
  });

  const backups = new PersistentVolumeClaim(chart, 'backups', {
    name: 'tasknote-backups',
    component: 'backup',
    storageGiB: env.backup.storageGiB,
    storageClassName: env.storageClass,
  });
  const backup = new ScheduledJob(chart, 'db-backup', {
    name: 'tasknote-db-backup',
    component: 'backup',
    image: env.postgres.image,
    command: ['/bin/sh', '-c'],
    args: [
      [
        'set -eu',
        'file="/backups/tasknote-$(date -u +%Y%m%dT%H%M%SZ).dump"',
        'pg_dump --format=custom --no-owner --file="$file.partial"',
        'mv "$file.partial" "$file"',
        `find /backups -name 'tasknote-*.dump' -mtime +${env.backup.retentionDays - 1} -print -delete`,
      ].join('\n'),
    ],
    schedule: env.backup.schedule,
    timeZone: env.jobs.timeZone,
    env: {
      PGHOST: postgres.host,
      PGPORT: String(postgres.port),
      PGDATABASE: postgres.databaseName,
      PGUSER: postgres.user,
      PGPASSWORD: secrets.database.env('password'),
    },
    resources: env.jobs.resources,
    extraVolumes: [{ volume: backups.asVolume('backups'), mountPath: '/backups' }],
    security: { runAsUser: POSTGRES_IMAGE_UID },
    activeDeadline: Duration.hours(2),
    waivers: { 'high-uid': UID_WAIVER },
  });

  return { migrate, summary, backup };
}

/** Network: default deny, and exactly the flows the stack needs. */
function network(
  chart: EnvironmentChart,
  env: EnvironmentConfig,
  { postgres, redis }: DataStores,
  { api, worker }: Services,
  { migrate, summary, backup }: ReturnType<typeof jobs>,
): { dnsPeer: DnsPeer } {
  const net = new NetworkPolicies(chart, 'network-policies');
  net.allowFromNamespace({ name: 'ingress-controller', namespace: env.ingress.controllerNamespace }, api, apiContract.http.port);
  for (const client of [api, worker, migrate, summary, backup]) net.allow(client, postgres, postgres.port);
  net.allow(api, redis, redis.port);
  net.allowToExternal(summary, { name: 'smtp-relay', cidr: env.smtp.egressCidr }, env.smtp.port);
  return { dnsPeer: net.dnsPeer };
}

/** Environment config's HPA rules (plain seconds) as construct props (Durations). */
function scalingRules(rules: ScalingRulesConfig | undefined): ScalingRules | undefined {
  if (rules === undefined) return undefined;
  return {
    ...(rules.stabilizationWindowSeconds !== undefined ? { stabilizationWindow: Duration.seconds(rules.stabilizationWindowSeconds) } : {}),
    ...(rules.selectPolicy !== undefined ? { selectPolicy: rules.selectPolicy } : {}),
    ...(rules.policies !== undefined
      ? { policies: rules.policies.map((p) => ({ type: p.type, value: p.value, period: Duration.seconds(p.periodSeconds) })) }
      : {}),
  };
}
