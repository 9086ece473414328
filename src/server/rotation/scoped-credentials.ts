// Credentials for one rotation attempt that reach exactly one secret: a temporary policy, a token, an aws-keys session.
import { randomBytes } from 'node:crypto'
import type { RotationTarget } from '../../sdk/rotation-runner.ts'
import { handleRequest, type RequestCore } from '../core/handle-request.ts'

export interface AwsSession {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
}

export interface ScopedCredentials {
  /** A Coffer token holding only the secret's policy (built-in functions call the pipeline with it). */
  token: string
  /** Session credentials of a temporary aws-keys role with the same policy (commands and webhooks sign with them). */
  aws?: AwsSession
  /** Revoke the token, the role (and with it its session) and both policies. Never throws. */
  revoke(): Promise<void>
}

/** aws-keys sessions last at least this long (AWS's minimum); the role is deleted when the attempt ends anyway. */
const SESSION_SECONDS = 900
const ACCESS_KEYS_TYPE = 'aws-keys'

/**
 * What a rotation function may do: read and write the one secret's values and labels, describe it, draw passwords,
 * and, for a secret under KMS keys, decrypt with them and seal new versions (the capabilities the KMS mount checks
 * for Decrypt and GenerateDataKey, on those keys only).
 */
export function secretPolicy(
  target: Pick<RotationTarget, 'mountPath' | 'secretName' | 'kmsKeyIds'>,
  kmsMount?: string,
): string {
  const base = `${target.mountPath}`
  const keys = kmsMount === undefined ? [] : (target.kmsKeyIds ?? []).filter((id) => KEY_ID.test(id))
  return [
    `path "${base}secrets/${target.secretName}" { capabilities = ["read", "update"] }`,
    `path "${base}metadata/${target.secretName}" { capabilities = ["read"] }`,
    `path "${base}versions/${target.secretName}" { capabilities = ["read", "update"] }`,
    `path "${base}random-password" { capabilities = ["read"] }`,
    ...keys.flatMap((id) => [
      `path "${kmsMount}decrypt/${id}" { capabilities = ["update"] }`,
      `path "${kmsMount}datakey/plaintext/${id}" { capabilities = ["update"] }`,
    ]),
  ].join('\n')
}

/** A KMS key id: a UUID, so nothing a policy path would read as a wildcard. */
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** The transit mount KMS keys live on, as the AWS front door picks it: `kms/`, else the first transit mount. */
function kmsMountOf(core: RequestCore): string | undefined {
  const transit = core.services.mounts.entries.filter((e) => e.table === 'secret' && e.type === 'transit')
  return (transit.find((e) => e.path === 'kms/') ?? transit[0])?.path
}

/**
 * What a KV rotation function may do: read and write the one secret's versions, read its metadata, and generate
 * with the password policy its rotation configuration names (when it names one).
 */
export function kvSecretPolicy(
  target: Pick<RotationTarget, 'mountPath' | 'secretName' | 'passwordPolicy'>,
): string {
  return [
    `path "${target.mountPath}data/${target.secretName}" { capabilities = ["create", "read", "update"] }`,
    `path "${target.mountPath}metadata/${target.secretName}" { capabilities = ["read"] }`,
    ...(target.passwordPolicy !== undefined
      ? [`path "sys/policies/password/${target.passwordPolicy}/generate" { capabilities = ["read"] }`]
      : []),
  ].join('\n')
}

/**
 * Secret names may hold `+`, which a policy path reads as a wildcard: such a name would widen the grant to
 * sibling paths, so its rotation is refused rather than run with broader credentials.
 */
