// The `tasknote` command line: parses arguments and hands off to app/commands/*.
import { Command, CommanderError } from 'commander';
import { registerSynth } from './commands/synth';
import { registerCheck } from './commands/check';
import { registerDiff } from './commands/diff';
import { registerPromote } from './commands/promote';
import { registerGraph } from './commands/graph';
import { registerDeploy } from './commands/deploy';
import { registerSeal } from './commands/seal';
import { UserError } from '../core/user-error';

export function buildProgram(): Command {
  const program = new Command('tasknote')
    .description('Synthesize, check, diff, promote, seal and deploy the TaskNote stack')
    .exitOverride()
    .showHelpAfterError();
  registerSynth(program);
  registerCheck(program);
  registerDiff(program);
  registerPromote(program);
  registerGraph(program);
  registerDeploy(program);
  registerSeal(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
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
