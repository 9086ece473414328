// Signed AWS calls with hostile bodies (deep nesting, wrong types) get a typed 4xx from each service, never a 500.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { startDevServer, type TestServer } from '../helpers/server.ts'

/** 20,000 levels of nested arrays: deeper than any recursive walk of it can go on Node's stack. */
const DEEP = `${'['.repeat(20_000)}${']'.repeat(20_000)}`

/** What this test uses of an SDK client, whichever service it is for. */
interface RawClient {
  middlewareStack: { add(middleware: unknown, options: unknown): void; remove(name: string): boolean }
  send(command: unknown): Promise<unknown>
}

interface BuildArgs {
  request: { body: string; headers: Record<string, string> }
}

/** Send `command` with its JSON body replaced by `body` before signing: the server sees exactly that, signed. */
async function sendRaw(sdkClient: SSMClient | SecretsManagerClient, command: unknown, body: string) {
  const client = sdkClient as unknown as RawClient
  const replace = (next: (args: BuildArgs) => Promise<unknown>) => async (args: BuildArgs) => {
    args.request.body = body
    args.request.headers['content-length'] = String(Buffer.byteLength(body))
    return next(args)
  }
  client.middlewareStack.add(replace, { step: 'build', name: 'hostileBody', override: true })
  try {
    await client.send(command)
    return undefined
  } catch (error) {
    return error as { name: string; $metadata: { httpStatusCode?: number } }
  } finally {
    client.middlewareStack.remove('hostileBody')
  }
}

describe('AWS calls with hostile bodies', () => {
  let t: TestServer
  let ssm: SSMClient
  let sm: SecretsManagerClient
  before(async () => {
    t = await startDevServer({ devAws: true, storage: 'inmem' })
    const keys = t.server.awsKeys!
    const options = {
      endpoint: t.address,
      region: 'eu-west-1',
      credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
      maxAttempts: 1,
    }
    ssm = new SSMClient(options)
    sm = new SecretsManagerClient(options)
  })
  after(async () => {
    ssm?.destroy()
    sm?.destroy()
    await t?.close()
  })

  it('Parameter Store: a deeply nested or non-string Name is a client error, not an internal one', async () => {
    for (const name of [DEEP, '{"a":[[[1]]]}', '5', 'null', 'true']) {
      const error = await sendRaw(ssm, new GetParameterCommand({ Name: '/x' }), `{"Name":${name}}`)
      assert.ok(error, `Name=${name.slice(0, 20)} was answered`)
      const status = error.$metadata.httpStatusCode ?? 0
      assert.ok(status >= 400 && status < 500, `Name=${name.slice(0, 20)}: ${error.name} ${status}`)
      assert.notEqual(error.name, 'InternalServerError')
    }
  })

  it('Secrets Manager: the same bodies are client errors too', async () => {
    for (const id of [DEEP, '{"a":[[[1]]]}', '5', 'null']) {
      const error = await sendRaw(sm, new GetSecretValueCommand({ SecretId: 'x' }), `{"SecretId":${id}}`)
      assert.ok(error)
      const status = error.$metadata.httpStatusCode ?? 0
      assert.ok(status >= 400 && status < 500, `SecretId=${id.slice(0, 20)}: ${error.name} ${status}`)
    }
  })
})
