import { Construct } from 'constructs';
import { EnvironmentChart } from './environment-chart';
import * as k8s from './private/k8s';
import { validateProps } from './private/validate';
import { checkDnsLabel } from '../core/value-rules';

/** Properties of a `PersistentVolumeClaim`. */
export interface PersistentVolumeClaimProps {
  readonly name: string;
  /** `app.kubernetes.io/component` of the claim. */
  readonly component: string;
  readonly storageGiB: number;
  /** StorageClass, e.g. `standard` (kind) or `gp3` (EKS). */
  readonly storageClassName: string;
  /**
   * @default 'ReadWriteOnce'
   */
  readonly accessMode?: 'ReadWriteOnce' | 'ReadWriteOncePod' | 'ReadWriteMany';
}

/** A PersistentVolumeClaim with an explicit storage class and size. */
export class PersistentVolumeClaim extends Construct {
  readonly name: string;
  /** Escape hatch: the claim. */
  readonly claim: k8s.KubePersistentVolumeClaim;

  constructor(scope: Construct, id: string, props: PersistentVolumeClaimProps) {
    validateProps(`PersistentVolumeClaim '${id}'`, props, [
      { when: (p) => checkDnsLabel(p.name) !== undefined, message: (p) => `name (${JSON.stringify(p.name)}) ${checkDnsLabel(p.name)}` },
      {
        when: (p) => !Number.isInteger(p.storageGiB) || p.storageGiB < 1,
        message: (p) => `storageGiB (${p.storageGiB}) must be an integer >= 1`,
      },
      {
        when: (p) => checkDnsLabel(p.storageClassName) !== undefined,
        message: (p) => `storageClassName (${JSON.stringify(p.storageClassName)}) ${checkDnsLabel(p.storageClassName)}`,
      },
    ]);
    super(scope, id);
    this.name = props.name;
    this.claim = new k8s.KubePersistentVolumeClaim(this, 'Resource', {
      metadata: EnvironmentChart.of(this).metadataFor({ name: props.name, component: props.component }),
      spec: {
        accessModes: [props.accessMode ?? 'ReadWriteOnce'],
        storageClassName: props.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(`${props.storageGiB}Gi`) } },
      },
    });
  }

  /** A pod volume that mounts this claim. */
  asVolume(volumeName: string = this.name): k8s.Volume {
    return { name: volumeName, persistentVolumeClaim: { claimName: this.name } };
  }
}
