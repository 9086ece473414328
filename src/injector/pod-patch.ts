// The RFC 6902 JSON patch that adds the secrets volume, the agent init container and sidecar to a pod.
import { AGENT_HOME, agentConfig, TOKEN_PATH } from './agent-config.ts'
import type { InjectionSpec } from './annotations.ts'

export interface PatchOperation {
  op: 'add'
  path: string
  value: unknown
}

// biome-ignore lint/suspicious/noExplicitAny: a Kubernetes pod as the API server sends it, read field by field
type Pod = Record<string, any>

export interface InjectorSettings {
  vaultAddress: string
  agentImage: string
}

export const SECRETS_VOLUME = 'coffer-secrets'
const HOME_INIT_VOLUME = 'coffer-agent-home-init'
const HOME_SIDECAR_VOLUME = 'coffer-agent-home-sidecar'
const CONFIG_VOLUME = 'coffer-agent-config'
const CONFIG_MOUNT = '/coffer/configs'
const TLS_VOLUME = 'coffer-agent-tls'
export const TLS_MOUNT = '/vault/tls'
const TOKEN_DIR = TOKEN_PATH.slice(0, TOKEN_PATH.lastIndexOf('/'))
export const CONFIG_ENV = 'COFFER_AGENT_CONFIG'

/** JSON pointer escaping (RFC 6901): `~` then `/`. */
export function pointerEscape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1')
}

/** Adds `items` to the array at `path`: the whole array when the pod has none, else appended one by one. */
function addAll(path: string, current: unknown, items: unknown[]): PatchOperation[] {
  if (items.length === 0) return []
  if (!Array.isArray(current) || current.length === 0) return [{ op: 'add', path, value: items }]
  return items.map((value) => ({ op: 'add', path: `${path}/-`, value }))
}

/** The volume holding the service account token the agent logs in with (Vault: the mount at the token dir). */
function tokenVolume(pod: Pod, spec: InjectionSpec): string | undefined {
  if (spec.serviceAccountTokenVolumeName) return spec.serviceAccountTokenVolumeName
  for (const container of pod.spec?.containers ?? [])
    for (const mount of container.volumeMounts ?? [])
      if (mount.mountPath === TOKEN_DIR) return mount.name as string
  return undefined
}

function agentContainer(
  pod: Pod,
  spec: InjectionSpec,
  settings: InjectorSettings,
  init: boolean,
): Record<string, unknown> {
  const home = init ? HOME_INIT_VOLUME : HOME_SIDECAR_VOLUME
  const mounts: Record<string, unknown>[] = [
    { name: home, mountPath: AGENT_HOME },
    { name: SECRETS_VOLUME, mountPath: spec.secretVolumePath },
  ]
  const token = tokenVolume(pod, spec)
  if (token) mounts.push({ name: token, mountPath: TOKEN_DIR, readOnly: true })
  if (spec.tlsSecret) mounts.push({ name: TLS_VOLUME, mountPath: TLS_MOUNT, readOnly: true })
  const address = spec.vaultAddress ?? settings.vaultAddress
  const env: Record<string, string>[] = [{ name: 'VAULT_ADDR', value: address }]
  let script: string
  if (spec.configMap) {
    // Vault's layout: the ConfigMap holds config-init.hcl for the init container and config.hcl for the sidecar.
    mounts.push({ name: CONFIG_VOLUME, mountPath: CONFIG_MOUNT, readOnly: true })
    script = `exec coffer agent -config=${CONFIG_MOUNT}/${init ? 'config-init.hcl' : 'config.hcl'}`
  } else {
    // As Vault's injector does: the config travels base64-encoded in an env var and is decoded at start.
    const config = agentConfig(spec, { vaultAddress: address, exitAfterAuth: init })
    env.push({ name: CONFIG_ENV, value: Buffer.from(config).toString('base64') })
    script = `echo "\${${CONFIG_ENV}?}" | base64 -d > ${AGENT_HOME}/config.hcl && exec coffer agent -config=${AGENT_HOME}/config.hcl`
  }
  const container: Record<string, unknown> = {
    name: init ? 'coffer-agent-init' : 'coffer-agent',
    image: spec.image ?? settings.agentImage,
    command: ['/bin/sh', '-ec'],
    args: [script],
    env,
    resources: {
      limits: { cpu: spec.limits.cpu, memory: spec.limits.memory },
      requests: { cpu: spec.requests.cpu, memory: spec.requests.memory },
    },
    volumeMounts: mounts,
  }
  if (spec.setSecurityContext)
    container['securityContext'] = {
      runAsUser: spec.runAsUser,
      runAsGroup: spec.runAsGroup,
      runAsNonRoot: spec.runAsUser !== 0,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    }
  return container
}

/**
 * Whether the pod already holds the injector's volume or containers (a spec copied from an injected pod, or the
 * status annotation removed): adding them again would only make the API server refuse the pod for duplicates.
 */
export function hasInjectedParts(pod: Pod): boolean {
  const spec = pod.spec ?? {}
  const names = (list: unknown) => (Array.isArray(list) ? list.map((item) => item?.name) : [])
  return (
    names(spec.volumes).includes(SECRETS_VOLUME) ||
    [...names(spec.containers), ...names(spec.initContainers)].some(
      (name) => name === 'coffer-agent' || name === 'coffer-agent-init',
    )
  )
}

/** The patch for an annotated, not yet injected pod. */
export function podPatch(pod: Pod, spec: InjectionSpec, settings: InjectorSettings): PatchOperation[] {
  const podSpec = pod.spec ?? {}
  const memory = { medium: 'Memory' }
  const volumes: Record<string, unknown>[] = [{ name: SECRETS_VOLUME, emptyDir: memory }]
  if (spec.prePopulate) volumes.push({ name: HOME_INIT_VOLUME, emptyDir: memory })
  if (!spec.prePopulateOnly) volumes.push({ name: HOME_SIDECAR_VOLUME, emptyDir: memory })
  if (spec.configMap) volumes.push({ name: CONFIG_VOLUME, configMap: { name: spec.configMap } })
  if (spec.tlsSecret) volumes.push({ name: TLS_VOLUME, secret: { secretName: spec.tlsSecret } })
  const ops: PatchOperation[] = addAll('/spec/volumes', podSpec.volumes, volumes)

  const appContainers: Pod[] = podSpec.containers ?? []
  appContainers.forEach((container, index) => {
    if (spec.containers && !spec.containers.includes(container.name)) return
    const mount = { name: SECRETS_VOLUME, mountPath: spec.secretVolumePath, readOnly: true }
    ops.push(...addAll(`/spec/containers/${index}/volumeMounts`, container.volumeMounts, [mount]))
  })

  if (spec.prePopulate) {
    const init = agentContainer(pod, spec, settings, true)
    const existing = podSpec.initContainers
    if (spec.initFirst && Array.isArray(existing) && existing.length > 0)
      ops.push({ op: 'add', path: '/spec/initContainers/0', value: init })
    else ops.push(...addAll('/spec/initContainers', existing, [init]))
  }
  if (!spec.prePopulateOnly)
    ops.push(...addAll('/spec/containers', podSpec.containers, [agentContainer(pod, spec, settings, false)]))

  // The status annotation is what makes a second admission of the same pod a no-op.
  const statusKey = `${spec.prefix}agent-inject-status`
  if (pod.metadata?.annotations === undefined)
    ops.push({ op: 'add', path: '/metadata/annotations', value: { [statusKey]: 'injected' } })
  else ops.push({ op: 'add', path: `/metadata/annotations/${pointerEscape(statusKey)}`, value: 'injected' })
  return ops
}
