// Enforcing a KMS key's policy on each KMS action on the key, after Coffer's ACL (the IAM side) allowed the request.

import { iamWildcardMatch } from '../../../../lib/iam-wildcard.ts'
import { AwsError } from '../../../../sdk/aws-error.ts'
import type { KmsAction } from '../../../../sdk/aws-kms-routes.ts'
import { evaluatePolicy, type PolicyCaller, type Statement } from '../../../../sdk/iam-policy.ts'
import type { BackendRequest } from '../../../../sdk/request.ts'
import type { KmsContext } from './context.ts'
import { defaultPolicy, parseKeyPolicy } from './key-policy.ts'
import type { KmsKeyMeta } from './metadata.ts'

/**
 * Parsed documents by their text: a policy changes by being replaced, so a text maps to one parse forever and no
 * entry needs invalidating (each call still reads the key's current text from storage). Bounded, oldest out first.
 */
const parsed = new Map<string, Statement[]>()
const MAX_PARSED = 256

function statementsOf(text: string): Statement[] {
  const hit = parsed.get(text)
  if (hit !== undefined) return hit
  const statements = parseKeyPolicy(text)
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!)
  parsed.set(text, statements)
  return statements
}

/**
 * Who calls, as the key policy sees it; undefined for the server's own work (no caller: the KeyService's redaction
 * of a failure report), which no key policy governs. An aws-keys login is its ARN and account. Any other Coffer
 * token is taken as an identity of the key's account with no ARN of its own: statements naming the account (its
 * root or its ID) or every principal apply to it, those naming a particular ARN never do.
 */
export function keyPolicyCaller(request: BackendRequest, keyAccount: string): PolicyCaller | undefined {
  if (request.caller === undefined) return undefined
  const meta = request.caller.metadata
  const arn = meta['arn']
  if (!arn) return { account: keyAccount }
  const account = meta['account_id'] || /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1]
  return account ? { arn, account } : { arn }
}

/** kms:EncryptionContext:<key> (its key part case-insensitive, as condition key names are) and kms:EncryptionContextKeys. */
function contextKeys(input: Record<string, unknown>): Record<string, string | string[]> {
  const out: Record<string, string[]> = {}
  const raw = input['EncryptionContext']
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return out
  const pairs = Object.entries(raw as Record<string, unknown>).filter(
    (e): e is [string, string] => typeof e[1] === 'string',
  )
  if (pairs.length === 0) return out
  out['kms:encryptioncontextkeys'] = pairs.map(([k]) => k)
  for (const [k, v] of pairs) {
    const key = `kms:encryptioncontext:${k.toLowerCase()}`
    out[key] = [...(out[key] ?? []), v]
  }
  return out
}

/**
 * A statement's Resource against this key: a key is served in whichever region the caller's signature names, so
 * the pattern's own region is taken as the key's, and a Deny on the key's ARN holds in every region.
 */
function keyResource(keyId: string, account: string): (pattern: string) => boolean {
  return (pattern) => {
    const parts = pattern.split(':')
    if (parts.length < 6) return false
    const region = parts[3]!
    return iamWildcardMatch(pattern, `arn:${parts[1]}:kms:${region}:${account}:key/${keyId}`)
  }
}

export interface KeyPolicyRequest {
  /** The IAM action name: the KMS action, or ReEncryptFrom / ReEncryptTo for a half of ReEncrypt. */
  action: string
  keyId: string
  keyArn: string
  /** The key's account: the transit mount's account_id. */
  account: string
  caller: PolicyCaller
  displayName: string
  input: Record<string, unknown>
  /** kms:RequestAlias: the alias (`alias/<name>`) the request named the key by, when it did (dispatch.ts). */
  requestAlias?: string
}

function userOf(req: KeyPolicyRequest): string {
  return req.caller.arn ?? `${req.displayName || 'a Coffer token'} (no AWS identity)`
}

