// The capability a Secrets Manager engine receives to run one rotation step: credentials and execution live in the server.
import type { BackendEvent } from './events.ts'
import type { KvRotationEvent, RotationEvent } from './rotation.ts'

/** The secret a rotation acts on, as the engine names it to the runner. */
export interface RotationTarget {
  /** Which engine's secret: a Secrets Manager secret (the default) or a KV v2 secret (secretName is its path). */
  kind?: RotationKind
  /** The mount path with its trailing slash (`secretsmanager/`). */
  mountPath: string
  /** The secret's name: its paths are `<mount>secrets/<name>`, `<mount>metadata/<name>`, `<mount>versions/<name>`. */
  secretName: string
  /** The registered function or built-in the secret's RotationLambdaARN names (see functionName). */
  functionName: string
  region: string
  accountId: string
  /** KV: the password policy the function may generate with (the rotation configuration's, never the secret's). */
  passwordPolicy?: string
  /**
   * Secrets Manager: the ids of the KMS keys the secret's versions are encrypted under (its KmsKeyId's and older
   * ones): the function may decrypt with them and seal new versions, as AWS's rotation role must.
   */
  kmsKeyIds?: string[]
}

export type RotationKind = 'secretsmanager' | 'kv'

/** One rotation attempt's execution context: the scoped credentials live from `open` until `close`. */
export interface RotationSession {
  /** Run one step; resolves when the function reported success, throws an Error with a safe message otherwise. */
  step(event: RotationEvent | KvRotationEvent, signal: AbortSignal): Promise<void>
  /** Revoke the attempt's credentials and temporary policy. Never throws. */
  close(): Promise<void>
}

export interface RotationRunner {
  /**
   * The function name a RotationLambdaARN designates when it is a registered function or a built-in
   * (`arn:aws:lambda:<region>:<account>:function:<name>`, or the bare name) for a secret of `kind` (default
   * secretsmanager: built-ins serve one kind, commands and webhooks both); undefined otherwise.
   */
  resolve(lambdaArn: string, kind?: RotationKind): string | undefined
  open(target: RotationTarget): Promise<RotationSession>
}

/** What an engine reports as a rotation goes (the server forwards these to its event bus). */
export type RotationNotice =
  | { kind: 'started'; mountPath: string; secretName: string; token: string }
  | { kind: 'succeeded'; mountPath: string; secretName: string; token: string }
  | {
      kind: 'failed'
      mountPath: string
      secretName: string
      token: string
      step: string
      message: string
      /** No retry is scheduled: the attempts ran out, or the rotation was cancelled. */
      final: boolean
    }

export type RotationListener = (notice: RotationNotice) => void

/**
 * A rotation notice as a change event, `<plugin>/rotation-started|succeeded|failed`, so subscribers and sinks learn of
 * rotations as they learn of writes. Metadata only: a failure names its step, never its message (which may quote
 * what the function printed).
 */
export function rotationEventOf(
  plugin: string,
  notice: RotationNotice,
  path: string,
  dataPath: string,
): BackendEvent {
  const metadata: Record<string, string> = {
    operation: `rotation-${notice.kind}`,
    name: notice.secretName,
    rotation_id: notice.token,
  }
  if (notice.kind === 'failed') {
    metadata['step'] = notice.step
    metadata['final'] = String(notice.final)
  }
  return { type: `${plugin}/rotation-${notice.kind}`, path, dataPath, metadata }
}
