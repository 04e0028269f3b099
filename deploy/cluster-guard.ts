// The wrong-cluster guard: a stack deploys only to the context and server its environment names.
import { z } from 'zod';
import { UserError } from '../core/user-error';
import type { EnvironmentConfig } from '../environments/schema';
import type { KubeContext, Kubeconfig } from './kubeconfig';

/** The context a deploy will use, once the guard has accepted it. */
export interface ClusterTarget {
  readonly context: KubeContext;
  readonly server: string;
}

/**
 * Checks that the kubeconfig maps the environment's context to the environment's server.
 * The provider is pinned to that context, so the current-context does not decide where
 * objects land; it is still shown, because it is what a confused user usually looks at.
 * Returns the problem as a sentence, or the target when the kubeconfig is right.
 */
export function checkClusterTarget(
  env: Pick<EnvironmentConfig, 'name' | 'cluster'>,
  kubeconfig: Kubeconfig,
): ClusterTarget | { problem: string } {
  const expected = `context '${env.cluster.context}' at a server matching '${env.cluster.server}'`;
  const where = `kubeconfig ${kubeconfig.sources.join(':')}`;
  const current = kubeconfig.currentContext === undefined ? 'no current-context' : `current-context '${kubeconfig.currentContext}'`;
  const context = kubeconfig.contexts.find((c) => c.name === env.cluster.context);
  if (context === undefined) {
    const names = kubeconfig.contexts.map((c) => `'${c.name}'${c.server ? ` (${c.server})` : ''}`);
    return {
      problem:
        `wrong cluster: stack '${env.name}' may deploy only to ${expected}, but ${where} has no context '${env.cluster.context}' ` +
        `(it has ${names.length > 0 ? names.join(', ') : 'no contexts'}; ${current})`,
    };
  }
  if (context.server === undefined) {
    return {
      problem: `wrong cluster: stack '${env.name}' may deploy only to ${expected}, but in ${where} context '${context.name}' names cluster '${context.cluster}', which the kubeconfig does not define`,
    };
  }
  if (!serverMatches(context.server, env.cluster.server)) {
    return {
      problem:
        `wrong cluster: stack '${env.name}' may deploy only to ${expected}, but ${where} points context '${context.name}' ` +
        `at cluster '${context.cluster}' (${context.server}); ${current}`,
    };
  }
  return { context, server: context.server };
}

/** `checkClusterTarget` that throws a `UserError` saying nothing was changed. */
export function assertClusterTarget(env: Pick<EnvironmentConfig, 'name' | 'cluster'>, kubeconfig: Kubeconfig): ClusterTarget {
  const result = checkClusterTarget(env, kubeconfig);
  if ('problem' in result) {
    throw new UserError(
      `${result.problem}. Nothing was changed. Fix the kubeconfig or environments/${env.name}.ts (cluster.context, cluster.server).`,
    );
  }
  return result;
}

/** The environment names a whole URL or a stable part of it (kind picks a random port). */
export function serverMatches(actual: string, expected: string): boolean {
  const strip = (s: string) => s.trim().replace(/\/+$/, '').toLowerCase();
  return strip(expected) !== '' && strip(actual).includes(strip(expected));
}

/** Stack config key that points a stack at a control plane on this machine instead of its environment's cluster. */
const CLUSTER_OVERRIDE_KEY = 'tasknote:cluster';

const overrideSchema = z
  .object({
    context: z.string().min(1, 'must name a kubeconfig context'),
    server: z
      .string()
      .url('must be a URL such as https://127.0.0.1:16443')
      .refine((s) => /^https:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}\/?$/.test(s), {
        message: 'must be an https URL on a loopback address with a port, such as https://127.0.0.1:16443',
      }),
  })
  .strict();

/**
 * The cluster a stack deploys to: its environment's, or the one stack config `tasknote:cluster`
 * names (`{context, server}`). An override may only name a control plane on a loopback address,
 * so no config can send a stack to another remote cluster; the guard then checks the kubeconfig
 * against the override exactly as it would against the environment.
 */
export function stackCluster(env: Pick<EnvironmentConfig, 'name' | 'cluster'>, override: unknown): EnvironmentConfig['cluster'] {
  if (override === undefined) return env.cluster;
  const parsed = overrideSchema.safeParse(typeof override === 'string' ? parseJson(override) : override);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${[CLUSTER_OVERRIDE_KEY, ...i.path].join('.')}: ${i.message}`);
    throw new UserError(
      `stack '${env.name}': ${problems.join('; ')} (received ${JSON.stringify(override)}); ` +
        `allowed: {context: <kubeconfig context>, server: https://127.0.0.1:<port>}`,
    );
  }
  return { kind: 'local', ...parsed.data };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
