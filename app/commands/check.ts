import { Command } from 'commander';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('(not implemented yet)')
    .action(() => {
      throw new Error('check is not implemented yet');
    });
}
