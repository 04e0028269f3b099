// TaskNote's check profiles: which optional rule groups apply to its own manifests. `check`
// knows no environment names; TaskNote's CLI and synth pass these in as data.
import { GENERIC_PROFILE, type Profile } from '../check/types';
import type { DnsPeer } from '../core/dns-peer';
import type { EnvironmentName } from '../core/environment-names';

const OWNER = 'TaskNote';

/** Every TaskNote environment follows TaskNote's conventions; staging and prod add pinning and replicas, prod zone spread. */
export const ENVIRONMENT_PROFILES: Readonly<Record<EnvironmentName, Profile>> = {
  dev: { name: 'dev', owner: OWNER, groups: ['conventions'] },
  staging: { name: 'staging', owner: OWNER, groups: ['conventions', 'pinned-images', 'replicas'] },
  prod: { name: 'prod', owner: OWNER, groups: ['conventions', 'pinned-images', 'replicas', 'zone-spread'] },
};

/** The profiles `tasknote check --profile` offers for explicit paths. */
export const CHECK_PROFILES: Readonly<Record<string, Profile>> = {
  generic: GENERIC_PROFILE,
  tasknote: { name: 'tasknote', owner: OWNER, groups: ['conventions'] },
  ...ENVIRONMENT_PROFILES,
};

export const CHECK_PROFILE_NAMES = Object.keys(CHECK_PROFILES);

/**
 * TaskNote's profile for an environment (synth and `check --env` use it), with the cluster DNS
 * the stack's network policies allow when synth knows it.
 */
export function profileForEnvironment(env: EnvironmentName, dnsPeer?: DnsPeer): Profile {
  return dnsPeer === undefined ? ENVIRONMENT_PROFILES[env] : { ...ENVIRONMENT_PROFILES[env], dnsPeer };
}
