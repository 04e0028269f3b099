// The one list of TaskNote services: each service's contract, keyed by its name. Everything that
// iterates over services (images, release records, the deploy's builds) iterates over this.
import { apiContract } from './api/src/contract';
import { workerContract } from './worker/src/contract';

export const SERVICE_CONTRACTS = { api: apiContract, worker: workerContract } as const;

export type ServiceName = keyof typeof SERVICE_CONTRACTS;
export const SERVICE_NAMES = Object.keys(SERVICE_CONTRACTS) as readonly ServiceName[];

/** One value per service: image references, builds, Pulumi outputs. */
export type PerService<T> = Record<ServiceName, T>;

/** Fully resolved image reference of each service. */
export type ServiceImageRefs = PerService<string>;

/** `{ api: f('api'), worker: f('worker') }`, typed. */
export function perService<T>(f: (service: ServiceName) => T): PerService<T> {
  return Object.fromEntries(SERVICE_NAMES.map((s) => [s, f(s)])) as PerService<T>;
}
