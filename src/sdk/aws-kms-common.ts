// The members many KMS actions share (GrantTokens, DryRun, DryRunModifiers, Recipient), read as AWS reads them.
import { AwsError } from './aws-error.ts'
import { optBool, validation } from './aws-input.ts'
import type { KmsAction } from './aws-kms-routes.ts'

type Input = Record<string, unknown>

/** The actions whose model has these members; others ignore them, as AWS ignores a member an action lacks. */
const WITH_GRANT_TOKENS = new Set<KmsAction>([
  'DescribeKey',
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'Sign',
  'Verify',
  'GetPublicKey',
  'GenerateMac',
  'VerifyMac',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
])
const WITH_DRY_RUN = new Set<KmsAction>([
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'Sign',
  'Verify',
  'GenerateMac',
  'VerifyMac',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
])
const WITH_DRY_RUN_MODIFIERS = new Set<KmsAction>(['Decrypt', 'ReEncrypt'])
const WITH_RECIPIENT = new Set<KmsAction>([
  'Decrypt',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'GenerateRandom',
])

const MAX_GRANT_TOKENS = 10
const MAX_GRANT_TOKEN_LENGTH = 8192
const DRY_RUN_MODIFIERS = ['IGNORE_CIPHERTEXT']

/**
 * Checks the shared members and says whether the call is a dry run. Coffer has no grants, so a well-formed grant
 * token grants nothing and is ignored; a malformed one is refused as AWS refuses it. A Recipient asks for the
 * plaintext encrypted to a Nitro enclave's attested key instead of in clear: Coffer cannot verify an attestation
 * document, and answering with the plaintext in clear would hand the caller exactly what it asked not to receive.
 */
export function kmsCommonMembers(action: KmsAction, input: Input): { dryRun: boolean } {
  const tokens = input['GrantTokens']
  if (WITH_GRANT_TOKENS.has(action) && tokens !== undefined && tokens !== null) {
    if (!Array.isArray(tokens)) throw validation('grantTokens', 'Member must be a list')
    if (tokens.length > MAX_GRANT_TOKENS)
      throw validation('grantTokens', `Member must have length less than or equal to ${MAX_GRANT_TOKENS}`)
    if (tokens.some((t) => typeof t !== 'string' || t.length < 1 || t.length > MAX_GRANT_TOKEN_LENGTH))
      throw validation(
        'grantTokens',
        `Member must be a list of strings of length between 1 and ${MAX_GRANT_TOKEN_LENGTH}`,
      )
  }
  const modifiers = input['DryRunModifiers']
  if (WITH_DRY_RUN_MODIFIERS.has(action) && modifiers !== undefined && modifiers !== null) {
    if (!Array.isArray(modifiers) || modifiers.some((m) => !DRY_RUN_MODIFIERS.includes(m as string)))
      throw validation(
        'dryRunModifiers',
        `Member must be a list of values in the enum value set: [${DRY_RUN_MODIFIERS.join(', ')}]`,
      )
  }
  if (WITH_RECIPIENT.has(action) && input['Recipient'] !== undefined && input['Recipient'] !== null)
    throw new AwsError(
      'ValidationException',
      'Recipient is not supported: this server cannot verify a Nitro Enclaves attestation document, and does not answer in clear in its place.',
    )
  return { dryRun: WITH_DRY_RUN.has(action) ? (optBool(input, 'DryRun') ?? false) : false }
}

/** AWS's answer to a dry run that would have succeeded (HTTP 412, as AWS documents it). */
export const dryRunSucceeded = () =>
  new AwsError(
    'DryRunOperationException',
    'The request would have succeeded, but the DryRun option is set.',
    412,
  )
