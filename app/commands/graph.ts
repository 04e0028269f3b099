import { Command } from 'commander';

export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description('(not implemented yet)')
    .action(() => {
      throw new Error('graph is not implemented yet');
    });
}
