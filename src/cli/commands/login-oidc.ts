// `coffer login -method=oidc`: Vault's browser flow: auth_url, a local callback listener, then oidc/callback.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { SecretEnvelope } from '../../client/index.ts'
import { CliError, type CommandContext, remote } from '../context.ts'
import { UsageError } from '../flags.ts'

/** Vault's CLI waits this long for the browser to come back, then gives up. */
const WAIT_MS = 2 * 60 * 1000

function openBrowser(url: string): void {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true })
    child.on('error', () => {}) // no browser here: the URL is printed, the user can open it by hand
    child.unref()
  } catch {
    // as above
  }
}

function page(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${text}\n`)
}

/**
 * K=V options as Vault's: role, mount is -path, listenaddress (localhost), port (8250; 0 picks a free one),
 * callbackmethod/callbackhost/callbackport for the redirect URI, skip_browser.
 */
export async function loginWithOidc(
  ctx: CommandContext,
  mountPath: string,
  options: Record<string, unknown>,
): Promise<SecretEnvelope> {
  const opt = (name: string, fallback: string) => {
    const value = options[name]
    return typeof value === 'string' && value !== '' ? value : fallback
  }
  const port = Number(opt('port', '8250'))
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`invalid port ${opt('port', '')}`)
  const listenAddress = opt('listenaddress', 'localhost')
  const client = ctx.client()
  const clientNonce = randomBytes(20).toString('hex')

  let settle: { resolve: (e: SecretEnvelope) => void; reject: (e: unknown) => void } | undefined
  const done = new Promise<SecretEnvelope>((resolve, reject) => {
    settle = { resolve, reject }
  })
  // A callback may fail before auth_url has even answered; it is awaited below, not an unhandled rejection.
  done.catch(() => {})
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== '/oidc/callback') return page(res, 404, 'Not found')
    const query: Record<string, string> = { client_nonce: clientNonce }
    for (const name of ['state', 'code', 'id_token']) query[name] = url.searchParams.get(name) ?? ''
    remote('Error completing the OIDC login', () =>
      client.read(`auth/${mountPath}/oidc/callback`, query),
    ).then(
      (envelope) => {
        if (!envelope?.auth?.['client_token'])
          throw new CliError('Error completing the OIDC login: no token returned', 2)
        // Settle once the page is flushed: closing the listener must not cut the browser's answer short.
        res.once('finish', () => settle?.resolve(envelope))
        page(res, 200, 'Signed in. You may close this window and return to the terminal.')
      },
      (error: unknown) => {
        res.once('finish', () => settle?.reject(error))
        page(res, 400, 'The login failed; see the terminal.')
      },
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new CliError(`Error listening for the OIDC callback: ${error.message}`, 1)),
    )
    server.listen(port, listenAddress, resolve)
  })
  const timer = setTimeout(
    () => settle?.reject(new CliError('Timed out waiting for response from provider', 2)),
    WAIT_MS,
  )
  try {
    const actualPort = (server.address() as AddressInfo).port
    const callbackPort = opt('callbackport', String(actualPort))
    const redirectUri = `${opt('callbackmethod', 'http')}://${opt('callbackhost', 'localhost')}:${callbackPort}/oidc/callback`
    const started = await remote('Error starting the OIDC login', () =>
      client.write(`auth/${mountPath}/oidc/auth_url`, {
        role: opt('role', ''),
        redirect_uri: redirectUri,
        client_nonce: clientNonce,
      }),
    )
    const authUrl = started?.data?.['auth_url']
    if (typeof authUrl !== 'string' || authUrl === '')
      throw new CliError(
        `Unable to authorize role ${JSON.stringify(opt('role', ''))} with redirect_uri ${JSON.stringify(redirectUri)}. Check the server logs for more information.`,
        2,
      )
    const skipBrowser = ['true', '1', 't', 'yes'].includes(opt('skip_browser', 'false').toLowerCase())
    ctx.err(
      skipBrowser
        ? `Complete the login via your OIDC provider. Open the following link in your browser:\n\n    ${authUrl}\n\n`
        : `Complete the login via your OIDC provider. Launching browser to:\n\n    ${authUrl}\n\n`,
    )
    ctx.err('Waiting for OIDC authentication to complete...')
    if (!skipBrowser) openBrowser(authUrl)
    return await done
  } finally {
    clearTimeout(timer)
    server.closeAllConnections()
    server.close()
  }
}
