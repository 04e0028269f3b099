// The working tree's manifests, synthesized in process by the same function `npm run synth` uses.
import { UserError } from '../core/user-error';
import { ConfigError } from '../environments/load';
import { SynthError, synthesizeEnvironment, SynthOptions } from './synth';
import { KubeObject } from '../core/kube-object';
import { SynthesizeWithRecord } from '../review/promote';

function synthesize(env: string, options: SynthOptions = {}): KubeObject[] {
  try {
    return synthesizeEnvironment(env, options).files.flatMap((f) => f.objects);
  } catch (err) {
    // Config and construct errors are the user's to fix: show them without a stack trace.
    if (err instanceof ConfigError || err instanceof SynthError) throw new UserError(err.message);
    throw err;
  }
}

export function synthesizeWorkingTree(envs: readonly string[]): Map<string, KubeObject[]> {
  return new Map(envs.map((env) => [env, synthesize(env)]));
}

/** The target environment as it renders with a given release record's images. */
export const synthesizeWithRecord: SynthesizeWithRecord = (env, record) => synthesize(env, { images: record.images });
