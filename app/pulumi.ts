// The Pulumi program (Pulumi.yaml `main` is app/pulumi-main.js, which loads this file through tsx).
// One stack per environment: `pulumi up --stack dev` deploys environments/dev.ts.
import * as pulumi from '@pulumi/pulumi';
import { join } from 'node:path';
import { deployEnvironment } from '../deploy/program';
import { resolveDeployInputs } from '../deploy/stack-inputs';
import { ConfigError, loadEnvironment } from '../environments/load';
import { UserError } from './errors';
import { SynthError, synthesizeEnvironment } from './synth';

function run() {
  try {
    return deployEnvironment(
      resolveDeployInputs({
        stack: pulumi.getStack(),
        config: new pulumi.Config('tasknote'),
        processEnv: process.env,
        repoRoot: join(__dirname, '..'),
        loadEnvironment: (name) => loadEnvironment(name),
        synthesize: (name, { images }) => synthesizeEnvironment(name, { images }),
      }),
    );
  } catch (err) {
    // Pulumi prints a RunError as a message, without the program's source and stack trace.
    if (err instanceof UserError || err instanceof ConfigError || err instanceof SynthError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

export = run();
