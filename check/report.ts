// Turns check results into the text reviewers read and the JSON CI consumes.
import { describeRef } from './model';
import type { CheckReport, Finding, TargetReport } from './types';

export type ReportFormat = 'text' | 'json';

export function summarize(targets: readonly TargetReport[]): CheckReport {
  const findings = targets.flatMap((t) => t.findings);
  const errors = findings.filter((f) => f.severity === 'error').length;
  return {
    targets,
    summary: {
      objects: targets.reduce((n, t) => n + t.objects, 0),
      rulesRun: Math.max(0, ...targets.map((t) => t.rulesRun)),
      errors,
      warnings: findings.length - errors,
      waived: targets.reduce((n, t) => n + t.waivers.length, 0),
    },
    ok: errors === 0,
  };
}

/** `profile prod: TaskNote conventions, pinned-images, replicas, zone-spread` or `profile generic: no optional rules`. */
export function describeProfile(t: Pick<TargetReport, 'profile' | 'profileOwner' | 'ruleGroups'>): string {
  const groups = t.ruleGroups.map((g) => (g === 'conventions' ? `${t.profileOwner ?? 'its own'} conventions` : g));
  return `profile ${t.profile}: ${groups.length > 0 ? groups.join(', ') : 'no optional rules, no stack conventions'}`;
}

export function formatReport(report: CheckReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const lines: string[] = [];
  for (const t of report.targets) {
    const errors = t.findings.filter((f) => f.severity === 'error').length;
    lines.push(
      `${t.name} (${describeProfile(t)}): ${t.objects} objects, ${t.rulesRun} rules, ${errors} errors, ${t.findings.length - errors} warnings, ${t.waivers.length} waivers`,
    );
    const byObject = new Map<string, Finding[]>();
    for (const f of t.findings) {
      const key = `${f.object.kind === '?' ? f.source : describeRef(f.object)}`;
      byObject.set(key, [...(byObject.get(key) ?? []), f]);
    }
    for (const [object, findings] of byObject) {
      lines.push(`  ${object}  (${findings[0].source})`);
      for (const f of findings) {
        const where = [f.path, f.line !== undefined ? `line ${f.line}` : ''].filter(Boolean).join(', ');
        lines.push(`    ${f.severity} [${f.ruleId}]${where ? ` at ${where}` : ''}`);
        lines.push(`      found: ${f.found}`);
        lines.push(`      fix:   ${f.fix}`);
      }
    }
    if (t.waivers.length > 0) {
      lines.push('  waivers:');
      for (const w of t.waivers)
        lines.push(`    ${describeRef(w.object)} [${w.ruleId}] (${w.used} finding${w.used === 1 ? '' : 's'}): ${w.reason}`);
    }
  }
  const s = report.summary;
  lines.push(
    `${report.ok ? 'PASS' : 'FAIL'}: ${report.targets.length} target${report.targets.length === 1 ? '' : 's'}, ${s.objects} objects, ${s.rulesRun} rules, ${s.errors} errors, ${s.warnings} warnings, ${s.waived} waivers`,
  );
  return `${lines.join('\n')}\n`;
}
