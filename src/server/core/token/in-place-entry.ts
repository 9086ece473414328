// The token entry a login in place holds for the one request it authenticates: a batch token's, sealed and stored nowhere.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { batchTokenFields } from './batch-tokens.ts'
import { type CreateTokenInput, effectiveTtl, type TokenEntry } from './token-entry.ts'

/**
 * The identity of an in-place entry: batch-shaped (`batch.` prefix), so nothing looks it up in storage, and unique
 * per request. It is never a token anyone holds: the request that logged in is its only use.
 */
const ID_PREFIX = 'batch.in-place.'

/**
 * The entry a login's token would have, for the request whose credentials (a signature) it verified: as a batch
 * token, no accessor, no renewal, no use limit and no period, and it ends with the request. Its TTL still bounds
 * what the request may create (a lease), as the batch token's would.
 */
export function inPlaceEntry(requestId: string, input: CreateTokenInput, now: number): TokenEntry {
  if (input.policies.includes('root')) throw new InvalidRequestError('a login may not grant root')
  const ttls = effectiveTtl(input)
  if (ttls.ttl === 0) throw new InvalidRequestError('a login in place must have a TTL')
  return {
    idHash: ID_PREFIX + requestId,
    accessor: '',
    type: 'batch',
    ...batchTokenFields(input, '', ttls, now),
  }
}
