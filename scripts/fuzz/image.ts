/**
 * The fuzz lane against the built api image, run as the dev manifest runs it: its user, read-only
 * root, dropped capabilities, limits, emptyDirs, ConfigMap env and command (test/images/pod.ts,
 * the images lane's pod), against real PostgreSQL and Redis. The migrate Job's pod runs first.
 * Started by scripts/fuzz/image.sh, which builds and pushes the image with scripts/containers.
 *
 *   node --import tsx scripts/fuzz/image.ts --st PATH --image REGISTRY/tasknote-api@sha256:...
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { startPostgres } from '../../services/test-support/postgres';
import { freePort, startRedis } from '../../services/test-support/servers';
import { Pod, docker, type Upstream } from '../containers/pod';
import { loadObjects, workload, type Workload } from '../containers/workloads';
import { fuzz, log } from './fuzz';

const { values: args } = parseArgs({
  options: {
    st: { type: 'string' },
    image: { type: 'string' },
    examples: { type: 'string', default: '100' },
    seed: { type: 'string', default: '20261201' },
    'time-cap': { type: 'string', default: '600' },
  },
});

async function main(): Promise<number> {
  if (!args.st || !args.image) throw new Error('usage: image.ts --st PATH --image REF (run through scripts/fuzz/image.sh)');
  const objects = loadObjects(join(__dirname, '..', '..', 'dist', 'dev'));
  const api = workload(objects, 'Deployment', 'tasknote-api');
  const migrate = workload(objects, 'Job', 'tasknote-migrate');
  if (!api.readOnlyRootFilesystem)
    throw new Error('Deployment/tasknote-api of dist/dev does not set readOnlyRootFilesystem; the lane fuzzes it as the manifest runs it');
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  const stateDir = mkdtempSync('/tmp/tn-fuzz-');
  const pods: Pod[] = [];
  let bridge: Server | undefined;
  const dbPassword = randomBytes(18).toString('base64url');
  const secrets: Record<string, string> = {
    'tasknote-database/password': dbPassword,
    'tasknote-admin/token': randomBytes(32).toString('base64url'),
  };
  const envOf = (w: Workload) => {
    const env = { ...w.configEnv };
    // A test value for every secretKeyRef, as the images lane does; keys the API does not use (SMTP) get random ones.
    for (const ref of Object.values(w.secretEnv)) secrets[ref] ??= randomBytes(18).toString('base64url');
    for (const [name, ref] of Object.entries(w.secretEnv)) env[name] = secrets[ref]!;
    return env;
  };
  const upstreamsOf = (w: Workload): Upstream[] => {
    const targets: Record<string, number> = { DATABASE: pg.port, REDIS: redis.port };
    return Object.keys(w.configEnv)
      .filter((k) => k.endsWith('_HOST') && targets[k.slice(0, -'_HOST'.length)] !== undefined)
      .map((k) => {
        const prefix = k.slice(0, -'_HOST'.length);
        return { host: w.configEnv[k]!, port: Number(w.configEnv[`${prefix}_PORT`]), targetPort: targets[prefix]! };
      });
  };
  const start = async (w: Workload, name: string) => {
    const pod = await Pod.start({ name, image: args.image!, workload: w, env: envOf(w), upstreams: upstreamsOf(w), stateDir });
    pods.push(pod);
    return pod;
  };
  try {
    // The cluster's PostgreSQL as the ConfigMap expects it: its role and database.
    const admin = new Client({ host: '127.0.0.1', port: pg.port, user: pg.user, password: pg.password, database: 'postgres' });
    await admin.connect();
    const { DATABASE_USER: user, DATABASE_NAME: db } = migrate.configEnv;
    await admin.query(`CREATE ROLE "${user}" LOGIN PASSWORD '${dbPassword}'`);
    await admin.query(`CREATE DATABASE "${db}" OWNER "${user}"`);
    await admin.end();

    const suffix = randomBytes(3).toString('hex');
    const migration = await start(migrate, `tn-fuzz-migrate-${suffix}`);
    const migrated = await migration.waitExit(120_000);
    if (migrated !== 0) throw new Error(`the migrate Job's pod exited ${migrated}:\n${await migration.logs()}`);

    const pod = await start(api, `tn-fuzz-api-${suffix}`);
    const port = api.readiness?.port;
    if (port === undefined) throw new Error('Deployment/tasknote-api declares no readiness probe port');
    await pod.waitFor(port, api.readiness!.path, 120_000);
    // The pod has only its own loopback; a loopback port here carries schemathesis in through the pod's socket.
    const local = await freePort();
    bridge = createServer((c) => {
      const upstream = connect(pod.probeSocket(port));
      c.pipe(upstream).pipe(c);
      const close = () => {
        c.destroy();
        upstream.destroy();
      };
      c.on('error', close);
      upstream.on('error', close);
    });
    await new Promise<void>((resolve) => bridge!.listen(local, '127.0.0.1', resolve));
    log(
      `image ${args.image} as Deployment/tasknote-api of dist/dev (uid ${api.user}, read-only root ${api.readOnlyRootFilesystem}, drop ${api.dropCapabilities.join(',')}, ${api.memoryLimitBytes} bytes, ${api.cpuLimit} CPU), reached on 127.0.0.1:${local}`,
    );
    return await fuzz(
      {
        baseUrl: `http://127.0.0.1:${local}`,
        adminToken: secrets['tasknote-admin/token']!,
        apiLog: () => docker('logs', pod.container),
        stop: async () => undefined,
      },
      {
        st: args.st,
        examples: Number(args.examples),
        seed: Number(args.seed),
        timeCapSeconds: Number(args['time-cap']),
        label: 'api image',
      },
    );
  } finally {
    bridge?.close();
    for (const pod of pods) await pod.remove();
    await redis.stop();
    await pg.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
