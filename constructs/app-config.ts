import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { EnvironmentChart } from './environment-chart';
import * as k8s from './private/k8s';
import { validateProps } from './private/validate';
import { checkDnsLabel } from '../core/value-rules';

/** Properties of an `AppConfig`. */
export interface AppConfigProps {
  /** ConfigMap name, e.g. `tasknote-api-config`. */
  readonly name: string;
  /** The component this configuration belongs to (`app.kubernetes.io/component`). */
  readonly component: string;
  /** Plain, non-secret settings. Keys are env var names when used with `envFrom`. */
  readonly data: Readonly<Record<string, string>>;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A ConfigMap of non-secret settings. Its content hash is stamped on every pod template that
 * uses it (annotation `tasknote.dev/config-hash`), so a config change rolls those pods.
 */
export class AppConfig extends Construct {
  readonly name: string;
  /** sha256 of the sorted data, hex. */
  readonly contentHash: string;
  readonly data: Readonly<Record<string, string>>;
  /** Escape hatch: the ConfigMap. */
  readonly configMap: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: AppConfigProps) {
    validateProps(`AppConfig '${id}'`, props, [
      { when: (p) => checkDnsLabel(p.name) !== undefined, message: (p) => `name (${JSON.stringify(p.name)}) ${checkDnsLabel(p.name)}` },
      {
        when: (p) => Object.keys(p.data).some((k) => !ENV_NAME.test(k)),
        message: (p) =>
          `data keys (${JSON.stringify(Object.keys(p.data).filter((k) => !ENV_NAME.test(k)))}) must be env var names: letters, digits and '_', not starting with a digit`,
      },
      {
        when: (p) => Object.values(p.data).some((v) => typeof v !== 'string'),
        message: (p) =>
          `data values (${JSON.stringify(Object.fromEntries(Object.entries(p.data).filter(([, v]) => typeof v !== 'string')))}) must be strings: quote numbers and booleans`,
      },
    ]);
    super(scope, id);
    const chart = EnvironmentChart.of(this);
    this.name = props.name;
    this.data = Object.fromEntries(Object.entries(props.data).sort(([a], [b]) => a.localeCompare(b)));
    this.contentHash = createHash('sha256').update(JSON.stringify(this.data)).digest('hex');
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: chart.metadataFor({ name: props.name, component: props.component }),
      data: { ...this.data },
    });
  }
}
