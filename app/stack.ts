// PLACEHOLDER — being written by the lead; see the interface below.
import { App, Chart } from 'cdk8s';
import type { EnvironmentConfig } from '../environments/schema';

/** Fully resolved image references of the TaskNote services. */
export interface ServiceImages {
  readonly api: string;
  readonly worker: string;
}

/** A Secret the stack references but never writes; the deploy step creates it. */
export interface ProvidedSecret {
  readonly name: string;
  readonly keys: readonly string[];
  readonly description: string;
}

export interface StackOptions {
  readonly env: EnvironmentConfig;
  readonly images: ServiceImages;
}

export declare class TaskNoteStack {
  readonly charts: Chart[];
  readonly requiredSecrets: ProvidedSecret[];
}

export declare function buildStack(app: App, options: StackOptions): TaskNoteStack;
