// Secrets Manager through its Vault API paths (secretsmanager/secrets/<name>): cached GetSecretValue.
import type { SecretCache } from './cache.ts'
import { cacheKey, trimSlashes } from './kv.ts'
import { type Envelope, leaseTtl, type Transport } from './transport.ts'

export interface SecretValue {
  arn: string
  name: string
  version_id: string
  version_stages: string[]
  created_date: string
  secret_string?: string
  /** Base64, as the Vault API returns it. */
  secret_binary?: string
}

export interface GetSecretValueOptions {
  /** Where the engine is mounted (default `secretsmanager`). */
  mount?: string
  /** A staging label; AWSCURRENT when neither this nor versionId is given. */
  stage?: string
  versionId?: string
}

export class SecretsManagerApi {
  readonly #transport: Transport
  readonly #cache: SecretCache
  constructor(transport: Transport, cache: SecretCache) {
    this.#transport = transport
    this.#cache = cache
  }

  /** The value of secret `id` (its name) at a stage or version, from the cache while fresh. */
  getSecretValue(id: string, opts: GetSecretValueOptions = {}): Promise<SecretValue> {
    const apiPath = `${opts.mount ?? 'secretsmanager'}/secrets/${trimSlashes(id)}`
    const query = { version_id: opts.versionId, version_stage: opts.stage }
    return this.#cache.get(cacheKey(apiPath, query), async () => {
      const reply = await this.#transport.request<Envelope<SecretValue>>('GET', apiPath, { query })
      return { value: reply.data, ttl: leaseTtl(reply) }
    })
  }
}
