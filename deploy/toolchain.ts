// The pulumi CLI that `npm run toolchain` builds, found in its cache when it is not on PATH.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where scripts/cluster/toolchain/build.sh keeps what it builds (its TOOLCHAIN_CACHE), as that environment names it. */
export function toolchainCache(env: NodeJS.ProcessEnv): string | undefined {
  if (env.TASKNOTE_TOOLCHAIN_CACHE !== undefined) return env.TASKNOTE_TOOLCHAIN_CACHE;
  const cache = env.XDG_CACHE_HOME ?? (env.HOME === undefined ? undefined : join(env.HOME, '.cache'));
  return cache === undefined ? undefined : join(cache, 'tasknote-toolchain');
}

/**
 * The toolchain's `pulumi` of this version (`<cache>/bin/pulumi-v<version>-<hash>/pulumi`, a build
 * that completed), or undefined. With several builds of the version, the newest directory wins.
 */
export function toolchainPulumi(env: NodeJS.ProcessEnv, version: string): string | undefined {
  const cache = toolchainCache(env);
  const bin = cache === undefined ? undefined : join(cache, 'bin');
  if (bin === undefined || !existsSync(bin)) return undefined;
  return readdirSync(bin, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.startsWith(`pulumi-v${version}-`) && existsSync(join(bin, d.name, '.complete')))
    .map((d) => join(bin, d.name, 'pulumi'))
    .filter((p) => existsSync(p))
    .sort()
    .pop();
}
