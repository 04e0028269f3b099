import { REFERENCE_RULES } from '../references';
import type { Rule } from '../rule';
import { SECRET_RULES } from '../secrets';
import { API_VALIDATION_RULES } from './api-validation';
import { AVAILABILITY_RULES } from './availability';
import { IMAGE_RULES } from './images';
import { JOB_RULES } from './jobs';
import { NAMESPACE_RULES } from './namespaces';
import { NETWORK_RULES } from './network';
import { POD_SECURITY_RULES } from './pod-security';
import { POD_SECURITY_CONTROL_RULES } from './pod-security-controls';
import { RESOURCE_RULES } from './resources';

/** Every policy rule, in the order docs/policy.md lists them. */
export const POLICY_RULES: readonly Rule[] = [
  ...POD_SECURITY_RULES,
  ...POD_SECURITY_CONTROL_RULES,
  ...SECRET_RULES,
  ...RESOURCE_RULES,
  ...IMAGE_RULES,
  ...AVAILABILITY_RULES,
  ...NETWORK_RULES,
  ...REFERENCE_RULES,
  ...JOB_RULES,
  ...NAMESPACE_RULES,
  ...API_VALIDATION_RULES,
];
