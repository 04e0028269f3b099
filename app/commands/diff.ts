import { Command } from 'commander';

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('(not implemented yet)')
    .action(() => {
      throw new Error('diff is not implemented yet');
    });
}
