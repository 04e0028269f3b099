/**
 * The contract between the api image and the manifests that run it.
 *
 * The constructs in app/stack.ts import this module, so ports, probe paths,
 * env var names, Secret keys, writable paths and the UID cannot drift apart.
 * Self-contained on purpose: it is compiled into the image too.
 */
export const apiContract = {
  /** Image repository name, without registry. */
  imageName: 'tasknote-api',
  /** Numeric non-root user and group the image declares with `USER`. */
  uid: 10001,
  gid: 10001,
  /** Paths the process writes to; everything else is a read-only root filesystem. */
  writablePaths: ['/tmp'],
  http: {
    port: 8080,
    portName: 'http',
    livenessPath: '/healthz',
    readinessPath: '/readyz',
    metricsPath: '/metrics',
  },
  /** Entry points of the image; `serve` is the image's default CMD. */
  commands: {
    serve: ['node', 'dist/main.js', 'serve'],
    migrate: ['node', 'dist/main.js', 'migrate'],
    summary: ['node', 'dist/main.js', 'summary'],
  },
  /** Plain configuration, set from a ConfigMap. Value is what it means. */
  env: {
    LOG_LEVEL: 'pino log level: fatal|error|warn|info|debug|trace',
    PORT: 'HTTP port the server listens on',
    DATABASE_HOST: 'PostgreSQL host',
    DATABASE_PORT: 'PostgreSQL port',
    DATABASE_NAME: 'PostgreSQL database name',
    DATABASE_USER: 'PostgreSQL user',
    REDIS_HOST: 'Redis host',
    REDIS_PORT: 'Redis port',
    CACHE_TTL_SECONDS: 'TTL of cached task listings',
    MAX_UPLOAD_BYTES: 'largest accepted image upload, in bytes',
    SHUTDOWN_DRAIN_SECONDS: 'seconds /readyz reports 503 before the server stops accepting',
    SMTP_HOST: 'SMTP relay host (summary command)',
    SMTP_PORT: 'SMTP relay port (summary command)',
    SMTP_FROM: 'From address of summary mails (summary command)',
    SUMMARY_TIME_ZONE: 'IANA time zone that defines "today" for summaries',
  },
  /** Env vars read from Secrets: logical secret name and key. */
  secretEnv: {
    DATABASE_PASSWORD: { secret: 'database', key: 'password' },
    ADMIN_TOKEN: { secret: 'admin', key: 'token' },
    SMTP_USER: { secret: 'smtp', key: 'username' },
    SMTP_PASSWORD: { secret: 'smtp', key: 'password' },
  },
} as const;

export type ApiContract = typeof apiContract;
