// The `tasknote` command line: parses arguments and hands off to app/commands/*.
// Only the command being run is loaded (synth does not load the deploy or review code); help and
// an unknown command load them all, so that commander can list them and suggest the right one.
import { Command, CommanderError } from 'commander';
import { UserError } from '../core/user-error';

type Register = (program: Command) => void;

/** Each command name, with the module that registers it (several names can share one). */
const COMMANDS: Readonly<Record<string, () => Register>> = {
  synth: () => (require('./commands/synth') as typeof import('./commands/synth')).registerSynth,
  check: () => (require('./commands/check') as typeof import('./commands/check')).registerCheck,
  diff: () => (require('./commands/diff') as typeof import('./commands/diff')).registerDiff,
  promote: () => (require('./commands/promote') as typeof import('./commands/promote')).registerPromote,
  graph: () => (require('./commands/graph') as typeof import('./commands/graph')).registerGraph,
  deploy: () => (require('./commands/deploy') as typeof import('./commands/deploy')).registerDeploy,
  preview: () => (require('./commands/deploy') as typeof import('./commands/deploy')).registerDeploy,
  destroy: () => (require('./commands/deploy') as typeof import('./commands/deploy')).registerDeploy,
  seal: () => (require('./commands/seal') as typeof import('./commands/seal')).registerSeal,
};

/** The program with every command, or with only `command`'s when it names one. */
export function buildProgram(command?: string): Command {
  const program = new Command('tasknote')
    .description('Synthesize, check, diff, promote, seal and deploy the TaskNote stack')
    .exitOverride()
    .showHelpAfterError();
  const names = command !== undefined && Object.hasOwn(COMMANDS, command) ? [command] : Object.keys(COMMANDS);
  const registered = new Set<Register>();
  for (const name of names) {
    const register = COMMANDS[name]();
    if (registered.has(register)) continue;
    registered.add(register);
    register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram(argv[0]).parseAsync(argv, { from: 'user' });
  } catch (err) {
    process.exitCode = exitCodeOf(err);
  }
}

function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof UserError) {
    process.stderr.write(`error: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}
