import { parseYaml } from '../../check/load';

describe('parseYaml', () => {
  test('reads every document of a multi-document file and skips empty ones', () => {
    const { items, problems } = parseYaml('---\napiVersion: v1\nkind: ConfigMap\n---\n---\napiVersion: v1\nkind: Secret\n', 'f.yaml');
    expect(problems).toEqual([]);
    expect(items.map((i) => i.object.kind)).toEqual(['ConfigMap', 'Secret']);
  });

  test('reads values as the API server does (YAML 1.1): unquoted no is a boolean, 0644 is octal', () => {
    const { items } = parseYaml('a: no\nb: "no"\nmode: 0644\n', 'f.yaml');
    expect(items[0].object).toEqual({ a: false, b: 'no', mode: 420 });
  });

  test('locates a field, and a missing field at its nearest parent', () => {
    const { items } = parseYaml(
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    - name: a\n      image: b\n',
      'f.yaml',
    );
    expect(items[0].locate!(['spec', 'containers', 0, 'image'])).toBe(8);
    expect(items[0].locate!(['spec', 'containers', 0, 'securityContext', 'runAsNonRoot'])).toBe(7);
  });

  test('unpacks a List into its items, with their own lines', () => {
    const { items } = parseYaml(
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: a\n',
      'f.yaml',
    );
    expect(items.map((i) => i.object.metadata.name)).toEqual(['a']);
    expect(items[0].locate!(['metadata', 'name'])).toBe(7);
  });

  test('fails when a key repeats, naming the line', () => {
    const { items, problems } = parseYaml('kind: Pod\nkind: Service\n', 'f.yaml');
    expect(items).toEqual([]);
    expect(problems).toEqual([{ source: 'f.yaml', line: 2, found: 'Map keys must be unique', fix: 'fix the YAML syntax' }]);
  });

  test('fails when a document is not a mapping', () => {
    expect(parseYaml('- a\n- b\n', 'f.yaml').problems[0].found).toBe('the document is a list');
  });
});
