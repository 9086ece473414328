// The rotation function contract: AWS's four-step event and the Secrets Manager calls a rotation function makes.
export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret'
export interface RotationEvent {
  Step: RotationStep
  SecretId: string
  ClientRequestToken: string
  RotationToken?: string
}
/** The Secrets Manager calls a rotation function makes, with AWS's request and response shapes (PascalCase). */
export interface SecretsManagerApi {
  describeSecret(input: { SecretId: string }): Promise<Record<string, unknown>>
  getSecretValue(input: {
    SecretId: string
    VersionId?: string
    VersionStage?: string
  }): Promise<Record<string, unknown>>
  putSecretValue(input: {
    SecretId: string
    ClientRequestToken?: string
    SecretString?: string
    VersionStages?: string[]
  }): Promise<Record<string, unknown>>
  updateSecretVersionStage(input: {
    SecretId: string
    VersionStage: string
    MoveToVersionId?: string
    RemoveFromVersionId?: string
  }): Promise<Record<string, unknown>>
  getRandomPassword(input: Record<string, unknown>): Promise<{ RandomPassword: string }>
}
export type RotationFunction = (event: RotationEvent, sm: SecretsManagerApi) => Promise<void>

/**
 * A KV v2 secret's rotation: one step. The function writes the secret's next version (with `cas` = `Version`, so a
 * retry of an attempt that already wrote finds a newer version and stops); the rotation succeeded when the function
 * returned and the secret's current version is newer than `Version`.
 */
export interface KvRotationEvent {
  Step: 'rotateSecret'
  /** The KV mount's path with its trailing slash (`kv/`). */
  Mount: string
  /** The secret's path inside the mount: it is read and written at `<Mount>data/<Path>`. */
  Path: string
  /** The current version when the rotation started. */
  Version: number
  /** The rotation's ID, the same for every retry of it. */
  ClientRequestToken: string
  /** The field to put a new password in (the rotation configuration's `field`, default `password`). */
  Field: string
  /** The password policy to generate it with (`sys/policies/password/<name>/generate`), when one was named. */
  PasswordPolicy?: string
}
/** The calls a built-in KV rotation function makes, through the request pipeline with the attempt's token. */
export interface KvApi {
  /** The current version's data and number; undefined when the secret has no readable current version. */
  read(): Promise<{ data: Record<string, unknown>; version: number } | undefined>
  /** Write the next version with check-and-set `cas`; resolves to the new version's number. */
  write(data: Record<string, unknown>, cas: number): Promise<number>
  /** A new password: from the named password policy, else 32 random URL-safe characters. */
  generatePassword(policy?: string): Promise<string>
}
export type KvRotationFunction = (event: KvRotationEvent, kv: KvApi) => Promise<void>
