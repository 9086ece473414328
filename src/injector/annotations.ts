// Reads Vault Agent Injector's pod annotations (and their coffer.dev/ spelling) into what the injector must add.
import { parseDuration } from '../lib/duration.ts'

export const VAULT_PREFIX = 'vault.hashicorp.com/'
export const COFFER_PREFIX = 'coffer.dev/'

/** A pod whose annotations ask for something the injector cannot do: the pod is refused with this message. */
export class AnnotationError extends Error {}

export interface SecretSpec {
  /** The name after `agent-inject-secret-`, lower-cased as Vault's injector does. */
  name: string
  path: string
  /** A Go template; absent means the default rendering of the secret's data. */
  template: string | undefined
  /** The file, relative to the secrets volume (`agent-inject-file-<name>`, default the name). */
  file: string
  perms: string | undefined
  command: string | undefined
}

export interface InjectionSpec {
  /** Which spelling `agent-inject` used: the status annotation is written with the same one. */
  prefix: string
  role: string | undefined
  authPath: string
  secrets: SecretSpec[]
  prePopulate: boolean
  prePopulateOnly: boolean
  initFirst: boolean
  injectToken: boolean
  image: string | undefined
  configMap: string | undefined
  vaultAddress: string | undefined
  caCert: string | undefined
  /** A Kubernetes Secret mounted at /vault/tls in the agent containers (for `ca-cert`), as Vault's `tls-secret`. */
  tlsSecret: string | undefined
  tlsSkipVerify: boolean
  runAsUser: number
  runAsGroup: number
  setSecurityContext: boolean
  limits: { cpu: string; memory: string }
  requests: { cpu: string; memory: string }
  serviceAccountTokenVolumeName: string | undefined
  secretVolumePath: string
  /** Containers that get the secrets volume mounted (`agent-inject-containers`); undefined: every app container. */
  containers: string[] | undefined
  renderInterval: string | undefined
  /** Annotations read but without effect in Coffer, reported to kubectl as warnings. */
  warnings: string[]
}

/** Vault's injector defaults for the agent containers' resources and user. */
export const DEFAULTS = {
  limits: { cpu: '500m', memory: '128Mi' },
  requests: { cpu: '250m', memory: '64Mi' },
  runAsUser: 100,
  runAsGroup: 1000,
  authPath: 'auth/kubernetes',
  secretVolumePath: '/vault/secrets',
}

/** Vault annotations accepted but without effect in Coffer: the pod is admitted with a warning naming them. */
const IGNORED_WITH_WARNING = ['namespace', 'agent-cache-enable', 'agent-inject-default-template']

type Annotations = Record<string, string>

/** The value under either spelling; coffer.dev/ wins when a pod carries both. */
function lookup(annotations: Annotations, key: string): string | undefined {
  return annotations[COFFER_PREFIX + key] ?? annotations[VAULT_PREFIX + key]
}

/** Go's strconv.ParseBool, as Vault's injector reads its boolean annotations. */
function parseBool(value: string | undefined, key: string, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false
  throw new AnnotationError(`annotation ${key}: "${value}" is not a boolean`)
}

function parseId(value: string | undefined, key: string, fallback: number): number {
  if (value === undefined) return fallback
  if (!/^\d{1,10}$/.test(value))
    throw new AnnotationError(`annotation ${key}: "${value}" is not a user or group ID`)
  return Number(value)
}

/** Kubernetes quantities such as 500m, 128Mi, 1.5, 2G. */
function quantity(value: string | undefined, key: string, fallback: string): string {
  if (value === undefined) return fallback
  if (!/^\d+(\.\d+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.test(value))
    throw new AnnotationError(`annotation ${key}: "${value}" is not a resource quantity`)
  return value
}

/** A relative file path that stays inside the secrets volume, with no control character the agent cannot write. */
function safeFile(file: string, key: string): string {
  const parts = file.split('/').filter((part) => part !== '' && part !== '.')
  if (
    file.startsWith('/') ||
    parts.length === 0 ||
    parts.includes('..') ||
    /[\u0000-\u001f\u007f]/.test(file)
  )
    throw new AnnotationError(
      `annotation ${key}: "${file}" must be a relative path inside the secrets volume`,
    )
  return parts.join('/')
}

/** A render interval the agent will accept (the agent's own duration syntax, above zero), checked at admission. */
function renderInterval(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  let seconds: number
  try {
    seconds = parseDuration(value)
  } catch {
    seconds = 0
  }
  if (!(seconds > 0))
    throw new AnnotationError(
      `annotation template-static-secret-render-interval: "${value}" is not a duration above zero, such as 5m`,
    )
  return value
}

/** Whether the pod asks for injection and is not injected yet (Vault's ShouldInject). */
export function shouldInject(annotations: Annotations): boolean {
  const inject = parseBool(lookup(annotations, 'agent-inject'), 'agent-inject', false)
  if (!inject) return false
  return lookup(annotations, 'agent-inject-status') !== 'injected'
}

/** Each `agent-inject-secret-<name>` under either prefix, with its template, file, perms and command. */
function readSecrets(annotations: Annotations): SecretSpec[] {
  const byName = new Map<string, SecretSpec>()
  for (const [key, path] of Object.entries(annotations)) {
    const prefix = [COFFER_PREFIX, VAULT_PREFIX].find((p) => key.startsWith(`${p}agent-inject-secret-`))
    if (!prefix) continue
    const raw = key.slice(`${prefix}agent-inject-secret-`.length)
    const name = raw.toLowerCase()
    if (name === '' || path.trim() === '')
      throw new AnnotationError(`annotation ${key}: a secret needs a name and a path`)
    if (byName.has(name) && prefix === VAULT_PREFIX) continue
    const perKey = (what: string) =>
      lookup(annotations, `${what}-${raw}`) ?? lookup(annotations, `${what}-${name}`)
    const perms = perKey('agent-inject-perms')
    if (perms !== undefined && !/^0?[0-7]{3}$/.test(perms))
      throw new AnnotationError(
        `annotation agent-inject-perms-${raw}: "${perms}" is not a file mode such as 0640`,
      )
    const file = perKey('agent-inject-file')
    byName.set(name, {
      name,
      path: path.trim(),
      template: perKey('agent-inject-template'),
      file: file === undefined ? safeFile(name, key) : safeFile(file, `agent-inject-file-${raw}`),
      perms,
      command: perKey('agent-inject-command'),
    })
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name))
}

