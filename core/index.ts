// The leaf every layer stands on: the shared vocabulary. It imports nothing of ours.
export * from './environment-names';
export * from './image-reference';
export * from './kube-object';
export * from './repo-root';
export * from './user-error';
export * from './git';
export * from './deploy-role';
export * from './label-selector';
export * from './object-path';
export * from './dns-peer';
export * from './network-policy';
export * from './kubernetes-version';
