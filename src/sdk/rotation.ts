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