function checkName(name: string): void {
  if (/[+*"\\]/.test(name))
    throw new Error(
      'secrets whose names contain +, *, " or \\ cannot be rotated: no policy names exactly that path',
    )
}

/** `rotation-<12 hex>`: the policy's and the role's name (see leftovers.ts, which sweeps unclaimed ones). */
export function newCredentialsId(): string {
  return `rotation-${randomBytes(6).toString('hex')}`
}

export async function mintScopedCredentials(
  core: RequestCore,
  target: RotationTarget,
  opts: {
    id: string
    ttlSeconds: number
    awsSession: boolean
    /**
     * The operator's extra policies from the function's config block (a master secret to read): fixed by the
     * config file, never taken from the secret's value, so writing the secret cannot widen what the function reaches.
     */
    extraPolicies: string[]
  },
): Promise<ScopedCredentials> {
  checkName(target.secretName)
  if (target.passwordPolicy !== undefined) checkName(target.passwordPolicy)
  const services = core.services
  const id = opts.id.slice('rotation-'.length)
  const policy = `rotation-${id}`
  const setupPolicy = `rotation-${id}-setup`
  const role = `rotation-${id}`
  const cleanups: (() => Promise<unknown>)[] = []
  const revoke = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined)
    cleanups.length = 0
  }
  try {
    await services.policies.write(
      policy,
      target.kind === 'kv' ? kvSecretPolicy(target) : secretPolicy(target, kmsMountOf(core)),
    )
    cleanups.push(() => services.policies.delete(policy))
    const granted = [policy, ...opts.extraPolicies]
    const minted = await services.tokens.create({
      policies: granted,
      parentHash: '',
      ttl: opts.ttlSeconds,
      maxTtl: opts.ttlSeconds,
      renewable: false,
      path: 'auth/token/create',
      displayName: `rotation-${target.functionName}`,
      meta: { rotation: `${target.mountPath}${target.secretName}` },
    })
    cleanups.push(() => services.tokens.revokeTree(minted.entry.idHash))
    if (!opts.awsSession) return { token: minted.token, revoke }
    const mount = services.mounts.entries.find((e) => e.table === 'auth' && e.type === ACCESS_KEYS_TYPE)
    if (!mount)
      throw new Error(
        'no aws-keys auth method is mounted: command and webhook functions sign with its session credentials',
      )
    const rolePath = `${mount.path.startsWith('auth/') ? mount.path : `auth/${mount.path}`}role/${role}`
    // The role and its session are made through the pipeline (audited) with a token that may do only that.
    await services.policies.write(
      setupPolicy,
      `path "${rolePath}" { capabilities = ["create", "update", "delete"] }\npath "${rolePath}/session" { capabilities = ["update"] }`,
    )
    cleanups.push(() => services.policies.delete(setupPolicy))
    const setup = await services.tokens.create({
      policies: [setupPolicy],
      parentHash: '',
      ttl: opts.ttlSeconds,
      maxTtl: opts.ttlSeconds,
      renewable: false,
      path: 'auth/token/create',
      displayName: 'rotation-setup',
    })
    cleanups.push(() => services.tokens.revokeTree(setup.entry.idHash))
    const call = (operation: 'update' | 'delete', path: string, data: Record<string, unknown> = {}) =>
      handleRequest(core, {
        id: crypto.randomUUID(),
        operation,
        path,
        data,
        token: setup.token,
        headers: {},
        contentType: 'application/json',
        remoteAddress: '127.0.0.1',
      })
    await call('update', rolePath, {
      token_policies: granted,
      token_type: 'batch',
      max_session_duration: SESSION_SECONDS,
    })
    // Deleting the role deletes its sessions: the credentials die with the attempt.
    cleanups.push(() => call('delete', rolePath))
    const session = await call('update', `${rolePath}/session`, {
      role_session_name: `coffer-rotation-${id}`,
      duration_seconds: SESSION_SECONDS,
    })
    const data = session?.data ?? {}
    return {
      token: minted.token,
      aws: {
        accessKeyId: String(data['access_key_id']),
        secretAccessKey: String(data['secret_access_key']),
        sessionToken: String(data['session_token']),
      },
      revoke,
    }
  } catch (error) {
    await revoke()
    throw error
  }
}
