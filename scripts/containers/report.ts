// The image report of the lane: size per image, proof from each image's own
// filesystem that it holds no dev dependency, compiler or npm cache, and the
// cold versus code-change build times. Exits 1 when an image holds what it must not.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface BuiltImage {
  service: string;
  repository: string;
  ref: string;
  digest: string;
  coldMs: number;
  /** BuildKit's plain progress output of the cold build. */
  coldLog?: string;
  /** The code-only rebuilds, one a round. */
  warm?: { ms: number; log: string }[];
}

/** The middle of the samples (the upper one of the two middles for an even count). */
function median(samples: readonly number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * The steps of a build that took time, slowest first, from BuildKit's plain progress output
 * (`#7 [build 3/3] RUN ...` then `#7 DONE 2.1s`). Cached steps have no DONE line.
 */
export function buildSteps(log: string): { step: string; seconds: number }[] {
  const names = new Map<string, string>();
  const steps: { step: string; seconds: number }[] = [];
  for (const line of log.split('\n')) {
    const named = /^#(\d+) (\[.+|exporting.+|writing.+|naming.+|load.+|transferring.+)$/.exec(line);
    if (named && !names.has(named[1])) names.set(named[1], named[2].replace(/\s+/g, ' ').slice(0, 90));
    const done = /^#(\d+) DONE (\d+(?:\.\d+)?)s$/.exec(line);
    if (done) steps.push({ step: names.get(done[1]) ?? `#${done[1]}`, seconds: Number(done[2]) });
  }
  return steps.sort((a, b) => b.seconds - a.seconds);
}

const DOCKER = process.env.TASKNOTE_DOCKER_BIN ?? '/usr/bin/docker';
const ROOT = join(__dirname, '..', '..');
/** The code-only rebuild should cost at most this share of the cold build. */
const WARM_TARGET = 0.15;

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: the report runs inside scripts/containers/lane.sh`);
  return v;
}

function docker(...args: string[]): string {
  return execFileSync(DOCKER, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
}

/** Every path in the image's filesystem, without a leading slash. */
function listFiles(ref: string): string[] {
  const id = docker('create', '--network', 'none', ref);
  try {
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"${DOCKER}" export "${id}" | tar -t`], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`listing ${ref} failed: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((p) => p.replace(/\/$/, ''));
  } finally {
    docker('rm', id);
  }
}

/** Bytes the registry stores for the image (compressed layers plus config). */
async function pushedBytes(registry: string, image: BuiltImage): Promise<number> {
  const res = await fetch(`http://${registry}/v2/${image.repository}/manifests/${image.digest}`, {
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
  });
  if (!res.ok) throw new Error(`registry answered ${res.status} for ${image.repository}@${image.digest}`);
  const m = (await res.json()) as { config: { size: number }; layers: { size: number }[] };
  return m.config.size + m.layers.reduce((s, l) => s + l.size, 0);
}

/** Packages that only dev dependencies reach, by their install path in the lockfile. */
function devOnlyInstallPaths(): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([path, p]) => p.dev === true && path.startsWith('node_modules/'))
    .map(([path]) => path);
}

interface Finding {
  what: string;
  paths: string[];
}

