// Compares a synthesized object with the same object read back from the API server: every field
// synth wrote must be there with the same value. What the server adds (status, defaults,
// managedFields, uid, …) is ignored; quantities compare by value, since the server writes them
// in canonical form ("1000m" comes back as "1").
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
const FACTOR: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

function quantity(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const match = QUANTITY.exec(String(value));
  return match === null ? undefined : Number(match[1]) * FACTOR[match[2] ?? ''];
}

/** Paths under which values are resource quantities. */
const QUANTITY_PATH = /\.(resources\.(limits|requests)|spec\.resources\.requests|capacity|hard)\.[^.]+$|\.emptyDir\.sizeLimit$/;

/** Every difference, as `Kind/name path: synth wrote X, the server has Y`. */
export function compareToLive(expected: KubeObject, live: unknown): string[] {
  const where = `${expected.kind}/${expected.metadata.name}`;
  const problems: string[] = [];
  const walk = (want: unknown, have: unknown, path: string) => {
    if (Array.isArray(want)) {
      if (!Array.isArray(have) || have.length !== want.length) {
        problems.push(`${where} ${path}: synth wrote ${want.length} items, the server has ${JSON.stringify(have)}`);
        return;
      }
      want.forEach((w, i) => walk(w, have[i], `${path}[${i}]`));
      return;
    }
    if (want !== null && typeof want === 'object') {
      if (have === null || typeof have !== 'object') {
        problems.push(`${where} ${path}: synth wrote an object, the server has ${JSON.stringify(have)}`);
        return;
      }
      for (const [key, value] of Object.entries(want)) walk(value, (have as Record<string, unknown>)[key], `${path}.${key}`);
      return;
    }
    if (want === have) return;
    // The server leaves out fields at their zero value (omitempty): `initialDelaySeconds: 0`, `readOnly: false`.
    if (have === undefined && (want === 0 || want === false || want === '')) return;
    if (QUANTITY_PATH.test(path) && quantity(want) !== undefined && quantity(want) === quantity(have)) return;
    problems.push(`${where} ${path}: synth wrote ${JSON.stringify(want)}, the server has ${JSON.stringify(have)}`);
  };
  walk(expected, live, '');
  return problems;
}
