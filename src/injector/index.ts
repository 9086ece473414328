// The Kubernetes agent injector behind `coffer k8s-injector`: annotations in, a JSON patch for the pod out.
export { handleAdmission } from './admission.ts'
export { agentConfig, defaultTemplate } from './agent-config.ts'
export { AnnotationError, readInjectionSpec, shouldInject } from './annotations.ts'
export { CONFIG_ENV, type PatchOperation, podPatch } from './pod-patch.ts'
export { type RunningInjector, startInjector } from './server.ts'