/** What must not be in a runtime image, found in its file list. */
function forbiddenContent(files: string[], service: string, devPaths: string[]): Finding[] {
  const set = new Set(files);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'services', service, 'package.json'), 'utf8')) as {
    devDependencies?: Record<string, string>;
  };
  // A devDependency that production code also reaches (ajv, through fastify) belongs in the image;
  // one that only dev code reaches does not.
  const devOnly = new Set(devPaths);
  const devDirect = Object.keys(pkg.devDependencies ?? {})
    .filter((n) => devOnly.has(`node_modules/${n}`))
    .map((n) => `app/node_modules/${n}`);
  const findings: Finding[] = [
    { what: `devDependencies of services/${service}`, paths: devDirect.filter((p) => set.has(p)) },
    { what: 'dev-only packages of the lockfile', paths: devPaths.map((p) => `app/${p}`).filter((p) => set.has(p)) },
    {
      what: 'a compiler (tsc, gcc, cc, g++, clang)',
      paths: files.filter(
        (f) =>
          /(^|\/)(bin|\.bin|libexec\/gcc\/.*)\/(tsc|gcc(-\d+)?|cc|c\+\+|g\+\+(-\d+)?|clang|cc1(plus)?)$/.test(f) ||
          /(^|\/)node_modules\/typescript$/.test(f),
      ),
    },
    {
      what: 'TypeScript sources',
      paths: files.filter((f) => f.startsWith('app/') && /\.ts$/.test(f) && !f.endsWith('.d.ts') && !f.includes('/node_modules/')),
    },
    { what: 'an npm cache', paths: files.filter((f) => /(^|\/)(\.npm|_cacache)(\/|$)/.test(f)) },
  ];
  return findings.filter((f) => f.paths.length > 0);
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const images = JSON.parse(readFileSync(env('TASKNOTE_IMAGES_RECORD'), 'utf8')) as BuiltImage[];
  const registry = env('REGISTRY');
  const devPaths = devOnlyInstallPaths();
  let failed = false;

  console.log('\nImage report');
  console.log(
    `  base: ${process.env.TASKNOTE_IMAGES_BASE ?? '?'} (${mib(Number(docker('image', 'inspect', '--format', '{{.Size}}', env('TASKNOTE_IMAGES_BASE'))))})`,
  );
  for (const image of images) {
    const ref = `${registry}/${image.repository}@${image.digest}`;
    const size = Number(docker('image', 'inspect', '--format', '{{.Size}}', ref));
    const user = docker('image', 'inspect', '--format', '{{.Config.User}}', ref);
    const files = listFiles(ref);
    const findings = forbiddenContent(files, image.service, devPaths);
    const modules = new Set(files.filter((f) => /^app\/node_modules\/(@[^/]+\/)?[^/@]+$/.test(f) && !f.endsWith('/.bin'))).size;
    console.log(`  ${image.repository}@${image.digest}`);
    console.log(`    size: ${mib(size)} unpacked, ${mib(await pushedBytes(registry, image))} in the registry; USER ${user}`);
    console.log(
      `    contents: ${files.length} paths, ${modules} packages in /app/node_modules; checked ${devPaths.length} dev-only lockfile packages`,
    );
    if (findings.length === 0) {
      console.log('    no dev dependencies, no compiler, no TypeScript sources, no npm cache');
    } else {
      failed = true;
      for (const f of findings) console.log(`    FOUND ${f.what}: ${f.paths.slice(0, 5).join(', ')}${f.paths.length > 5 ? ', ...' : ''}`);
    }
  }

  console.log('\nBuild times (BuildKit, 2 cores shared with the rest of the machine)');
  const warmOf = (i: BuiltImage): number | undefined => (i.warm && i.warm.length > 0 ? median(i.warm.map((w) => w.ms)) : undefined);
  const cold = images.reduce((s, i) => s + i.coldMs, 0);
  const warm = images.reduce((s, i) => s + (warmOf(i) ?? 0), 0);
  for (const i of images) {
    const w = warmOf(i);
    const ratio = w !== undefined ? ` = ${((100 * w) / i.coldMs).toFixed(1)}% of cold (target at most ${WARM_TARGET * 100}%)` : '';
    const rounds = i.warm && i.warm.length > 1 ? ` (median of ${i.warm.map((r) => sec(r.ms)).join(', ')})` : '';
    console.log(`  ${i.repository}: cold ${sec(i.coldMs)}, after a code-only change ${w !== undefined ? sec(w) : '-'}${rounds}${ratio}`);
    const medianRound = i.warm?.find((r) => r.ms === w);
    if (medianRound && existsSync(medianRound.log)) {
      const steps = buildSteps(readFileSync(medianRound.log, 'utf8')).filter((st) => st.seconds >= 0.1);
      console.log(`    code-only rebuild, steps over 0.1 s: ${steps.map((st) => `${st.step} ${st.seconds.toFixed(1)} s`).join('; ') || 'none'}`);
    }
    if (i.coldLog && existsSync(i.coldLog)) {
      const steps = buildSteps(readFileSync(i.coldLog, 'utf8')).slice(0, 4);
      console.log(`    cold build, slowest steps: ${steps.map((st) => `${st.step} ${st.seconds.toFixed(1)} s`).join('; ')}`);
    }
  }
  console.log(
    `  all images: cold ${sec(cold)}, code-only change ${sec(warm)} = ${((100 * warm) / cold).toFixed(1)}% (target at most ${WARM_TARGET * 100}% for each image)`,
  );
  if (process.env.TASKNOTE_BASE_MS) console.log(`  offline base (assemble or import): ${sec(Number(process.env.TASKNOTE_BASE_MS))}`);
  if (process.env.TASKNOTE_LANE_MS)
    console.log(`  lane so far (engine, base, builds, pushes, contract test): ${sec(Number(process.env.TASKNOTE_LANE_MS))}`);
  if (failed) {
    console.error('\nAn image holds content a runtime image must not (FOUND above): fix its Dockerfile.');
    process.exit(1);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
