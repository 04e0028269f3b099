// Runs the deploy program under `pulumi.runtime.setMocks` and records every registration and invoke,
// with the dependencies, parent and options that `MockResourceArgs` alone does not show.
import * as pulumi from '@pulumi/pulumi';
import { createHash } from 'node:crypto';

export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parent: string;
  /** `urn::id` of the provider, '' for a default provider. */
  readonly provider: string;
  readonly dependencies: readonly string[];
  /** Inputs as the mock sees them: secrets unwrapped. */
  readonly inputs: Record<string, any>;
  /** Inputs as serialized on the wire: secrets still wrapped in their signature. */
  readonly wire: Record<string, any>;
  readonly deleteBeforeReplace: boolean;
  readonly replaceOnChanges: readonly string[];
  readonly additionalSecretOutputs: readonly string[];
  readonly timeouts?: { create: string; update: string };
}

export interface Recorder {
  readonly registrations: Registration[];
  readonly invokes: pulumi.runtime.MockCallArgs[];
  /** Waits until every registration the program started has been answered. */
  settle(): Promise<void>;
}

/** The signature Pulumi wraps secret values in on the wire. */
export const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

/** A deterministic digest per image name, so tests can predict what reaches the Deployments. */
export function mockDigest(imageName: string): string {
  return `sha256:${createHash('sha256').update(imageName).digest('hex')}`;
}

/** The value the mock Stash keeps for a generated secret; tests look for it where it must not be. */
export function mockGenerated(name: string): string {
  return `GENERATED-${name}-c2VjcmV0`;
}

export function installMocks(stack: string, config: Record<string, string> = {}, secretKeys: string[] = []): Recorder {
  const registrations: Registration[] = [];
  const invokes: pulumi.runtime.MockCallArgs[] = [];
  pulumi.runtime.setAllConfig(config, secretKeys);
  void pulumi.runtime.setMocks(
    {
      newResource(args) {
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === 'docker-build:index:Image') state.digest = mockDigest(String((args.inputs.tags as string[])[0]));
        // The engine's Stash keeps the first value it was given; the mock keeps a predictable one.
        if (args.type === 'pulumi:index:Stash') state.output = mockGenerated(args.name);
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        invokes.push(args);
        return {};
      },
    },
    'tasknote',
    stack,
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource: (req: any, cb: (err: any, res: any) => void) => Promise<void>;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    original(req, (err, res) => {
      if (err === null && res !== undefined) {
        const timeouts = req.getCustomtimeouts();
        const wire = req.getObject()?.toJavaScript() ?? {};
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: res.getUrn(),
          parent: req.getParent(),
          provider: req.getProvider(),
          dependencies: req.getDependenciesList(),
          inputs: unwrapSecrets(wire),
          wire,
          deleteBeforeReplace: req.getDeletebeforereplace(),
          replaceOnChanges: req.getReplaceonchangesList(),
          additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
          timeouts: timeouts === undefined ? undefined : { create: timeouts.getCreate(), update: timeouts.getUpdate() },
        });
      }
      callback(err, res);
    });
  return {
    registrations,
    invokes,
    settle: () => (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs(),
  };
}

function unwrapSecrets(value: any): any {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === 'object') {
    if (value['4dabf18193072939515e22adb298388d'] === SECRET_SIG) return unwrapSecrets(value.value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** Resolves an Output in a test (mocks resolve everything). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}
