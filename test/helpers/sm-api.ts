// The rotators' SecretsManagerApi over the unmodified AWS SDK for JavaScript, against a real Coffer dev server; and a whole rotation.
import { randomUUID } from 'node:crypto'
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'
import type { RotationFunction, RotationStep, SecretsManagerApi } from '../../src/sdk/rotation.ts'
import { startDevServer, type TestServer } from './server.ts'

/** The SDK's commands behind the contract; errors keep the SDK's classes and AWS error names. */
export function smApiOver(client: SecretsManagerClient): SecretsManagerApi {
  return {
    describeSecret: async (input) => ({ ...(await client.send(new DescribeSecretCommand(input))) }),
    getSecretValue: async (input) => ({ ...(await client.send(new GetSecretValueCommand(input))) }),
    putSecretValue: async (input) => ({ ...(await client.send(new PutSecretValueCommand(input))) }),
    updateSecretVersionStage: async (input) => ({
      ...(await client.send(new UpdateSecretVersionStageCommand(input))),
    }),
    getRandomPassword: async (input) => {
      const out = await client.send(new GetRandomPasswordCommand(input))
      return { RandomPassword: out.RandomPassword ?? '' }
    },
  }
}

export interface SmHarness {
  t: TestServer
  client: SecretsManagerClient
  sm: SecretsManagerApi
  /** CreateSecret with `value` as JSON; resolves the secret's ARN. */
  createSecret(name: string, value: Record<string, unknown>): Promise<string>
  /** AWSCURRENT's (or `stage`'s) value, parsed. */
  value(secretId: string, stage?: string): Promise<Record<string, unknown>>
  /** VersionIdsToStages. */
  stages(secretId: string): Promise<Record<string, string[]>>
  close(): Promise<void>
}

/** A dev server with its AWS face (Secrets Manager at the root path) and an SDK client holding the dev key pair. */
export async function startSmHarness(): Promise<SmHarness> {
  const t = await startDevServer({ devAws: true })
  const keys = t.server.awsKeys!
  const client = new SecretsManagerClient({
    endpoint: t.address,
    region: 'eu-west-1',
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
    maxAttempts: 1,
  })
  const sm = smApiOver(client)
  return {
    t,
    client,
    sm,
    createSecret: async (name, value) => {
      const out = await client.send(
        new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }),
      )
      return out.ARN!
    },
    value: async (secretId, stage = 'AWSCURRENT') =>
      JSON.parse(
        String((await sm.getSecretValue({ SecretId: secretId, VersionStage: stage }))['SecretString']),
      ),
    stages: async (secretId) =>
      (await sm.describeSecret({ SecretId: secretId }))['VersionIdsToStages'] as Record<string, string[]>,
    close: async () => {
      client.destroy()
      await t.close()
    },
  }
}

export const STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret']

/** One step, as the runner invokes it. */
export function step(
  fn: RotationFunction,
  sm: SecretsManagerApi,
  secretId: string,
  token: string,
  Step: RotationStep,
): Promise<void> {
  return fn({ Step, SecretId: secretId, ClientRequestToken: token }, sm)
}

/**
 * A whole rotation: the four steps in order with one token, `between` awaited after each step. Resolves the token,
 * which is the new AWSCURRENT version.
 */
export async function rotate(
  fn: RotationFunction,
  sm: SecretsManagerApi,
  secretId: string,
  options: { token?: string; between?: () => Promise<void> } = {},
): Promise<string> {
  const token = options.token ?? randomUUID()
  for (const name of STEPS) {
    await step(fn, sm, secretId, token, name)
    await options.between?.()
  }
  return token
}

/** The version holding `stage`, from VersionIdsToStages. */
export function holder(stages: Record<string, string[]>, stage: string): string | undefined {
  return Object.keys(stages).find((id) => stages[id]!.includes(stage))
}