function policyAnswer(text: string | undefined, req: KeyPolicyRequest): 'deny' | 'allow' | 'none' {
  return evaluatePolicy(statementsOf(text ?? defaultPolicy(req.account)), {
    action: `kms:${req.action}`,
    resource: keyResource(req.keyId, req.account),
    caller: req.caller,
    context: {
      ...contextKeys(req.input),
      ...(req.caller.account !== undefined ? { 'kms:calleraccount': req.caller.account } : {}),
      ...(req.requestAlias !== undefined ? { 'kms:requestalias': req.requestAlias } : {}),
    },
  })
}

/**
 * AccessDeniedException unless the key policy allows the request: an explicit Deny refuses it, and without an
 * Allow for the caller (by its ARN, or by its account, which delegates to Coffer's ACL) it is refused too.
 */
export function checkKeyPolicy(text: string | undefined, req: KeyPolicyRequest): void {
  let answer: 'deny' | 'allow' | 'none'
  try {
    answer = policyAnswer(text, req)
  } catch (error) {
    // A document stored before key policies were enforced may not parse: it refuses every use of the key but
    // GetKeyPolicy and PutKeyPolicy, which stay governed by Coffer's ACL alone so the document can be replaced.
    if (req.action === 'GetKeyPolicy' || req.action === 'PutKeyPolicy') return
    const why = error instanceof AwsError ? error.message : 'it cannot be parsed'
    throw new AwsError(
      'AccessDeniedException',
      `The key policy of ${req.keyArn} cannot be evaluated (${why}); replace it with PutKeyPolicy.`,
    )
  }
  const prefix = `User: ${userOf(req)} is not authorized to perform: kms:${req.action} on resource: ${req.keyArn}`
  if (answer === 'deny')
    throw new AwsError('AccessDeniedException', `${prefix} with an explicit deny in a resource-based policy`)
  if (answer === 'none')
    throw new AwsError(
      'AccessDeniedException',
      `${prefix} because no resource-based policy allows the kms:${req.action} action`,
    )
}

/**
 * PutKeyPolicy's (and CreateKey's) lockout safety check: the new document must let the caller call PutKeyPolicy
 * on the key later, unless the caller bypasses the check. The document has parsed already.
 */
export function checkLockout(text: string, req: Omit<KeyPolicyRequest, 'action' | 'input'>): void {
  if (policyAnswer(text, { ...req, action: 'PutKeyPolicy', input: {} }) !== 'allow')
    throw new AwsError(
      'MalformedPolicyDocumentException',
      'The new key policy will not allow you to update the key policy in the future.',
    )
}

/** The IAM action a KMS action is checked as; the two halves of ReEncrypt arrive as Decrypt and Encrypt, marked. */
export function policyActionOf(action: KmsAction, reEncryptPart: string | undefined): string {
  if (reEncryptPart === 'from' && action === 'Decrypt') return 'ReEncryptFrom'
  if (reEncryptPart === 'to' && action === 'Encrypt') return 'ReEncryptTo'
  return action
}

/**
 * The key policy check of the request's caller for `action` on `keyId`, to run on the key's metadata as read when it
 * is checked; undefined for the server's own work (no caller), which no key policy governs.
 */
export function keyPolicyCheck(
  ctx: KmsContext,
  action: string,
  keyId: string,
  input: Record<string, unknown>,
  requestAlias?: string,
): ((meta: KmsKeyMeta) => void) | undefined {
  const caller = keyPolicyCaller(ctx.request, ctx.account)
  if (caller === undefined) return undefined
  const request: KeyPolicyRequest = {
    action,
    keyId,
    keyArn: ctx.arn(keyId),
    account: ctx.account,
    caller,
    displayName: ctx.request.caller?.displayName ?? '',
    input,
    ...(requestAlias !== undefined ? { requestAlias } : {}),
  }
  return (meta) => checkKeyPolicy(meta.policy, request)
}

/** The lockout safety check for the request's caller; the server's own work (no caller) has none to lock out. */
export function lockoutCheck(ctx: KmsContext, keyId: string, policy: string): void {
  const caller = keyPolicyCaller(ctx.request, ctx.account)
  if (caller === undefined) return
  checkLockout(policy, {
    keyId,
    keyArn: ctx.arn(keyId),
    account: ctx.account,
    caller,
    displayName: ctx.request.caller?.displayName ?? '',
  })
}
