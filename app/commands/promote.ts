import { Command } from 'commander';

export function registerPromote(program: Command): void {
  program
    .command('promote')
    .description('(not implemented yet)')
    .action(() => {
      throw new Error('promote is not implemented yet');
    });
}
