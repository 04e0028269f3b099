// prod: the managed (EKS) production cluster. Runs only images promoted through its release
// record; autoscaled with a higher floor, spread across zones, larger resources, TLS, and
// thirty days of database backups.
import type { EnvironmentInput } from './schema';
import { POSTGRES_IMAGE, REDIS_IMAGE } from './third-party-images';

export const prod: EnvironmentInput = {
  name: 'prod',
  namespace: 'tasknote-prod',
  cluster: {
    kind: 'eks',
    context: 'arn:aws:eks:eu-west-1:123456789012:cluster/tasknote-prod',
    server: 'https://9a8b7c6d5e4f3a2b1c0d.gr7.eu-west-1.eks.amazonaws.com',
  },
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/tasknote',
  imageSource: 'release',
  devImageTag: '0.1.0',
  logLevel: 'info',
  ingress: {
    host: 'tasknote.example.com',
    className: 'nginx',
    controllerNamespace: 'ingress-nginx',
    tlsSecretName: 'tasknote-tls',
  },
  storageClass: 'gp3',
  zoneSpread: true,
  api: {
    autoscaling: {
      minReplicas: 3,
      maxReplicas: 12,
      targetCpuUtilizationPercent: 65,
      // Web traffic comes back after a dip: keep the capacity for 10 minutes, then shed one pod at a time.
      behavior: { scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] } },
    },
    resources: {
      cpuRequestMillis: 250,
      cpuLimitMillis: 2000,
      memoryRequestMiB: 384,
      memoryLimitMiB: 768,
      ephemeralStorageRequestMiB: 256,
      ephemeralStorageLimitMiB: 1024,
    },
  },
  worker: {
    autoscaling: {
      minReplicas: 2,
      maxReplicas: 8,
      targetCpuUtilizationPercent: 75,
      // Each worker holds PostgreSQL connections: add two at a time; uploads come in bursts, so let go after 3 minutes.
      behavior: { scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] }, scaleDown: { stabilizationWindowSeconds: 180 } },
    },
    thumbnailSizes: [64, 256, 1024],
    resources: {
      cpuRequestMillis: 250,
      cpuLimitMillis: 2000,
      memoryRequestMiB: 384,
      memoryLimitMiB: 1024,
      ephemeralStorageRequestMiB: 256,
      ephemeralStorageLimitMiB: 1024,
    },
  },
  postgres: {
    image: POSTGRES_IMAGE,
    storageGiB: 100,
    resources: {
      cpuRequestMillis: 1000,
      cpuLimitMillis: 4000,
      memoryRequestMiB: 2048,
      memoryLimitMiB: 4096,
      ephemeralStorageRequestMiB: 256,
      ephemeralStorageLimitMiB: 1024,
    },
  },
  redis: {
    image: REDIS_IMAGE,
    maxMemoryMiB: 384,
    resources: {
      cpuRequestMillis: 100,
      cpuLimitMillis: 500,
      memoryRequestMiB: 448,
      memoryLimitMiB: 512,
      ephemeralStorageRequestMiB: 64,
      ephemeralStorageLimitMiB: 256,
    },
  },
  jobs: {
    summarySchedule: '0 6 * * *',
    timeZone: 'Europe/Berlin',
    resources: {
      cpuRequestMillis: 100,
      cpuLimitMillis: 1000,
      memoryRequestMiB: 256,
      memoryLimitMiB: 512,
      ephemeralStorageRequestMiB: 128,
      ephemeralStorageLimitMiB: 512,
    },
  },
  smtp: { host: 'email-smtp.eu-west-1.amazonaws.com', port: 587, from: 'tasknote@tasknote.example.com', egressCidr: '0.0.0.0/0' },
  backup: { schedule: '30 2 * * *', retentionDays: 30, storageGiB: 200 },
};
