// The rekey command's endpoints per -target and its answers in the shapes (and tables) Vault's CLI prints.
import type { CommandContext } from '../../context.ts'
import { CliError } from '../../context.ts'
import { printData } from '../../output.ts'

export interface Endpoints {
  init: string
  update: string
  verify: string
  backup: string
}

/** -target: barrier, or recovery (Vault also accepts "hsm"); a Shamir-sealed server answers the latter with 400. */
export function endpointsFor(target: string): Endpoints {
  switch (target.trim().toLowerCase()) {
    case 'barrier':
      return {
        init: 'sys/rekey/init',
        update: 'sys/rekey/update',
        verify: 'sys/rekey/verify',
        backup: 'sys/rekey/backup',
      }
    case 'recovery':
    case 'hsm':
      return {
        init: 'sys/rekey-recovery-key/init',
        update: 'sys/rekey-recovery-key/update',
        verify: 'sys/rekey-recovery-key/verify',
        backup: 'sys/rekey/recovery-key-backup',
      }
    default:
      throw new CliError(`Unknown target: ${target}`, 1)
  }
}

/** Vault's api.RekeyStatusResponse: every field present, as -format=json prints it. */
export interface RekeyStatus {
  nonce: string
  started: boolean
  t: number
  n: number
  progress: number
  required: number
  pgp_fingerprints: string[] | null
  backup: boolean
  verification_required: boolean
  verification_nonce: string
}

/** Vault's api.RekeyVerificationStatusResponse. */
export interface VerifyStatus {
  nonce: string
  started: boolean
  t: number
  n: number
  progress: number
}

/** Vault's api.RekeyUpdateResponse once complete; verification_nonce is omitempty there. */
export interface RekeyUpdate {
  nonce: string
  complete: boolean
  keys: string[]
  keys_base64: string[]
  pgp_fingerprints: string[] | null
  backup: boolean
  verification_required: boolean
  verification_nonce?: string
}

type Body = Record<string, unknown>

const str = (value: unknown): string => (typeof value === 'string' ? value : '')
const num = (value: unknown): number => (typeof value === 'number' ? value : 0)
const strings = (value: unknown): string[] | null =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null

export function rekeyStatus(body: Body): RekeyStatus {
  return {
    nonce: str(body['nonce']),
    started: body['started'] === true,
    t: num(body['t']),
    n: num(body['n']),
    progress: num(body['progress']),
    required: num(body['required']),
    pgp_fingerprints: strings(body['pgp_fingerprints']),
    backup: body['backup'] === true,
    verification_required: body['verification_required'] === true,
    verification_nonce: str(body['verification_nonce']),
  }
}

export function verifyStatus(body: Body): VerifyStatus {
  return {
    nonce: str(body['nonce']),
    started: body['started'] === true,
    t: num(body['t']),
    n: num(body['n']),
    progress: num(body['progress']),
  }
}

export function rekeyUpdate(body: Body): RekeyUpdate {
  const update: RekeyUpdate = {
    nonce: str(body['nonce']),
    complete: body['complete'] === true,
    keys: strings(body['keys']) ?? [],
    keys_base64: strings(body['keys_base64']) ?? [],
    pgp_fingerprints: strings(body['pgp_fingerprints']),
    backup: body['backup'] === true,
    verification_required: body['verification_required'] === true,
  }
  const verificationNonce = str(body['verification_nonce'])
  if (verificationNonce !== '') update.verification_nonce = verificationNonce
  return update
}

export function printRekeyStatus(ctx: CommandContext, status: RekeyStatus): number {
  const rows: [string, unknown][] = [
    ['Nonce', status.nonce],
    ['Started', status.started],
  ]
  if (status.started) {
    rows.push(
      ['Rekey Progress', `${status.progress}/${status.required}`],
      ['New Shares', status.n],
      ['New Threshold', status.t],
      ['Verification Required', status.verification_required],
    )
  }
  if (status.pgp_fingerprints && status.pgp_fingerprints.length > 0) {
    rows.push(['PGP Fingerprints', status.pgp_fingerprints], ['Backup', status.backup])
  }
  return printData(ctx, { ...status }, rows)
}

export function printVerifyStatus(ctx: CommandContext, status: VerifyStatus): number {
  return printData(ctx, { ...status }, [
    ['Nonce', status.nonce],
    ['Started', status.started],
    ['New Shares', status.n],
    ['New Threshold', status.t],
    ['Verification Progress', `${status.progress}/${status.t}`],
  ])
}
