import { Construct } from 'constructs';
import * as k8s from './private/k8s';
import { DeploymentWorkload, DeploymentWorkloadProps, validateDeploymentWorkload } from './private/deployment-workload';
import { checkDnsLabel, checkHostname, checkPort } from '../core/value-rules';

/** How the WebService is reached from outside the cluster. */
export interface IngressOptions {
  /** Host name of the rule, e.g. `tasknote.example.com`. */
  readonly host: string;
  /** IngressClass that serves this Ingress, e.g. `nginx`, `alb`. */
  readonly className: string;
  /**
   * Path prefixes routed to the service.
   * @default ['/']
   */
  readonly paths?: readonly string[];
  /**
   * Secret holding the TLS certificate for `host` (created by cert-manager or the deploy step).
   * @default - no TLS
   */
  readonly tlsSecretName?: string;
  /**
   * Extra annotations for the ingress controller (e.g. body-size limits).
   * @default {}
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Properties of a `WebService`. */
export interface WebServiceProps extends DeploymentWorkloadProps {
  /** Name of the container port that serves HTTP (one of `ports`). */
  readonly httpPortName: string;
  /**
   * Port the Service exposes.
   * @default 80
   */
  readonly servicePort?: number;
  /** @default - no Ingress; reachable inside the cluster only */
  readonly ingress?: IngressOptions;
}

/**
 * An HTTP service: Deployment, ClusterIP Service, optional Ingress and HPA, a PodDisruptionBudget
 * and a dedicated ServiceAccount, with hardened pods and a preStop delay for clean rollouts.
 */
export class WebService extends DeploymentWorkload {
  readonly service: k8s.KubeService;
  readonly servicePort: number;
  readonly ingress?: k8s.KubeIngress;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    validateDeploymentWorkload('WebService', id, props, true, [
      {
        when: (p) => !(p.ports ?? []).some((x) => x.name === p.httpPortName),
        message: (p) =>
          `httpPortName (${JSON.stringify(p.httpPortName)}) must name one of ports (${JSON.stringify((p.ports ?? []).map((x) => x.name))})`,
      },
      { when: (p) => !p.probes, message: () => 'probes must be set: a WebService needs readiness and liveness probes' },
      {
        when: (p) => p.servicePort !== undefined && checkPort(p.servicePort) !== undefined,
        message: (p) => `servicePort (${p.servicePort}) ${checkPort(p.servicePort!)}`,
      },
      {
        when: (p) => !!p.ingress && checkHostname(p.ingress.host) !== undefined,
        message: (p) => `ingress.host (${JSON.stringify(p.ingress!.host)}) ${checkHostname(p.ingress!.host)}`,
      },
      {
        when: (p) => !!p.ingress && checkDnsLabel(p.ingress.className) !== undefined,
        message: (p) => `ingress.className (${JSON.stringify(p.ingress!.className)}) ${checkDnsLabel(p.ingress!.className)}`,
      },
      {
        when: (p) => !!p.ingress?.tlsSecretName && checkDnsLabel(p.ingress.tlsSecretName) !== undefined,
        message: (p) => `ingress.tlsSecretName (${JSON.stringify(p.ingress!.tlsSecretName)}) ${checkDnsLabel(p.ingress!.tlsSecretName!)}`,
      },
      {
        when: (p) => (p.ingress?.paths ?? []).some((x) => !x.startsWith('/')),
        message: (p) => `ingress.paths (${JSON.stringify(p.ingress!.paths)}) must each start with '/'`,
      },
    ]);
    super(scope, id, props, true);
    this.servicePort = props.servicePort ?? 80;

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: this.chart.metadataFor({ name: props.name, component: props.component }),
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selectorLabels },
        ports: [{ name: props.httpPortName, port: this.servicePort, targetPort: k8s.IntOrString.fromString(props.httpPortName), protocol: 'TCP' }],
      },
    });

    if (props.ingress) {
      const ing = props.ingress;
      if (ing.tlsSecretName) {
        this.chart.declareProvided({
          kind: 'Secret',
          name: ing.tlsSecretName,
          keys: ['tls.crt', 'tls.key'],
          description: `TLS certificate for ${ing.host}, issued by cert-manager or the platform`,
          providedBy: 'controller',
        });
      }
      this.ingress = new k8s.KubeIngress(this, 'Ingress', {
        metadata: this.chart.metadataFor({ name: props.name, component: props.component }, ing.annotations ? { ...ing.annotations } : undefined),
        spec: {
          ingressClassName: ing.className,
          ...(ing.tlsSecretName ? { tls: [{ hosts: [ing.host], secretName: ing.tlsSecretName }] } : {}),
          rules: [
            {
              host: ing.host,
              http: {
                paths: (ing.paths ?? ['/']).map((path) => ({
                  path,
                  pathType: 'Prefix',
                  backend: { service: { name: props.name, port: { name: props.httpPortName } } },
                })),
              },
            },
          ],
        },
      });
    }
  }
}
