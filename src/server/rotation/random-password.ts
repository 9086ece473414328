// The built-in `coffer-random-password` rotation function: a new random password, no database, AWS's template steps.
import type { RotationEvent, RotationFunction, SecretsManagerApi } from '../../sdk/rotation.ts'

const CURRENT = 'AWSCURRENT'
const PENDING = 'AWSPENDING'

/** AWS's template checks before any step: rotation on, the token a version of the secret, labelled AWSPENDING. */
async function checkEvent(event: RotationEvent, sm: SecretsManagerApi): Promise<'done' | 'go'> {
  const metadata = await sm.describeSecret({ SecretId: event.SecretId })
  if (metadata['RotationEnabled'] !== true)
    throw new Error(`Secret ${event.SecretId} is not enabled for rotation.`)
  const versions = (metadata['VersionIdsToStages'] ?? {}) as Record<string, string[]>
  const stages = versions[event.ClientRequestToken]
  if (!stages) throw new Error(`Secret version ${event.ClientRequestToken} has no stage for rotation.`)
  if (stages.includes(CURRENT)) return 'done'
  if (!stages.includes(PENDING))
    throw new Error(`Secret version ${event.ClientRequestToken} is not set as AWSPENDING.`)
  return 'go'
}

/** The new value: a JSON secret gets a new `password` member, any other secret is the password itself. */
function withPassword(current: string, password: string): string {
  try {
    const parsed: unknown = JSON.parse(current)
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return JSON.stringify({ ...(parsed as Record<string, unknown>), password })
  } catch {}
  return password
}

async function hasVersion(sm: SecretsManagerApi, event: RotationEvent, stage: string): Promise<boolean> {
  try {
    await sm.getSecretValue({
      SecretId: event.SecretId,
      VersionId: event.ClientRequestToken,
      VersionStage: stage,
    })
    return true
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return false
    throw error
  }
}

export const randomPasswordRotator: RotationFunction = async (event, sm) => {
  if ((await checkEvent(event, sm)) === 'done') return
  switch (event.Step) {
    case 'createSecret': {
      const current = await sm.getSecretValue({ SecretId: event.SecretId, VersionStage: CURRENT })
      if (await hasVersion(sm, event, PENDING)) return
      const { RandomPassword } = await sm.getRandomPassword({ ExcludeCharacters: '/@"\'\\' })
      await sm.putSecretValue({
        SecretId: event.SecretId,
        ClientRequestToken: event.ClientRequestToken,
        SecretString: withPassword(String(current['SecretString'] ?? ''), RandomPassword),
        VersionStages: [PENDING],
      })
      return
    }
    case 'setSecret':
      // Nothing holds this password but the secret itself.
      return
    case 'testSecret':
      if (!(await hasVersion(sm, event, PENDING))) throw new Error('The pending version has no value.')
      return
    case 'finishSecret': {
      const metadata = await sm.describeSecret({ SecretId: event.SecretId })
      const versions = (metadata['VersionIdsToStages'] ?? {}) as Record<string, string[]>
      const current = Object.keys(versions).find((id) => versions[id]!.includes(CURRENT))
      if (current === event.ClientRequestToken) return
      await sm.updateSecretVersionStage({
        SecretId: event.SecretId,
        VersionStage: CURRENT,
        MoveToVersionId: event.ClientRequestToken,
        ...(current !== undefined ? { RemoveFromVersionId: current } : {}),
      })
      return
    }
  }
}
