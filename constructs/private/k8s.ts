// The generated Kubernetes 1.28 API that cdk8s-plus-28 ships, imported by path: loading all of
// cdk8s-plus only to reach its L1 classes costs ~150 ms at every synth.
export * from 'cdk8s-plus-28/lib/imports/k8s';