/** Reads an annotated pod's injection settings; throws AnnotationError on a value Vault's injector would refuse. */
export function readInjectionSpec(annotations: Annotations): InjectionSpec {
  const get = (key: string) => lookup(annotations, key)
  const prefix = annotations[`${COFFER_PREFIX}agent-inject`] !== undefined ? COFFER_PREFIX : VAULT_PREFIX
  const prePopulateOnly = parseBool(get('agent-pre-populate-only'), 'agent-pre-populate-only', false)
  const prePopulate = parseBool(get('agent-pre-populate'), 'agent-pre-populate', true)
  if (prePopulateOnly && !prePopulate)
    throw new AnnotationError(
      'agent-pre-populate-only needs agent-pre-populate: there would be no agent at all',
    )
  const configMap = get('agent-configmap')
  const role = get('role')
  const authType = get('auth-type') ?? 'kubernetes'
  if (authType !== 'kubernetes')
    throw new AnnotationError(`annotation auth-type: only "kubernetes" is supported, not "${authType}"`)
  if (!role && !configMap)
    throw new AnnotationError('no role found: set the role annotation (or agent-configmap)')
  const authPath = (get('auth-path') ?? DEFAULTS.authPath).replace(/^\/+|\/+$/g, '')
  const volumePath = get('secret-volume-path') ?? DEFAULTS.secretVolumePath
  if (!volumePath.startsWith('/') || volumePath.split('/').includes('..'))
    throw new AnnotationError(`annotation secret-volume-path: "${volumePath}" must be an absolute path`)
  const containers = get('agent-inject-containers')
  const warnings = IGNORED_WITH_WARNING.filter((key) => get(key) !== undefined).map(
    (key) => `annotation ${key} has no effect with Coffer's injector`,
  )
  return {
    prefix,
    role,
    authPath,
    secrets: readSecrets(annotations),
    prePopulate,
    prePopulateOnly,
    initFirst: parseBool(get('agent-init-first'), 'agent-init-first', false),
    injectToken: parseBool(get('agent-inject-token'), 'agent-inject-token', false),
    image: get('agent-image'),
    configMap,
    vaultAddress: get('service'),
    caCert: get('ca-cert'),
    tlsSecret: get('tls-secret'),
    tlsSkipVerify: parseBool(get('tls-skip-verify'), 'tls-skip-verify', false),
    runAsUser: parseId(get('agent-run-as-user'), 'agent-run-as-user', DEFAULTS.runAsUser),
    runAsGroup: parseId(get('agent-run-as-group'), 'agent-run-as-group', DEFAULTS.runAsGroup),
    setSecurityContext: parseBool(get('agent-set-security-context'), 'agent-set-security-context', true),
    limits: {
      cpu: quantity(get('agent-limits-cpu'), 'agent-limits-cpu', DEFAULTS.limits.cpu),
      memory: quantity(get('agent-limits-mem'), 'agent-limits-mem', DEFAULTS.limits.memory),
    },
    requests: {
      cpu: quantity(get('agent-requests-cpu'), 'agent-requests-cpu', DEFAULTS.requests.cpu),
      memory: quantity(get('agent-requests-mem'), 'agent-requests-mem', DEFAULTS.requests.memory),
    },
    serviceAccountTokenVolumeName:
      get('agent-service-account-token-volume-name') ?? get('service-account-token-volume-name'),
    secretVolumePath: volumePath.replace(/\/+$/, ''),
    containers:
      containers === undefined
        ? undefined
        : containers
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean),
    renderInterval: renderInterval(get('template-static-secret-render-interval')),
    warnings,
  }
}
