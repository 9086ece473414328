// login: a SigV4-signed request (method, path, query, headers, base64 body) for a token with the key's role's policies.
import { SigV4Error, UNKNOWN_KEY, verifySigV4 } from '../../../lib/sigv4/index.ts'
import { AppError, InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { tokenGrant } from '../../../sdk/framework/token-params.ts'
import { type AccessKeyEntry, loadAccessKey } from './key-store.ts'
import { loadRole, type RoleEntry } from './role-store.ts'
import type { AwsKeysState } from './state.ts'

const fields = {
  method: f.string({ description: 'The HTTP method of the signed request.' }),
  path: f.string({
    description: 'The raw path of the signed request, percent-encoding intact ("/" for AWS JSON calls).',
  }),
  query: f.string({ description: 'The raw query string of the signed request, without "?".' }),
  headers: f.map({
    description:
      'The headers as received: names to a value or a list of values (Authorization, Host, X-Amz-Date…).',
    sensitive: true,
  }),
  body: f.string({ description: 'The request body, base64-encoded.', sensitive: true }),
}

/**
 * A refused signature as a Coffer error: 403 with AWS's message, the SigV4Error as its cause so the AWS front door
 * can answer with the `__type` clients classify.
 */
export function signatureRefused(error: SigV4Error): AppError {
  return new AppError('permission_denied', 403, `${error.awsType}: ${error.message}`, { cause: error })
}

function headersOf(raw: Record<string, unknown> | undefined): Record<string, string | string[]> {
  if (raw === undefined) throw new InvalidRequestError('missing headers')
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'string') out[name] = value
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[name] = value as string[]
    else throw new InvalidRequestError(`header "${name}" must be a string or a list of strings`)
  }
  return out
}

function bodyOf(raw: string | undefined): Buffer {
  if (raw === undefined || raw === '') return Buffer.alloc(0)
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) throw new InvalidRequestError('body must be base64')
  return Buffer.from(raw, 'base64')
}

export const loginPath = definePath<typeof fields, AwsKeysState>({
  pattern: 'login',
  fields,
  help: 'Log in with a request signed by an access key (AWS Signature Version 4).',
  operations: {
    update: async ({ storage, system, input }) => {
      if (!input.method) throw new InvalidRequestError('missing method')
      let key: { id: string; entry: AccessKeyEntry; role: RoleEntry } | undefined
      let verified: Awaited<ReturnType<typeof verifySigV4>>
      try {
        verified = await verifySigV4(
          {
            method: input.method,
            rawPath: input.path || '/',
            rawQuery: input.query ?? '',
            headers: headersOf(input.headers),
            body: bodyOf(input.body),
          },
          {
            now: () => system.now(),
            // The stored entry is read on every login, so a revoked key (or a deleted role) is refused as soon as
            // the delete has returned.
            lookupSecret: async (id) => {
              const entry = await loadAccessKey(storage, id)
              const role = entry && (await loadRole(storage, entry.role))
              if (!entry || !role) return undefined
              key = { id, entry, role }
              return entry.secret
            },
          },
        )
      } catch (error) {
        if (error instanceof SigV4Error) throw signatureRefused(error)
        throw error
      }
      if (!key) throw new InvalidRequestError('internal: no key after verification')
      // Long-term keys carry no session token; one sent with them is refused as AWS refuses it.
      if (verified.securityToken !== undefined)
        throw signatureRefused(new SigV4Error('UnrecognizedClientException', UNKNOWN_KEY))
      const metadata = {
        access_key_id: key.id,
        role: key.entry.role,
        region: verified.region,
        service: verified.service,
      }
      return {
        auth: {
          ...tokenGrant(key.role),
          displayName: key.id,
          metadata,
          internal: { accessKeyId: key.id },
          alias: { name: key.id, metadata: { role: key.entry.role } },
        },
      }
    },
  },
})
