// Real servers for the service tests: redis-server and SMTP (smtp-server). PostgreSQL is in postgres.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

/**
 * Points this process's fixtures (and processes forked after it) at running servers: the other
 * half of `serverConfig`. Without Redis (a worker-only run) the Redis port is 0.
 */
export function useServers(pg: { port: number; user: string; password: string }, redis?: { port: number }): void {
  process.env.TASKNOTE_TEST_PG_PORT = String(pg.port);
  process.env.TASKNOTE_TEST_PG_USER = pg.user;
  process.env.TASKNOTE_TEST_PG_PASSWORD = pg.password;
  process.env.TASKNOTE_TEST_REDIS_PORT = String(redis?.port ?? 0);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningRedis {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startRedis(port?: number): Promise<RunningRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'tasknote-redis-'));
  const chosen = port ?? (await freePort());
  const child = spawn('redis-server', ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.once('error', (err) =>
      reject(new Error(`redis-server could not start (${err.message}); install it: apt-get install -y redis-server`)),
    );
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
  });
  child.removeAllListeners('exit');
  return {
    port: chosen,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        });
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface RunningSmtp {
  port: number;
  messages: ReceivedMail[];
  /** When set, the server rejects every message with this error. */
  rejectWith: string | undefined;
  stop(): Promise<void>;
}

export async function startSmtp(): Promise<RunningSmtp> {
  const port = await freePort();
  const state: RunningSmtp = {
    port,
    messages: [],
    rejectWith: undefined,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (state.rejectWith !== undefined) return callback(new Error(state.rejectWith));
        state.messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return state;
}
