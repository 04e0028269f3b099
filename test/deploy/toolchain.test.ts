import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackProcessEnv } from '../../deploy/run';
import { toolchainCache, toolchainPulumi } from '../../deploy/toolchain';

function cacheWith(dirs: Record<string, { complete: boolean }>): string {
  const cache = mkdtempSync(join(tmpdir(), 'toolchain-'));
  for (const [name, { complete }] of Object.entries(dirs)) {
    mkdirSync(join(cache, 'bin', name), { recursive: true });
    writeFileSync(join(cache, 'bin', name, 'pulumi'), '#!/bin/sh\n', { mode: 0o755 });
    if (complete) writeFileSync(join(cache, 'bin', name, '.complete'), '');
  }
  return cache;
}

describe('the toolchain pulumi, when none is on PATH', () => {
  test('is the completed build of exactly the SDK version', () => {
    const cache = cacheWith({
      'pulumi-v3.248.0-aaaa': { complete: true },
      'pulumi-v3.249.0-bbbb': { complete: true },
      'pulumi-v3.248.0-cccc.partial': { complete: false },
    });
    expect(toolchainPulumi({ TASKNOTE_TOOLCHAIN_CACHE: cache }, '3.248.0')).toBe(join(cache, 'bin', 'pulumi-v3.248.0-aaaa', 'pulumi'));
  });

  test('is not found when the build never completed, or no cache is named', () => {
    const cache = cacheWith({ 'pulumi-v3.248.0-aaaa': { complete: false } });
    expect(toolchainPulumi({ TASKNOTE_TOOLCHAIN_CACHE: cache }, '3.248.0')).toBeUndefined();
    expect(toolchainCache({})).toBeUndefined();
    expect(toolchainCache({ HOME: '/home/u' })).toBe('/home/u/.cache/tasknote-toolchain');
    expect(toolchainCache({ HOME: '/home/u', XDG_CACHE_HOME: '/c' })).toBe('/c/tasknote-toolchain');
  });
});

describe('stack settings that reach the environment', () => {
  test('tasknote:dockerHost becomes DOCKER_HOST, even over one already set', () => {
    expect(stackProcessEnv({ dockerHost: 'unix:///tmp/e/docker.sock' }, { DOCKER_HOST: 'unix:///other.sock' })).toEqual({
      DOCKER_HOST: 'unix:///tmp/e/docker.sock',
    });
  });

  test('tasknote:passphraseFile is used only when the environment sets no passphrase', () => {
    expect(stackProcessEnv({ passphraseFile: '/s/passphrase' }, {})).toEqual({ PULUMI_CONFIG_PASSPHRASE_FILE: '/s/passphrase' });
    expect(stackProcessEnv({ passphraseFile: '/s/passphrase' }, { PULUMI_CONFIG_PASSPHRASE: 'x' })).toEqual({});
    expect(stackProcessEnv({ passphraseFile: '/s/passphrase' }, { PULUMI_CONFIG_PASSPHRASE_FILE: '/f' })).toEqual({});
  });
});
