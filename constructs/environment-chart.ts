import { POD_SECURITY_VERSION } from '../core/kubernetes-version';
import { App, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from './private/k8s';
import { validateProps, valueRule } from './private/validate';
import { checkDnsLabel } from '../core/value-rules';

/** Annotation on the Namespace listing objects referenced here but created outside the manifests. */
export const PROVIDED_ANNOTATION = 'check.tasknote.dev/provided';
/** Prefix of a policy waiver annotation: `waive.check.tasknote.dev/<rule-id>: <reason>`. */
export const WAIVER_PREFIX = 'waive.check.tasknote.dev/';

/** Pod Security Standards level enforced on the namespace. */
export type PodSecurityLevel = 'restricted' | 'baseline';

/** Properties of an `EnvironmentChart`. */
export interface EnvironmentChartProps {
  /** Environment name, e.g. `prod`. */
  readonly environment: string;
  /** Namespace every object lands in; the chart creates it. */
  readonly namespace: string;
  /**
   * The application every object is part of (`app.kubernetes.io/part-of`).
   * @default 'tasknote'
   */
  readonly partOf?: string;
  /**
   * `app.kubernetes.io/instance` of every object.
   * @default - `${partOf}-${environment}`
   */
  readonly instance?: string;
  /**
   * Pod Security admission level for enforce, audit and warn.
   * @default 'restricted'
   */
  readonly podSecurityLevel?: PodSecurityLevel;
}

/** An object the manifests use but do not contain, created by the deploy step or another controller. */
export interface ProvidedObject {
  readonly kind: string;
  readonly name: string;
  readonly keys: readonly string[];
  readonly description: string;
  /** `deploy`: the deploy step must create it; `controller`: something else in the cluster does. */
  readonly providedBy: 'deploy' | 'controller';
}

/** Identity of one component: feeds the standard labels. */
export interface ComponentIdentity {
  /** Object name, e.g. `tasknote-api`. */
  readonly name: string;
  /** Role in the architecture, e.g. `api`, `database`. */
  readonly component: string;
  /**
   * `app.kubernetes.io/version`; omitted from selectors.
   * @default - no version label
   */
  readonly version?: string;
}

/**
 * The chart of one environment: its Namespace, labelled for Pod Security admission, and the
 * conventions every construct in it follows (namespace, standard labels, readable names).
 */
export class EnvironmentChart extends Chart {
  /** The chart that holds `scope`. */
  static override of(scope: IConstruct): EnvironmentChart {
    const chart: Chart = Chart.of(scope);
    // Not `instanceof`: Chart's Symbol.hasInstance answers true for every Chart.
    if (!EnvironmentChart.prototype.isPrototypeOf(chart)) {
      throw new Error(`${scope.node.path} must be created inside an EnvironmentChart`);
    }
    return chart as EnvironmentChart;
  }

  readonly environment: string;
  readonly namespaceName: string;
  readonly partOf: string;
  readonly instance: string;
  readonly podSecurityLevel: PodSecurityLevel;
  /** Escape hatch: the Namespace object. */
  readonly namespaceObject: k8s.KubeNamespace;
  private readonly provided = new Map<string, ProvidedObject>();

  constructor(scope: Construct, id: string, props: EnvironmentChartProps) {
    validateProps(`EnvironmentChart '${id}'`, props, [
      valueRule('namespace', (p) => p.namespace, checkDnsLabel),
      valueRule('environment', (p) => p.environment, checkDnsLabel),
      {
        when: (p) => p.namespace === 'default' || p.namespace.startsWith('kube-'),
        message: (p) => `namespace (${JSON.stringify(p.namespace)}) must not be 'default' or a 'kube-' system namespace`,
      },
    ]);
    super(scope, id, { disableResourceNameHashes: true });
    this.environment = props.environment;
    this.namespaceName = props.namespace;
    this.partOf = props.partOf ?? 'tasknote';
    this.instance = props.instance ?? `${this.partOf}-${props.environment}`;
    this.podSecurityLevel = props.podSecurityLevel ?? 'restricted';

    this.namespaceObject = new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: this.namespaceName,
        labels: {
          ...this.labelsFor({ name: this.namespaceName, component: 'namespace' }),
          'pod-security.kubernetes.io/enforce': this.podSecurityLevel,
          'pod-security.kubernetes.io/enforce-version': POD_SECURITY_VERSION,
          'pod-security.kubernetes.io/audit': this.podSecurityLevel,
          'pod-security.kubernetes.io/audit-version': POD_SECURITY_VERSION,
          'pod-security.kubernetes.io/warn': this.podSecurityLevel,
          'pod-security.kubernetes.io/warn-version': POD_SECURITY_VERSION,
        },
      },
    });
  }

  /** The standard `app.kubernetes.io/*` labels of a component. */
  labelsFor(id: ComponentIdentity): Record<string, string> {
    return {
      'app.kubernetes.io/name': id.name,
      'app.kubernetes.io/instance': this.instance,
      'app.kubernetes.io/component': id.component,
      'app.kubernetes.io/part-of': this.partOf,
      ...(id.version !== undefined ? { 'app.kubernetes.io/version': id.version } : {}),
      'app.kubernetes.io/managed-by': 'cdk8s',
    };
  }

  /** The stable subset of labels that selects a component's pods. */
  selectorFor(name: string): Record<string, string> {
    return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': this.instance };
  }

  /** Metadata for a namespaced object of this chart. */
  metadataFor(id: ComponentIdentity, annotations?: Record<string, string>): k8s.ObjectMeta {
    return {
      name: id.name,
      namespace: this.namespaceName,
      labels: this.labelsFor(id),
      ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
    };
  }

  /** Records an object the manifests reference but a deploy step or controller creates. */
  declareProvided(object: ProvidedObject): void {
    const key = `${object.kind}/${object.name}`;
    const known = this.provided.get(key);
    if (known) {
      this.provided.set(key, { ...known, keys: [...new Set([...known.keys, ...object.keys])].sort() });
    } else {
      this.provided.set(key, { ...object, keys: [...object.keys].sort() });
    }
    const list = this.providedObjects.map((o) => `${o.kind}/${o.name}`);
    this.namespaceObject.metadata.addAnnotation(PROVIDED_ANNOTATION, list.join(','));
  }

  /** Everything declared with `declareProvided`, sorted by kind and name. */
  get providedObjects(): ProvidedObject[] {
    return [...this.provided.values()].sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
  }
}

/** A fresh App for environment charts (no output written unless `synth` is called). */
export function newApp(): App {
  return new App({ outdir: 'dist', recordConstructMetadata: false });
}

/** Waiver annotations for the `check` command, from rule ID -> reason. */
export function waiverAnnotations(waivers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(waivers ?? {}).map(([rule, reason]) => [`${WAIVER_PREFIX}${rule}`, reason]));
}
