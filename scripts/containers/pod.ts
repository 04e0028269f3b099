// Runs a workload's image the way a kubelet runs its pod, on loopback only.
//
// A holder container with no network (the pod's "pause") owns a network
// namespace that has nothing but its own loopback; the workload joins it.
// netns-relay.js, started inside that namespace, makes the test's PostgreSQL,
// Redis and SMTP answer on the ports of the manifest's env (5432, 6379, ...),
// under the manifest's host names (mapped to 127.0.0.1 in /etc/hosts, as
// cluster DNS would resolve them), and carries probes in through unix sockets.
// So the ConfigMap env is used verbatim, the app may bind 0.0.0.0 inside the
// pod, and nothing the test starts listens on the machine outside 127.0.0.1.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { constraintFlags, type Workload } from './workloads';

const run = promisify(execFile);
const DOCKER = process.env.TASKNOTE_DOCKER_BIN ?? '/usr/bin/docker';

export async function docker(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(DOCKER, args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`docker ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** A server of the test, reachable from the pod as `host:port` of its env. */
export interface Upstream {
  host: string;
  port: number;
  /** Where the test's server really listens on 127.0.0.1. */
  targetPort: number;
}

export interface PodOptions {
  name: string;
  image: string;
  workload: Workload;
  env: Record<string, string>;
  upstreams: Upstream[];
  /** A short directory for unix sockets and the env file. */
  stateDir: string;
}

function pipe(a: Socket, b: Socket): void {
  a.pipe(b).pipe(a);
  const close = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('error', close);
  b.on('error', close);
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export class Pod {
  private readonly servers: Server[] = [];
  private relay: ChildProcess | undefined;
  private readonly holder: string;
  readonly container: string;

  private constructor(private readonly options: PodOptions) {
    this.holder = `${options.name}-holder`;
    this.container = options.name;
  }

  /** Starts the pod; the workload container runs detached. */
  static async start(options: PodOptions): Promise<Pod> {
    const pod = new Pod(options);
    try {
      await pod.startNetwork();
      await pod.startContainer();
    } catch (err) {
      await pod.remove();
      throw err;
    }
    return pod;
  }

  private async startNetwork(): Promise<void> {
    const { workload: w, image, upstreams, stateDir } = this.options;
    const hosts = [...new Set(upstreams.map((u) => u.host))].flatMap((h) => ['--add-host', `${h}:127.0.0.1`]);
    await docker(
      'run', '-d', '--name', this.holder, '--network', 'none', ...hosts,
      ...constraintFlags(w),
      '--entrypoint', 'node', image, '-e', 'setInterval(() => {}, 2 ** 30)',
    );
    const pid = await docker('inspect', '--format', '{{.State.Pid}}', this.holder);

    const out = upstreams.map((u) => ({ port: u.port, socket: join(stateDir, `out-${this.container}-${u.port}.sock`) }));
    for (const [i, u] of upstreams.entries()) {
      const server = createServer((c) => pipe(c, connect(u.targetPort, '127.0.0.1')));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(out[i]!.socket, resolve);
      });
      this.servers.push(server);
    }
    const probePorts = [...new Set([w.readiness, w.liveness, w.startup].flatMap((p) => (p ? [p.port] : [])))];
    const spec = { out, in: probePorts.map((port) => ({ port, socket: this.probeSocket(port) })) };
    this.relay = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, process.execPath, join(__dirname, 'netns-relay.js'), JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      this.relay!.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      this.relay!.stdout!.once('data', () => resolve());
      this.relay!.once('exit', (code) => reject(new Error(`netns relay exited with ${code}: ${err}`)));
    });
  }

  private async startContainer(): Promise<void> {
    const { workload: w, image, env, stateDir } = this.options;
    // An env file keeps the test's secret values out of the process list.
    const envFile = join(stateDir, `${this.container}.env`);
    writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
    // Kubernetes' `command` replaces the image's ENTRYPOINT (and CMD).
    const [entrypoint, ...args] = w.command;
    const entry = entrypoint === undefined ? [] : ['--entrypoint', entrypoint];
    await docker(
      'run', '-d', '--name', this.container, '--network', `container:${this.holder}`,
      ...constraintFlags(w), '--env-file', envFile, ...entry, image, ...args,
    );
  }

  probeSocket(port: number): string {
    return join(this.options.stateDir, `in-${this.container}-${port}.sock`);
  }

  /** An HTTP request to 127.0.0.1:<port> inside the pod. */
  http(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.probeSocket(port), method, path, headers: { host: 'localhost', ...headers }, timeout: 5000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Polls a probe until it answers 2xx; returns the milliseconds it took. */
  async waitFor(port: number, path: string, timeoutMs: number): Promise<number> {
    const started = Date.now();
    let last = 'no answer';
    while (Date.now() - started < timeoutMs) {
      const state = await this.state();
      if (state.status !== 'running') {
        throw new Error(`${this.container} ${state.status} (exit ${state.exitCode}) before ${path} answered:\n${await this.logs()}`);
      }
      try {
        const a = await this.http(port, 'GET', path);
        if (a.status >= 200 && a.status < 300) return Date.now() - started;
        last = `${a.status} ${a.body}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`GET ${path} on port ${port} did not answer 2xx within ${timeoutMs} ms (last: ${last}):\n${await this.logs()}`);
  }

  async state(): Promise<{ status: string; exitCode: number; oomKilled: boolean }> {
    const s = JSON.parse(await docker('inspect', '--format', '{{json .State}}', this.container)) as {
      Status: string;
      ExitCode: number;
      OOMKilled: boolean;
    };
    return { status: s.Status, exitCode: s.ExitCode, oomKilled: s.OOMKilled };
  }

  /** Waits for the container to exit, at most timeoutMs; returns its exit code. */
  async waitExit(timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      const s = await this.state();
      if (s.status === 'exited' || s.status === 'dead') return s.exitCode;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.container} still runs after ${timeoutMs} ms:\n${await this.logs()}`);
  }

  async logs(): Promise<string> {
    try {
      const { stdout, stderr } = await run(DOCKER, ['logs', '--tail', '60', this.container]);
      return stdout + stderr;
    } catch {
      return '(no logs)';
    }
  }

  /**
   * Stops the container as the kubelet does: the preStop hook, then SIGTERM,
   * then SIGKILL at the end of the grace period. Returns how it went.
   */
  async terminate(): Promise<{ preStopMs: number; totalMs: number; exitCode: number; killed: boolean }> {
    const { workload: w } = this.options;
    const graceMs = w.terminationGracePeriodSeconds * 1000;
    const started = Date.now();
    if (w.preStop) await docker('exec', this.container, ...w.preStop);
    const preStopMs = Date.now() - started;
    await docker('kill', '--signal', 'TERM', this.container);
    let exitCode: number;
    let killed = false;
    try {
      exitCode = await this.waitExit(Math.max(graceMs - preStopMs, 0));
    } catch {
      await docker('kill', '--signal', 'KILL', this.container);
      exitCode = await this.waitExit(10_000);
      killed = true;
    }
    return { preStopMs, totalMs: Date.now() - started, exitCode, killed };
  }

  async remove(): Promise<void> {
    await docker('rm', '-f', this.container, this.holder).catch(() => undefined);
    this.relay?.kill('SIGTERM');
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }
}
