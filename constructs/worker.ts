import { Construct } from 'constructs';
import { DeploymentWorkload, DeploymentWorkloadProps, validateDeploymentWorkload } from './private/deployment-workload';


/** Properties of a `Worker`. */
export interface WorkerProps extends DeploymentWorkloadProps {}

/**
 * A background workload: a Deployment with no Service, with its own ServiceAccount,
 * a PodDisruptionBudget and optional autoscaling. Probes, if any, hit its own small port.
 */
export class Worker extends DeploymentWorkload {
  constructor(scope: Construct, id: string, props: WorkerProps) {
    validateDeploymentWorkload('Worker', id, props, false);
    super(scope, id, props, false);
  }
}
