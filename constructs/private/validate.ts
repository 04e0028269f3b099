// Props validation as a table of rules, reporting every problem at once.

/** One rule: when `when` holds, `message` says what is wrong, with the value and what is allowed. */
export interface Rule<P> {
  readonly when: (props: P) => boolean;
  readonly message: (props: P) => string;
}

/** Thrown when a construct's props break one or more rules; `problems` lists all of them. */
export class PropsValidationError extends Error {
  constructor(
    readonly subject: string,
    readonly problems: readonly string[],
  ) {
    super(`${subject} has invalid props:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PropsValidationError';
  }
}

export function validateProps<P>(subject: string, props: P, rules: readonly Rule<P>[]): void {
  const problems = rules.filter((r) => r.when(props)).map((r) => r.message(props));
  if (problems.length > 0) throw new PropsValidationError(subject, problems);
}

/** A rule from a value check of ./validators: fires when `check` returns a complaint. */
export function valueRule<P, V>(field: string, get: (p: P) => V | undefined, check: (v: V) => string | undefined): Rule<P> {
  return {
    when: (p) => {
      const v = get(p);
      return v !== undefined && check(v) !== undefined;
    },
    message: (p) => {
      const v = get(p) as V;
      return `${field} (${JSON.stringify(v)}) ${check(v)}`;
    },
  };
}
