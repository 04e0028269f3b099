// staging: the managed (EKS) cluster that mirrors prod at a smaller scale. Runs the images of its
// release record, two replicas, the api behind an HPA and TLS.
import type { EnvironmentInput } from './schema';
import { POSTGRES_IMAGE, REDIS_IMAGE } from './third-party-images';

export const staging: EnvironmentInput = {
  name: 'staging',
  namespace: 'tasknote-staging',
  cluster: {
    kind: 'eks',
    context: 'arn:aws:eks:eu-west-1:123456789012:cluster/tasknote-staging',
    server: 'https://4f1c2a9e0b7d3e5a6c8b.gr7.eu-west-1.eks.amazonaws.com',
  },
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/tasknote',
  imageSource: 'release',
  devImageTag: '0.1.0',
  logLevel: 'info',
  ingress: {
    host: 'staging.tasknote.example.com',
    className: 'nginx',
    controllerNamespace: 'ingress-nginx',
    tlsSecretName: 'tasknote-tls',
  },
  storageClass: 'gp3',
  zoneSpread: false,
  api: {
    autoscaling: { minReplicas: 2, maxReplicas: 4, targetCpuUtilizationPercent: 70 },
    resources: {
      cpuRequestMillis: 100,
      cpuLimitMillis: 1000,
      memoryRequestMiB: 192,
      memoryLimitMiB: 384,
      ephemeralStorageRequestMiB: 128,
      ephemeralStorageLimitMiB: 512,
    },
  },
  worker: {
    replicas: 2,
    thumbnailSizes: [64, 256],
    resources: {
      cpuRequestMillis: 100,
      cpuLimitMillis: 1000,
      memoryRequestMiB: 192,
      memoryLimitMiB: 448,
      ephemeralStorageRequestMiB: 128,
      ephemeralStorageLimitMiB: 512,
    },
  },
  postgres: {
    image: POSTGRES_IMAGE,
    storageGiB: 10,
    resources: {
      cpuRequestMillis: 250,
      cpuLimitMillis: 1000,
      memoryRequestMiB: 512,
      memoryLimitMiB: 1024,
      ephemeralStorageRequestMiB: 128,
      ephemeralStorageLimitMiB: 512,
    },
  },
  redis: {
    image: REDIS_IMAGE,
    maxMemoryMiB: 96,
    resources: {
      cpuRequestMillis: 50,
      cpuLimitMillis: 250,
      memoryRequestMiB: 128,
      memoryLimitMiB: 160,
      ephemeralStorageRequestMiB: 32,
      ephemeralStorageLimitMiB: 128,
    },
  },
  jobs: {
    summarySchedule: '0 6 * * *',
    timeZone: 'Europe/Berlin',
    resources: {
      cpuRequestMillis: 50,
      cpuLimitMillis: 500,
      memoryRequestMiB: 128,
      memoryLimitMiB: 256,
      ephemeralStorageRequestMiB: 64,
      ephemeralStorageLimitMiB: 256,
    },
  },
  smtp: { host: 'email-smtp.eu-west-1.amazonaws.com', port: 587, from: 'tasknote@staging.tasknote.example.com', egressCidr: '0.0.0.0/0' },
  backup: { schedule: '30 2 * * *', retentionDays: 7, storageGiB: 20 },
};
