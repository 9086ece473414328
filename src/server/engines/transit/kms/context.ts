// What a KMS action needs: the mount's storage and locks, the clock, and the region and account its ARNs embed.
import { kmsArnScope } from '../../../../sdk/aws-kms-routes.ts'
import { AWS_REGION_HEADER } from '../../../../sdk/aws-secretsmanager-routes.ts'
import type { HandlerContext } from '../../../../sdk/framework/backend.ts'
import type { Fields } from '../../../../sdk/framework/fields.ts'
import type { BackendRequest } from '../../../../sdk/request.ts'
import type { Storage } from '../../../../sdk/storage.ts'
import type { TransitState } from '../state.ts'
import { type KmsKeyMeta, keyArn } from './metadata.ts'

export interface KmsContext {
  storage: Storage
  state: TransitState
  /** Milliseconds since the epoch. */
  now: () => number
  region: string
  account: string
  request: BackendRequest
  arn: (keyId: string) => string
  /**
   * The key policy check of the request's caller, when it has one (dispatch.ts): changeMeta runs it again on the
   * metadata it changes, under the key's lock, so a change lands only if the policy in force then allows it.
   */
  checkPolicy?: (meta: KmsKeyMeta) => void
}

/** Region: the adapter's (from the SigV4 scope), else the mount option `region`; account: mount option `account_id`. */
export function kmsContext(ctx: HandlerContext<Fields, TransitState>): KmsContext {
  const { region, account } = kmsArnScope(ctx.request.headers[AWS_REGION_HEADER], ctx.system.mount.options)
  return {
    storage: ctx.storage,
    state: ctx.state,
    now: () => ctx.system.now(),
    region,
    account,
    request: ctx.request,
    arn: (keyId) => keyArn(region, account, keyId),
  }
}
