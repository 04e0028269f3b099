import { Command } from 'commander';

export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('(not implemented yet)')
    .action(() => {
      throw new Error('synth is not implemented yet');
    });
}
