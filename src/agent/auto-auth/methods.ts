// Auto-auth login methods: AppRole (role and secret ID files), JWT and Kubernetes (token files), token_file.
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { ApiError, type VaultClient } from '../../client/index.ts'
import type { AuthMethodConfig } from '../config/agent-config.ts'

export interface AuthResult {
  token: string
  /** Seconds the token lives from now; 0 for a token that does not expire. */
  ttlSeconds: number
  renewable: boolean
}

export class AuthError extends Error {}

function readTrimmed(file: string, what: string): string {
  let text: string
  try {
    text = readFileSync(file, 'utf8').trim()
  } catch (error) {
    throw new AuthError(
      `cannot read the ${what} file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    )
  }
  if (text === '') throw new AuthError(`the ${what} file ${file} is empty`)
  return text
}

function describe(error: unknown): string {
  if (error instanceof ApiError)
    return error.status === 403 ? 'permission denied' : error.errors.join('; ') || `HTTP ${error.status}`
  return error instanceof Error ? error.message : String(error)
}

/** Logs in with a method's config; keeps state (the secret ID read before its file was removed) between logins. */
export class AuthMethod {
  readonly #config: AuthMethodConfig
  #cachedSecretId: string | undefined
  #cachedJwt: string | undefined

  constructor(config: AuthMethodConfig) {
    this.#config = config
  }

  get name(): string {
    return this.#config.type
  }

  async login(client: VaultClient): Promise<AuthResult> {
    const config = this.#config
    if (config.type === 'token_file') {
      const token = readTrimmed(config.tokenFile, 'token')
      let data: Record<string, unknown>
      try {
        const res = await client.request('GET', 'auth/token/lookup-self', {
          headers: { 'X-Vault-Token': token },
        })
        data = (res.body?.data ?? {}) as Record<string, unknown>
      } catch (error) {
        throw new AuthError(`the token in ${config.tokenFile} cannot be used: ${describe(error)}`)
      }
      return { token, ttlSeconds: Number(data['ttl'] ?? 0), renewable: data['renewable'] === true }
    }
    if (config.type === 'jwt' || config.type === 'kubernetes') {
      let jwt: string
      if (config.type === 'kubernetes') jwt = readTrimmed(config.tokenPath, 'service account token')
      else if (existsSync(config.jwtFile)) {
        jwt = readTrimmed(config.jwtFile, 'JWT')
        this.#cachedJwt = jwt
        if (config.removeJwtFile) rmSync(config.jwtFile, { force: true })
      } else if (this.#cachedJwt !== undefined) jwt = this.#cachedJwt
      else throw new AuthError(`the JWT file ${config.jwtFile} does not exist`)
      return this.#loginAt(client, config.mountPath, { role: config.role, jwt }, config.type)
    }
    const roleId = readTrimmed(config.roleIdFile, 'role ID')
    let secretId: string | undefined
    if (config.secretIdFile !== undefined) {
      if (existsSync(config.secretIdFile)) {
        secretId = readTrimmed(config.secretIdFile, 'secret ID')
        this.#cachedSecretId = secretId
        if (config.removeSecretIdFile) rmSync(config.secretIdFile, { force: true })
      } else if (this.#cachedSecretId !== undefined) {
        secretId = this.#cachedSecretId
      } else {
        throw new AuthError(`the secret ID file ${config.secretIdFile} does not exist`)
      }
    }
    return this.#loginAt(
      client,
      config.mountPath,
      { role_id: roleId, ...(secretId === undefined ? {} : { secret_id: secretId }) },
      'AppRole',
    )
  }

  async #loginAt(
    client: VaultClient,
    mountPath: string,
    body: Record<string, string>,
    label: string,
  ): Promise<AuthResult> {
    let auth: Record<string, unknown> | undefined
    try {
      const res = await client.request('POST', `${mountPath}/login`, {
        body,
        headers: { 'X-Vault-Token': '' },
      })
      auth = res.body?.auth as Record<string, unknown> | undefined
    } catch (error) {
      throw new AuthError(`${label} login at ${mountPath} failed: ${describe(error)}`)
    }
    if (typeof auth?.['client_token'] !== 'string')
      throw new AuthError(`the ${label} login returned no token`)
    return {
      token: auth['client_token'],
      ttlSeconds: Number(auth['lease_duration'] ?? 0),
      renewable: auth['renewable'] === true,
    }
  }
}
