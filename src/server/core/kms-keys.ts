// The KeyService core gives engines: KMS actions run on the KMS mount's backend, each checked against the caller's ACL.
import { randomUUID } from 'node:crypto'
import { AwsError } from '../../sdk/aws-error.ts'
import { KMS_TARGET_PREFIX, type KmsAction, kmsRoute, parseKeyRef } from '../../sdk/aws-kms-routes.ts'
import { AWS_REGION_HEADER, AWS_TARGET_HEADER } from '../../sdk/aws-secretsmanager-routes.ts'
import type { KeyCaller, KeyService, KmsKeyRef } from '../../sdk/key-service.ts'
import type { BackendRequest, Operation } from '../../sdk/request.ts'
import { aclOf } from './pipeline/request-acl.ts'
import type { Router } from './router.ts'

/** The transit mount the AWS front door answers KMS calls from: `kms/`, else the first transit mount. */
const KMS_MOUNT = 'kms/'
const TRANSIT_TYPE = 'transit'

/** AWS Secrets Manager's words when the caller may not use the key; the key and action are not disclosed. */
const ACCESS_DENIED = 'Access to KMS is not allowed'

/**
 * Each operation is the KMS action the AWS API would run (the transit engine's own code, so key state, usage and
 * the EncryptionContext are enforced there), authorised first as that action is for an AWS caller: the capability
 * sdk/aws-kms-routes.ts names on the key's path, from the ACL the caller's request was let in with. The caller's
 * request is audited; these inner calls are part of it and are not audited again.
 */
export function kmsKeyService(router: () => Router): KeyService {
  async function run(
    caller: KeyCaller,
    action: KmsAction,
    keyId: string,
    input: Record<string, unknown>,
    path?: { path: string; operation: Operation; target?: false },
    check = true,
  ): Promise<Record<string, unknown>> {
    const mount = kmsMount(router())
    const route = path ?? kmsRoute(action, keyId)
    if (check && caller !== 'server') {
      const acl = aclOf(caller)
      const allowed = acl?.authorize({
        path: mount.entry.path + route.path,
        operation: route.operation,
      }).allowed
      if (!allowed) throw new AwsError('AccessDeniedException', ACCESS_DENIED)
    }
    const request: BackendRequest = {
      id: caller === 'server' ? randomUUID() : caller.id,
      operation: route.operation,
      path: route.path,
      mountPath: mount.entry.path,
      data: input,
      headers: {
        ...(path?.target === false ? {} : { [AWS_TARGET_HEADER]: `${KMS_TARGET_PREFIX}${action}` }),
        // The key ARNs the engine answers with name the caller's region, as the AWS front door's calls do.
        ...(caller !== 'server' && caller.headers[AWS_REGION_HEADER]
          ? { [AWS_REGION_HEADER]: caller.headers[AWS_REGION_HEADER] }
          : {}),
      },
      contentType: 'application/json',
      remoteAddress: caller === 'server' ? '' : caller.remoteAddress,
      // The engine passed its own BackendRequest: who calls is that request's caller. An unchecked lookup (resolving
      // a KmsKeyId) runs as the server's own work, so the key's policy does not check it either: resolving is not using.
      caller: caller === 'server' || !check ? undefined : (caller as BackendRequest).caller,
    }
    const response = await mount.backend.handle(request)
    return response?.data ?? {}
  }

  async function aliasTarget(caller: KeyCaller, alias: string): Promise<string> {
    const path = { path: `kms/aliases/${alias}`, operation: 'read' as const, target: false as const }
    // An alias that does not exist reads as nothing.
    const out = await run(caller, 'DescribeKey', '', {}, path, false)
    const target = out['target_key_id']
    if (typeof target !== 'string')
      throw new AwsError('NotFoundException', `Alias alias/${alias} is not found.`)
    return target
  }

  const context = (ctx: Record<string, string>) => ({ EncryptionContext: ctx })

  return {
    async resolve(caller, kmsKeyId): Promise<KmsKeyRef> {
      const ref = parseKeyRef(kmsKeyId)
      const keyId = 'keyId' in ref ? ref.keyId : await aliasTarget(caller, ref.alias)
      // Resolving is not using: DescribeKey runs unchecked, so a caller learns only whether the key exists.
      const described = await run(caller, 'DescribeKey', keyId, { KeyId: keyId }, undefined, false)
      const meta = described['KeyMetadata'] as { Arn?: unknown } | undefined
      return { keyId, arn: typeof meta?.Arn === 'string' ? meta.Arn : keyId }
    },
    async generateDataKey(caller, keyId, ctx) {
      const out = await run(caller, 'GenerateDataKey', keyId, {
        KeyId: keyId,
        KeySpec: 'AES_256',
        ...context(ctx),
      })
      return {
        plaintext: Buffer.from(String(out['Plaintext']), 'base64'),
        blob: Buffer.from(String(out['CiphertextBlob']), 'base64'),
      }
    },
    async encrypt(caller, keyId, plaintext, ctx) {
      const out = await run(caller, 'Encrypt', keyId, {
        KeyId: keyId,
        Plaintext: plaintext.toString('base64'),
        ...context(ctx),
      })
      return Buffer.from(String(out['CiphertextBlob']), 'base64')
    },
    async decrypt(caller, keyId, blob, ctx) {
      const out = await run(caller, 'Decrypt', keyId, {
        KeyId: keyId,
        CiphertextBlob: blob.toString('base64'),
        ...context(ctx),
      })
      return Buffer.from(String(out['Plaintext']), 'base64')
    },
  }
}

function kmsMount(router: Router) {
  const transit = router.entries().filter((e) => e.table === 'secret' && e.type === TRANSIT_TYPE)
  const entry = transit.find((e) => e.path === KMS_MOUNT) ?? transit[0]
  const mount = entry ? router.get(entry.path) : undefined
  if (!mount)
    throw new AwsError('NotFoundException', 'KMS is not enabled on this server: mount a transit engine.')
  return mount
}
