// The AWS names of this mount's identities: the account (mount option account_id), role ARNs and their
// IDs, assumed-role ARNs of session credentials, and the user ARN of a long-term key.
import { createHash } from 'node:crypto'
import type { SystemView } from '../../../sdk/request.ts'

/** The same default as the Secrets Manager engine's, so ARNs of both agree on a fresh server. */
export const DEFAULT_ACCOUNT_ID = '000000000000'

export function accountId(system: Pick<SystemView, 'mount'>): string {
  const configured = system.mount.options['account_id']
  return configured && /^\d{12}$/.test(configured) ? configured : DEFAULT_ACCOUNT_ID
}

/**
 * The role name an IAM role ARN names (`arn:aws:iam::<account>:role[/path]/<name>`; the path is ignored), or
 * undefined when it is not such an ARN or names another account.
 */
export function roleNameFromArn(arn: string, account: string): string | undefined {
  const match = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/.exec(arn)
  if (!match || match[1] !== account) return undefined
  return match[2]!.toLowerCase()
}

export const roleArn = (account: string, role: string) => `arn:aws:iam::${account}:role/${role}`

/** A stable 21-character ID for a role of this mount, shaped like AWS's AROA… role IDs. */
export function roleId(mountUuid: string, role: string): string {
  const digest = createHash('sha256').update(`${mountUuid}\0${role}`).digest()
  const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let out = 'CROA'
  for (let i = 0; i < 17; i++) out += BASE32[digest[i]! & 31]
  return out
}

export const assumedRoleArn = (account: string, role: string, sessionName: string) =>
  `arn:aws:sts::${account}:assumed-role/${role}/${sessionName}`

/** A long-term key acts as an IAM user named by its role; GetCallerIdentity's UserId is then the key ID. */
export const keyUserArn = (account: string, role: string) => `arn:aws:iam::${account}:user/${role}`
