/**
 * `f`, remembering its answer for each string it is asked about: for pure functions of a string
 * (the validity of a label key, whether Node knows a time zone) that synth and check ask about the
 * same few values of every object. At most `limit` answers are kept; past that, `f` just runs.
 */
export function remembered<T>(f: (s: string) => T, limit = 10_000): (s: string) => T {
  const answers = new Map<string, T>();
  return (s) => {
    if (answers.has(s)) return answers.get(s) as T;
    const answer = f(s);
    if (answers.size < limit) answers.set(s, answer);
    return answer;
  };
}
