// The images compile each service with scripts/containers/transpile.js instead of its `npm run build`
// (tsc): the emit must be exactly tsc's, file for file, and the build it stands in for must still be
// plain tsc on tsconfig.build.json.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const SERVICES = ['api', 'worker'];
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const TRANSPILE = join(ROOT, 'scripts', 'containers', 'transpile.js');

/** Every file under `dir`, relative, with its content. */
function tree(dir: string): Record<string, string> {
  return Object.fromEntries(
    (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
      .sort()
      .map((f) => [f.slice(dir.length + 1), readFileSync(f, 'utf8')]),
  );
}

/** A copy of a service's sources and build config, laid out as in the repository (node_modules linked). */
function copyService(service: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tasknote-transpile-${service}-`));
  cpSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  cpSync(join(ROOT, 'services', service, 'src'), join(dir, 'services', service, 'src'), { recursive: true });
  cpSync(join(ROOT, 'services', service, 'tsconfig.build.json'), join(dir, 'services', service, 'tsconfig.build.json'));
  return join(dir, 'services', service);
}

describe.each(SERVICES)('services/%s', (service) => {
  test('its build is tsc on tsconfig.build.json, the build transpile.js stands in for', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'services', service, 'package.json'), 'utf8')) as { scripts: { build: string } };
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
  });

  test('transpile.js emits exactly what tsc emits', () => {
    const dir = copyService(service);
    try {
      const tsc = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.build.json', '--noCheck', '--outDir', 'tsc-out'], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(tsc.stdout + tsc.stderr).toBe('');
      const ours = spawnSync(process.execPath, [TRANSPILE, '.'], { cwd: dir, encoding: 'utf8' });
      expect(ours.stderr).toBe('');
      expect(ours.status).toBe(0);
      const expected = tree(join(dir, 'tsc-out'));
      expect(Object.keys(expected).length).toBeGreaterThan(3);
      expect(tree(join(dir, 'dist'))).toEqual(expected);
    } finally {
      rmSync(resolve(dir, '..', '..'), { recursive: true, force: true });
    }
  }, 60_000);
});

test('a syntax error fails the build with the file and position', () => {
  const dir = copyService('worker');
  try {
    writeFileSync(join(dir, 'src', 'broken.ts'), 'export const x = ;\n');
    const r = spawnSync(process.execPath, [TRANSPILE, '.'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/src\/broken\.ts:1:18: Expression expected/);
  } finally {
    rmSync(resolve(dir, '..', '..'), { recursive: true, force: true });
  }
});
