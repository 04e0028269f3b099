// Renders a manifest diff report as terminal text or as a compact pull-request comment (GitHub markdown).
import { splitImageReference, type ImageReference } from '../core/image-reference';
import { FieldChange, hasChanges, ImageChange, ManifestDiff } from './diff';
import { objectLabel } from './objects';

/** How the network/topology picture of one environment changed; present only when its edges differ. */
export interface TopologyChange {
  readonly addedEdges: readonly string[];
  readonly removedEdges: readonly string[];
  /** The Mermaid source of the new picture. */
  readonly mermaid: string;
}

export interface EnvironmentDiff {
  readonly env: string;
  readonly diff: ManifestDiff;
  readonly topology?: TopologyChange;
}

export interface DiffReport {
  /** What was compared, e.g. `main (1a2b3c4)` and `working tree`. */
  readonly baseLabel: string;
  readonly headLabel: string;
  readonly environments: readonly EnvironmentDiff[];
  /** Things the reader must know to read the diff right (for example a namespace that was aligned). */
  readonly notes: readonly string[];
}

export function reportHasChanges(report: DiffReport): boolean {
  return report.environments.some((e) => hasChanges(e.diff));
}

const MAX_VALUE_CHARS = 300;
// GitHub rejects comments above 65536 characters; leave room for the header the workflow adds.
const MAX_MARKDOWN_CHARS = 60000;

function formatValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

function shortDigest(digest: string): string {
  const [algo, hex] = digest.split(':');
  return hex && hex.length > 12 ? `${algo}:${hex.slice(0, 12)}…` : digest;
}

function shortImage(p: ImageReference, withRepo: boolean): string {
  const repoName = p.repository.slice(p.repository.lastIndexOf('/') + 1);
  const version = [p.tag ? `:${p.tag}` : '', p.digest ? `@${shortDigest(p.digest)}` : ''].join('');
  if (withRepo) return `${repoName}${version}`;
  // Only the part that moved: a digest bump reads `sha256:…`, a tag bump `1.2.0`.
  return p.digest ? shortDigest(p.digest) : (p.tag ?? repoName);
}

/** `api image: tasknote-api@sha256:eea92f628e44… → sha256:0123456789ab…` */
export function imageLine(change: ImageChange): string {
  const before = splitImageReference(change.oldImage);
  const after = splitImageReference(change.newImage);
  const sameRepo = before.repository === after.repository && (before.digest === undefined) === (after.digest === undefined);
  return `${change.container} image: ${shortImage(before, true)} → ${shortImage(after, !sameRepo)}`;
}

function fieldLine(f: FieldChange): string {
  const show = (v: unknown) => (f.hidden ? '(secret value hidden)' : formatValue(v));
  if (f.op === 'add') return `+ ${f.path}: ${show(f.newValue)}`;
  if (f.op === 'remove') return `- ${f.path}: ${show(f.oldValue)}`;
  return `~ ${f.path}: ${show(f.oldValue)} → ${show(f.newValue)}`;
}

function changeLines(images: readonly ImageChange[], fields: readonly FieldChange[]): string[] {
  return [...images.map((i) => `~ ${imageLine(i)}`), ...fields.map(fieldLine)];
}

function counts(d: ManifestDiff): string {
  return `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.unchanged} unchanged`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Plain text for a terminal: one block per environment, one line per changed field. */
export function renderText(report: DiffReport): string {
  const out: string[] = [`Manifest diff: ${report.baseLabel} → ${report.headLabel}`];
  for (const note of report.notes) out.push(`note: ${note}`);
  for (const { env, diff: d, topology } of report.environments) {
    out.push('');
    if (!hasChanges(d)) {
      out.push(`${env}: no changes (${plural(d.unchanged, 'object')})`);
      continue;
    }
    out.push(`${env}: ${counts(d)}`);
    for (const o of d.added) out.push(`  + ${objectLabel(o)}`);
    for (const o of d.removed) out.push(`  - ${objectLabel(o)}`);
    for (const c of d.changed) {
      out.push(`  ~ ${c.label}`);
      for (const line of changeLines(c.images, c.fields)) out.push(`      ${line}`);
    }
    if (topology) {
      out.push('  topology:');
      for (const e of topology.addedEdges) out.push(`      + ${e}`);
      for (const e of topology.removedEdges) out.push(`      - ${e}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function objectSummary(images: readonly ImageChange[], fields: readonly FieldChange[]): string {
  const parts = images.map(imageLine);
  if (fields.length > 0) parts.push(plural(fields.length, 'field'));
  return parts.join('; ');
}

function markdownEnvironment(e: EnvironmentDiff): string[] {
  const { env, diff: d, topology } = e;
  const out = [`### ${env}`, ''];
  if (!hasChanges(d)) return [...out, `No changes (${plural(d.unchanged, 'object')}).`, ''];
  out.push('| | object | change |', '| --- | --- | --- |');
  for (const o of d.added) out.push(`| + | \`${objectLabel(o)}\` | added |`);
  for (const o of d.removed) out.push(`| - | \`${objectLabel(o)}\` | removed |`);
  for (const c of d.changed) out.push(`| ~ | \`${c.label}\` | ${objectSummary(c.images, c.fields).replace(/\|/g, '\\|')} |`);
  out.push('');
  for (const c of d.changed) {
    out.push(
      `<details><summary><code>${c.label}</code></summary>`,
      '',
      '```diff',
      ...changeLines(c.images, c.fields),
      '```',
      '',
      '</details>',
      '',
    );
  }
  if (topology) {
    out.push(
      `<details><summary>Topology changed in ${env}: ${plural(topology.addedEdges.length, 'edge')} added, ${plural(topology.removedEdges.length, 'edge')} removed</summary>`,
      '',
      '```diff',
      ...topology.addedEdges.map((x) => `+ ${x}`),
      ...topology.removedEdges.map((x) => `- ${x}`),
      '```',
      '',
      '```mermaid',
      topology.mermaid.trimEnd(),
      '```',
      '',
      '</details>',
      '',
    );
  }
  return out;
}

/** A pull-request comment: a summary table, then per environment a table of objects and collapsible details. */
export function renderMarkdown(report: DiffReport): string {
  const head = [
    `## Manifest diff: ${report.baseLabel} → ${report.headLabel}`,
    '',
    ...report.notes.map((n) => `> ${n}`),
    ...(report.notes.length > 0 ? [''] : []),
    '| environment | added | removed | changed | unchanged |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...report.environments.map(
      ({ env, diff: d }) => `| ${env} | ${d.added.length} | ${d.removed.length} | ${d.changed.length} | ${d.unchanged} |`,
    ),
    '',
  ];
  const body = report.environments.flatMap(markdownEnvironment);
  const text = [...head, ...body].join('\n');
  if (text.length <= MAX_MARKDOWN_CHARS) return text;
  const note = '\n\n_The diff is too long for a comment: run `npm run diff` locally to read all of it._\n';
  return text.slice(0, MAX_MARKDOWN_CHARS - note.length) + note;
}
