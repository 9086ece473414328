// Transit encrypt/decrypt: the plaintext goes base64 on the wire and comes back as bytes; nothing is cached.
import type { Envelope, Transport } from './transport.ts'

export interface TransitOptions {
  /** Where transit is mounted (default `transit`). */
  mount?: string
  /** Key derivation context, for keys created with `derived`. */
  context?: Buffer | string
  /** Encrypt with this key version (default: the latest). */
  keyVersion?: number
}

export class TransitApi {
  readonly #transport: Transport
  constructor(transport: Transport) {
    this.#transport = transport
  }

  /** `vault:v<N>:…` ciphertext for `plaintext` under key `key`. */
  async encrypt(key: string, plaintext: Buffer | string, opts: TransitOptions = {}): Promise<string> {
    const reply = await this.#transport.request<Envelope<{ ciphertext: string }>>(
      'POST',
      `${opts.mount ?? 'transit'}/encrypt/${key}`,
      {
        body: {
          plaintext: Buffer.from(plaintext).toString('base64'),
          ...base64Context(opts.context),
          ...(opts.keyVersion === undefined ? {} : { key_version: opts.keyVersion }),
        },
      },
    )
    return reply.data.ciphertext
  }

  /** The plaintext bytes of `ciphertext` (`.toString()` for text). */
  async decrypt(
    key: string,
    ciphertext: string,
    opts: Omit<TransitOptions, 'keyVersion'> = {},
  ): Promise<Buffer> {
    const reply = await this.#transport.request<Envelope<{ plaintext: string }>>(
      'POST',
      `${opts.mount ?? 'transit'}/decrypt/${key}`,
      { body: { ciphertext, ...base64Context(opts.context) } },
    )
    return Buffer.from(reply.data.plaintext, 'base64')
  }
}

function base64Context(context: Buffer | string | undefined): { context?: string } {
  return context === undefined ? {} : { context: Buffer.from(context).toString('base64') }
}
