// A registered command as a rotation function: the event on stdin and as the last argument, credentials in its environment.
import { spawn } from 'node:child_process'
import type { KvRotationEvent, RotationEvent } from '../../sdk/rotation.ts'
import type { CommandFunction } from '../config/rotation-function-config.ts'
import type { AwsSession } from './scoped-credentials.ts'

/** How much of the command's output the failure report keeps (its end: where the error usually is). */
const OUTPUT_TAIL = 2000

export interface FunctionEnvironment {
  /** The server's address: the AWS JSON protocol is served at its root, the Vault API under /v1/. */
  endpoint: string
  region: string
  /** A Secrets Manager secret's rotation: session credentials for the AWS API. */
  credentials?: AwsSession
  /** A KV secret's rotation: a short-lived Coffer token for the Vault API. */
  vaultToken?: string
}

/** The variables that hand the function its endpoint and credentials: AWS's for Secrets Manager, Vault's for KV. */
function credentialVariables(env: FunctionEnvironment): Record<string, string> {
  if (env.vaultToken !== undefined) return { VAULT_ADDR: env.endpoint, VAULT_TOKEN: env.vaultToken }
  const aws = env.credentials!
  return {
    SECRETS_MANAGER_ENDPOINT: env.endpoint,
    AWS_ENDPOINT_URL: env.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: env.endpoint,
    AWS_REGION: env.region,
    AWS_DEFAULT_REGION: env.region,
    AWS_ACCESS_KEY_ID: aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
    AWS_SESSION_TOKEN: aws.sessionToken,
    // No shared config or credentials file may override what the function is given.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  }
}

/**
 * Run the command once for one step; resolves on exit status 0. Its environment is PATH (so `python3` resolves),
 * the function's configured variables, the endpoint, region and the session credentials: nothing else of the
 * server's. A run past the timeout is killed; its output tail goes into the error, for the failure report only.
 */
export function runCommand(
  fn: CommandFunction,
  event: RotationEvent | KvRotationEvent,
  env: FunctionEnvironment,
  signal: AbortSignal,
): Promise<void> {
  const body = JSON.stringify(event)
  const [program, ...args] = fn.command
  return new Promise((resolve, reject) => {
    const child = spawn(program!, [...args, body], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so a timeout kills what it started too (a shell's children hold its output open).
      detached: true,
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        ...fn.env,
        ...credentialVariables(env),
      },
    })
    let output = ''
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    let why: string | undefined
    const kill = (reason: string) => {
      why ??= reason
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }
    const timer = setTimeout(() => kill(`timed out after ${fn.timeoutMs / 1000} s`), fn.timeoutMs)
    const onAbort = () => kill('stopped: the server is shutting down')
    signal.addEventListener('abort', onAbort, { once: true })
    child.stdin.on('error', () => {})
    child.stdin.end(body)
    child.once('error', (error) => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      reject(new Error(`could not start the rotation command: ${error.message}`))
    })
    child.once('close', (code, exitSignal) => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      if (code === 0 && why === undefined) return resolve()
      const status = why ?? (code !== null ? `exited with status ${code}` : `killed by ${exitSignal}`)
      const tail = output.trim()
      reject(
        new Error(
          tail ? `${event.Step}: the command ${status}: ${tail}` : `${event.Step}: the command ${status}`,
        ),
      )
    })
  })
}
