// Test helper: `tasknote check …` in process (test/app/run-cli.ts), with its output and exit code.
import { runCli } from '../app/run-cli';

export async function runCheckCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await runCli(['check', ...args]);
  return { code, out: stdout, err: stderr };
}
