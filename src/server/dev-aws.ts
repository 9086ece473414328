// Dev mode's AWS face: Secrets Manager, Parameter Store and KMS mounted, an access-key auth method and a key pair for the root identity.
import { existsSync, readFileSync } from 'node:fs'
import { writePrivateFile } from '../lib/private-file.ts'
import { handleRequest, type RequestCore } from './core/handle-request.ts'

export interface DevAwsKeys {
  accessKeyId: string
  secretAccessKey: string
}

const POLICY = 'dev-aws'
const ROLE = 'dev'

/**
 * Through the pipeline with the root token, as an operator would: mount `secretsmanager/`, `ssm/`, `kms/` (transit) and `auth/aws-keys/`
 * when missing, a policy allowing every path (dev mode's root token can do anything too), a role holding it,
 * and a key pair: the one chosen (-dev-aws-access-key-id/-secret-access-key), the one kept in the dev folder's
 * keys file from an earlier start, or a fresh one (then kept there).
 */
export async function ensureDevAwsKeys(
  core: RequestCore,
  rootToken: string,
  chosen: Partial<DevAwsKeys>,
  keysFile: string | undefined,
): Promise<DevAwsKeys> {
  const call = async (operation: 'read' | 'update', path: string, data: Record<string, unknown> = {}) =>
    handleRequest(core, {
      id: crypto.randomUUID(),
      operation,
      path,
      data,
      token: rootToken,
      headers: {},
      contentType: 'application/json',
      remoteAddress: '127.0.0.1',
    })
  const mounts = core.services.mounts.entries
  if (!mounts.some((e) => e.table === 'secret' && e.type === 'secretsmanager'))
    await call('update', 'sys/mounts/secretsmanager', {
      type: 'secretsmanager',
      description: 'AWS Secrets Manager API',
    })
  if (!mounts.some((e) => e.table === 'secret' && e.type === 'ssm'))
    await call('update', 'sys/mounts/ssm', { type: 'ssm', description: 'AWS SSM Parameter Store API' })
  if (!mounts.some((e) => e.table === 'secret' && e.path === 'kms/'))
    await call('update', 'sys/mounts/kms', { type: 'transit', description: 'AWS KMS API (transit keys)' })
  if (!mounts.some((e) => e.table === 'auth' && e.path === 'auth/aws-keys/'))
    await call('update', 'sys/auth/aws-keys', {
      type: 'aws-keys',
      description: 'access keys for the AWS APIs',
    })
  await call('update', `sys/policies/acl/${POLICY}`, {
    policy: 'path "*" { capabilities = ["create", "read", "update", "delete", "list"] }',
  })
  await call('update', `auth/aws-keys/role/${ROLE}`, { token_policies: [POLICY] })

  if ((chosen.accessKeyId === undefined) !== (chosen.secretAccessKey === undefined))
    throw new Error('-dev-aws-access-key-id and -dev-aws-secret-access-key go together')
  const kept = readKept(keysFile)
  const wanted = chosen.accessKeyId ? (chosen as DevAwsKeys) : kept
  if (
    wanted &&
    (await call('read', `auth/aws-keys/access-key/${wanted.accessKeyId}`).catch(() => undefined))
  ) {
    return wanted
  }
  const issued = await call(
    'update',
    `auth/aws-keys/role/${ROLE}/access-key`,
    wanted ? { access_key_id: wanted.accessKeyId, secret_access_key: wanted.secretAccessKey } : {},
  )
  const keys = {
    accessKeyId: String(issued?.data?.['access_key_id']),
    secretAccessKey: String(issued?.data?.['secret_access_key']),
  }
  if (keysFile && existsSync(keysFile)) {
    const file = JSON.parse(readFileSync(keysFile, 'utf8')) as Record<string, unknown>
    writePrivateFile(
      keysFile,
      JSON.stringify({
        ...file,
        aws_access_key_id: keys.accessKeyId,
        aws_secret_access_key: keys.secretAccessKey,
      }),
    )
  }
  return keys
}

function readKept(keysFile: string | undefined): DevAwsKeys | undefined {
  if (!keysFile || !existsSync(keysFile)) return undefined
  const file = JSON.parse(readFileSync(keysFile, 'utf8')) as Record<string, unknown>
  const id = file['aws_access_key_id']
  const secret = file['aws_secret_access_key']
  return typeof id === 'string' && typeof secret === 'string'
    ? { accessKeyId: id, secretAccessKey: secret }
    : undefined
}
