import { Command } from 'commander';

export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description('(not implemented yet)')
    .action(() => {
      throw new Error('deploy is not implemented yet');
    });
}
