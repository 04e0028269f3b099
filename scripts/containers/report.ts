// The image report of the lane: size per image, proof from each image's own
// filesystem that it holds no dev dependency, compiler or npm cache, and the
// cold versus code-change build times. Exits 1 when an image holds what it must not.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface BuiltImage {
  service: string;
  repository: string;
  ref: string;
  digest: string;
  coldMs: number;
  warmMs?: number;
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
  const devDirect = Object.keys(pkg.devDependencies ?? {}).map((n) => `app/node_modules/${n}`);
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
  const cold = images.reduce((s, i) => s + i.coldMs, 0);
  const warm = images.reduce((s, i) => s + (i.warmMs ?? 0), 0);
  for (const i of images) {
    const ratio = i.warmMs !== undefined ? ` = ${((100 * i.warmMs) / i.coldMs).toFixed(1)}% of cold` : '';
    console.log(
      `  ${i.repository}: cold ${sec(i.coldMs)}, after a code-only change ${i.warmMs !== undefined ? sec(i.warmMs) : '-'}${ratio}`,
    );
  }
  console.log(
    `  all images: cold ${sec(cold)}, code-only change ${sec(warm)} = ${((100 * warm) / cold).toFixed(1)}% (target at most ${WARM_TARGET * 100}%)`,
  );
  if (process.env.TASKNOTE_BASE_MS) console.log(`  offline base (assemble or import): ${sec(Number(process.env.TASKNOTE_BASE_MS))}`);
  if (process.env.TASKNOTE_LANE_MS)
    console.log(`  lane so far (engine, base, builds, pushes, contract test): ${sec(Number(process.env.TASKNOTE_LANE_MS))}`);
  if (failed) {
    console.error('\nAn image holds content a runtime image must not (FOUND above): fix its Dockerfile.');
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
