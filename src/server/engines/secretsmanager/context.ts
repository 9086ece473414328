// What an action needs besides its input: storage, clock, per-secret locks, and the region and account ARNs embed.
import type { KeyLocks } from '../../../lib/key-locks.ts'
import { AWS_REGION_HEADER } from '../../../sdk/aws-secretsmanager-routes.ts'
import type { KeyCaller, KeyService } from '../../../sdk/key-service.ts'
import type { BackendRequest, MountInfo, SystemView } from '../../../sdk/request.ts'
import type { RotationRunner } from '../../../sdk/rotation-runner.ts'
import type { Storage } from '../../../sdk/storage.ts'
import type { SmState } from './state.ts'

export interface ActionContext {
  storage: Storage
  /** ms since the epoch; the harness's manual clock in tests. */
  now(): number
  state: SmState
  /** The caller's region; for a request without one, set to the primary region of the secret it finds. */
  region: string
  accountId: string
  /**
   * No region came with the request (the Vault API): it sees each secret in its primary region, whatever region
   * that is. An AWS request (the adapter always passes the credential scope's region) sees only its region.
   */
  anyRegion?: boolean
  /** The server's rotation runner: which RotationLambdaARNs name a function it can run. */
  rotation?: RotationRunner | undefined
  /** The server's KMS keys, for secrets with a KmsKeyId; absent on a server without them. */
  keys?: KeyService | undefined
  /** Whose permission on a KMS key is checked: the request being handled. */
  caller?: KeyCaller | undefined
  /** Where background failures are told (the system logger); absent in some tests. */
  logger?: Pick<SystemView, 'log'> | undefined
}

export const DEFAULT_ACCOUNT_ID = '000000000000'
export const DEFAULT_REGION = 'us-east-1'

export function arnOf(
  ctx: Pick<ActionContext, 'region' | 'accountId'>,
  name: string,
  suffix: string,
): string {
  return `arn:aws:secretsmanager:${ctx.region}:${ctx.accountId}:secret:${name}-${suffix}`
}

/**
 * Region: the adapter's header (from the SigV4 credential scope), else the mount option `region`, else us-east-1.
 * Account: the mount option `account_id`, else twelve zeros.
 */
export function actionContext(
  env: {
    storage: Storage
    now(): number
    state: SmState
    rotation?: RotationRunner | undefined
    keys?: KeyService | undefined
    caller?: KeyCaller | undefined
    logger?: Pick<SystemView, 'log'> | undefined
  },
  mount: Pick<MountInfo, 'options'>,
  request?: Pick<BackendRequest, 'headers'>,
): ActionContext {
  const header = request?.headers[AWS_REGION_HEADER]
  return {
    ...env,
    region: header || mount.options['region'] || DEFAULT_REGION,
    accountId: mount.options['account_id'] || DEFAULT_ACCOUNT_ID,
    ...(header ? {} : { anyRegion: true }),
  }
}

export type { KeyLocks }
