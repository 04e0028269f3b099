// writeOutputs swaps new output in by rename; a failure halfway must restore what was there.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizeEnvironment, writeOutputs } from '../../app/synth';

let failOnCall = 0;
let calls = 0;
jest.mock('node:fs', () => {
  const real = jest.requireActual('node:fs');
  return {
    ...real,
    renameSync: (from: string, to: string) => {
      calls += 1;
      if (calls === failOnCall) throw new Error('disk full');
      real.renameSync(from, to);
    },
  };
});

const read = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );

test('an error while swapping in the second environment restores the first', () => {
  const out = mkdtempSync(join(tmpdir(), 'tasknote-atomic-'));
  try {
    const old = ['dev', 'staging'].map((e) => synthesizeEnvironment(e));
    writeOutputs(old, out);
    const before = read(out);

    const changed = ['dev', 'staging'].map((e) => synthesizeEnvironment(e, { overrides: ['logLevel=warn'] }));
    calls = 0;
    // Calls: dev old->aside, dev new->in, staging old->aside, staging new->in (fails).
    failOnCall = 4;
    expect(() => writeOutputs(changed, out)).toThrow('disk full');
    failOnCall = 0;

    expect(Object.keys(before)).toHaveLength(24);
    expect(read(out)).toEqual(before);
    expect(readdirSync(out).sort()).toEqual(['dev', 'staging']);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('an environment that did not exist before is removed again when a later step fails', () => {
  const out = mkdtempSync(join(tmpdir(), 'tasknote-atomic-'));
  try {
    writeOutputs([synthesizeEnvironment('dev')], out);
    const before = read(out);
    calls = 0;
    // Calls: dev old->aside, dev new->in, staging new->in (no old to move; fails).
    failOnCall = 3;
    expect(() => writeOutputs(['dev', 'staging'].map((e) => synthesizeEnvironment(e, { overrides: ['logLevel=warn'] })), out)).toThrow('disk full');
    failOnCall = 0;
    expect(readdirSync(out)).toEqual(['dev']);
    expect(read(out)).toEqual(before);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
