// The one matcher of Kubernetes label selectors, for everything that asks "does this select that?".

/** A metav1.LabelSelector as it appears in an object; anything malformed matches nothing. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Matches a metav1.LabelSelector (matchLabels and matchExpressions). An empty or absent selector matches all. */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  const sel = isRecord(selector) ? selector : {};
  // Runs for every selector against every workload's labels (check, graph): no copies on this path.
  const matchLabels = sel.matchLabels;
  if (isRecord(matchLabels)) for (const k of Object.keys(matchLabels)) if (typeof matchLabels[k] === 'string' && labels[k] !== matchLabels[k]) return false;
  for (const e of Array.isArray(sel.matchExpressions) ? sel.matchExpressions.filter(isRecord) : []) {
    const key = String(e.key);
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Matches a Service-style selector: a plain label map that must be non-empty to select anything. */
export function mapSelectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  let any = false;
  for (const k in selector) {
    if (labels[k] !== selector[k]) return false;
    any = true;
  }
  return any;
}
