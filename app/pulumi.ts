// The Pulumi program: one stack per environment, `dev` deploys environments/dev.ts.
// `npm run deploy|preview|destroy` runs it inline through the Automation API (deploy/run.ts);
// Pulumi.yaml's `main` (app/pulumi-main.js) runs the same function for `pulumi up` by hand.
import * as pulumi from '@pulumi/pulumi';
import { REPO_ROOT } from '../core/repo-root';
import { deployEnvironment, type DeployOutputs } from '../deploy/program';
import { resolveDeployInputs } from '../deploy/stack-inputs';
import { ConfigError, loadEnvironment } from '../environments/load';
import { UserError } from '../core/user-error';
import { SynthError, synthesizeEnvironment } from './synth';

/** Registers the stack of the current Pulumi stack's environment and returns its outputs. */
export function tasknoteProgram(): DeployOutputs {
  try {
    return deployEnvironment(
      resolveDeployInputs({
        stack: pulumi.getStack(),
        config: new pulumi.Config('tasknote'),
        processEnv: process.env,
        repoRoot: REPO_ROOT,
        loadEnvironment: (name, overrides) => loadEnvironment(name, overrides),
        synthesize: (name, { images, overrides }) => synthesizeEnvironment(name, { images, overrides }),
      }),
    );
  } catch (err) {
    // Pulumi prints a RunError as a message, without the program's source and stack trace.
    if (err instanceof UserError || err instanceof ConfigError || err instanceof SynthError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
