// Signed AWS JSON calls (Secrets Manager, Parameter Store) as race-burst requests against a race server.
import assert from 'node:assert/strict'
import { signedJsonHeaders } from './aws-signers.ts'
import type { RaceReply, RaceRequest, RaceServer } from './race.ts'

export type AwsService = 'secretsmanager' | 'ssm'

export interface AwsCaller {
  /** The call signed once: the same bytes may be sent many times in one burst (replays are in the clock skew). */
  request(service: AwsService, action: string, input: Record<string, unknown>): Promise<RaceRequest>
  /** One call on its own socket, for setup and checks. */
  call(service: AwsService, action: string, input: Record<string, unknown>): Promise<RaceReply>
}

/**
 * Mounts what the AWS front door needs when `coffer server -dev` has not (it uses the first mount of each type) and
 * issues an access key allowed every path of both engines.
 */
export async function awsCaller(server: RaceServer): Promise<AwsCaller> {
  const ok = async (method: string, path: string, body: unknown) => {
    const reply = await server.call(method, path, { body })
    assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
    return reply
  }
  const mounts = (await server.call('GET', 'sys/mounts')).body.data
  if (!mounts['secretsmanager/']) await ok('POST', 'sys/mounts/secretsmanager', { type: 'secretsmanager' })
  if (!mounts['ssm/']) await ok('POST', 'sys/mounts/ssm', { type: 'ssm' })
  const auths = (await server.call('GET', 'sys/auth')).body.data
  if (!auths['aws-keys/']) await ok('POST', 'sys/auth/aws-keys', { type: 'aws-keys' })
  await ok('PUT', 'sys/policies/acl/race-aws', {
    policy: ['secretsmanager', 'ssm']
      .map((m) => `path "${m}/*" { capabilities = ["create", "read", "update", "delete", "list"] }`)
      .join('\n'),
  })
  await ok('POST', 'auth/aws-keys/role/race-aws', { token_policies: 'race-aws' })
  const issued = (await ok('POST', 'auth/aws-keys/role/race-aws/access-key', {})).body.data
  const request = async (service: AwsService, action: string, input: Record<string, unknown>) => {
    const body = JSON.stringify(input)
    const signed = await signedJsonHeaders({
      address: server.address,
      service,
      action,
      body,
      accessKeyId: issued.access_key_id,
      secretAccessKey: issued.secret_access_key,
    })
    // The burst writes Host itself (the signed one: the same address).
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(signed))
      if (name.toLowerCase() !== 'host') headers[name.toLowerCase()] = value
    return { method: 'POST', path: '/', token: '', headers, body }
  }
  return {
    request,
    call: async (service, action, input) => {
      const one = await request(service, action, input)
      return server.call(one.method, one.path, one)
    },
  }
}

/** The answers' statuses with their AWS error types (`400:ResourceExistsException`), for assertion messages. */
export function awsStatuses(replies: RaceReply[]): string {
  return replies.map((r) => `${r.status}${r.body?.__type ? `:${r.body.__type}` : ''}`).join(',')
}
