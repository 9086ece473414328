// What an action needs besides its input: storage, clock, per-parameter locks, the region, account and caller ARNs name.
import type { KeyLocks } from '../../../lib/key-locks.ts'
import { AWS_REGION_HEADER } from '../../../sdk/aws-secretsmanager-routes.ts'
import type { KeyCaller, KeyService } from '../../../sdk/key-service.ts'
import type { BackendRequest, MountInfo } from '../../../sdk/request.ts'
import type { Storage } from '../../../sdk/storage.ts'

export interface SsmContext {
  storage: Storage
  /** ms since the epoch; the harness's manual clock in tests. */
  now(): number
  locks: KeyLocks
  region: string
  accountId: string
  /** LastModifiedUser of the versions this request writes. */
  user: string
  /** The server's KMS keys, for SecureStrings under a customer key; absent on a server without them. */
  keys?: KeyService | undefined
  /** Whose permission on a KMS key is checked: the request being handled. */
  caller?: KeyCaller | undefined
}

export function arnOf(ctx: Pick<SsmContext, 'region' | 'accountId'>, name: string): string {
  return `arn:aws:ssm:${ctx.region}:${ctx.accountId}:parameter/${name.replace(/^\/+/, '')}`
}

/**
 * Region: the adapter's header (from the SigV4 credential scope), else the mount option `region`, else us-east-1.
 * Account: the mount option `account_id`, else twelve zeros. User: the caller's display name as an IAM user ARN.
 */
export function ssmContext(
  env: {
    storage: Storage
    now(): number
    locks: KeyLocks
    keys?: KeyService | undefined
    caller?: KeyCaller | undefined
  },
  mount: Pick<MountInfo, 'options'>,
  request?: Pick<BackendRequest, 'headers' | 'caller'>,
): SsmContext {
  const accountId = mount.options['account_id'] || '000000000000'
  const who = request?.caller?.displayName || 'coffer'
  return {
    ...env,
    region: request?.headers[AWS_REGION_HEADER] || mount.options['region'] || 'us-east-1',
    accountId,
    user: `arn:aws:iam::${accountId}:user/${who.replace(/[^\w+=,.@-]/g, '-')}`,
  }
}
