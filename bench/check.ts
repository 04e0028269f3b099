/**
 * What the check adds to synth: synthesizes dev, staging and prod in process, then checks the
 * same objects, cold (first run, each side loading its own modules: cdk8s for synth, the schema
 * validators for the check) and warm (median of later runs, after three unmeasured ones). Prints check/synth ratios;
 * the target is <= 0.5.
 *
 *   npx tsx bench/check.ts [--runs 30]
 *
 * Warm cost is the CPU time of all warm rounds added up, per side: one round is about 10-20 ms,
 * where a single garbage collection (often of synth's garbage, landing in check's window) moves
 * one sample by a third, so medians of a few rounds swing between 0.45 and 0.65 from run to run.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type * as Check from '../check';
import type * as Synth from '../app/synth';
import { profileForEnvironment } from '../app/check-profiles';
import { ENVIRONMENT_NAMES } from '../core/environment-names';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '30' } } });
const runs = Math.max(1, Math.min(Number(args.runs), 100));

/**
 * CPU time is the measure (the machine is shared, and waiting for a core is not cost). Wall time
 * is shown too: it alone sees esbuild, which bundles the validators in a child process when
 * the cache is empty.
 */
function time<T>(f: () => T): { ms: number; mainMs: number; wallMs: number; value: T } {
  const start = process.cpuUsage();
  const mainStart = mainThreadMs();
  const wallStart = process.hrtime.bigint();
  const value = f();
  const used = process.cpuUsage(start);
  return {
    ms: (used.user + used.system) / 1000,
    mainMs: mainThreadMs() - mainStart,
    wallMs: Number(process.hrtime.bigint() - wallStart) / 1e6,
    value,
  };
}

/**
 * CPU time of the main thread alone, in ms (Linux: the first field of its schedstat, in ns), or NaN.
 * The process's CPU time also counts V8's helper threads, which compile hot functions with
 * TurboFan and collect garbage while the main thread runs: in the warm rounds about half of each
 * side's CPU time is theirs, and the check's code is still being compiled there.
 */
function mainThreadMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

// Loaded inside the timed sections, so that each side's cold time includes its module loading.
let synth: typeof Synth;
let check: typeof Check;
const synthAll = () => {
  synth ??= require('../app/synth');
  return ENVIRONMENT_NAMES.map((env) => synth.synthesizeEnvironment(env));
};
const checkAll = (outputs: Synth.SynthOutput[]) => {
  check ??= require('../check');
  return outputs.map((out) =>
    check.checkObjects(
      out.files.flatMap((f) => f.objects.map((object) => ({ source: `dist/${out.env.name}/${f.path}`, object }))),
      { name: out.env.name, profile: profileForEnvironment(out.env.name) },
    ),
  );
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const coldSynth = time(synthAll);
const coldCheck = time(() => checkAll(coldSynth.value));
if (coldCheck.value.some((r) => !r.ok)) throw new Error('the environments fail the check; run `npm run check` to see why');

// Unmeasured rounds, so that "warm" means compiled by the JIT on both sides.
for (let i = 0; i < 3; i++) checkAll(synthAll());

const synthMs: number[] = [];
const checkMs: number[] = [];
let synthMainMs = 0;
let checkMainMs = 0;
for (let i = 0; i < runs; i++) {
  const s = time(synthAll);
  const c = time(() => checkAll(s.value));
  synthMs.push(s.ms);
  checkMs.push(c.ms);
  synthMainMs += s.mainMs;
  checkMainMs += c.mainMs;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const warmRatio = sum(checkMs) / sum(synthMs);
const objects = coldSynth.value.reduce((n, o) => n + o.files.reduce((m, f) => m + f.objects.length, 0), 0);
const row = (label: string, synth: number, check: number) =>
  `${label.padEnd(6)} synth ${synth.toFixed(0).padStart(6)} ms CPU   check ${check.toFixed(0).padStart(6)} ms CPU   check/synth ${(check / synth).toFixed(2)}`;
process.stdout.write(
  [
    `3 environments, ${objects} objects, ${runs} warm rounds (warm: mean CPU per round)`,
    row('cold', coldSynth.ms, coldCheck.ms),
    `       (wall: synth ${coldSynth.wallMs.toFixed(0)} ms, check ${coldCheck.wallMs.toFixed(0)} ms)`,
    row('warm', sum(synthMs) / runs, sum(checkMs) / runs),
    `       (per-round medians: synth ${median(synthMs).toFixed(1)} ms, check ${median(checkMs).toFixed(1)} ms, ${(median(checkMs) / median(synthMs)).toFixed(2)})`,
    ...(Number.isNaN(synthMainMs)
      ? []
      : [
          `       (main thread only: synth ${(synthMainMs / runs).toFixed(1)} ms, check ${(checkMainMs / runs).toFixed(1)} ms, ${(checkMainMs / synthMainMs).toFixed(2)}; the rest is V8's compiler and GC threads)`,
        ]),
    `target: check/synth <= 0.50 (warm ${warmRatio.toFixed(2)} ${warmRatio <= 0.5 ? 'met' : 'NOT met'}, cold ${(coldCheck.ms / coldSynth.ms).toFixed(2)} ${coldCheck.ms / coldSynth.ms <= 0.5 ? 'met' : 'NOT met'})`,
  ].join('\n') + '\n',
);
