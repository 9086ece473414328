// The OIDC browser login: oidc/auth_url starts it (state, nonce, PKCE S256); oidc/callback exchanges the code and mints the token.
import { createHash, randomBytes } from 'node:crypto'
import { httpCall } from '../../../lib/http-json.ts'
import { InvalidRequestError, UpstreamError } from '../../../sdk/errors.ts'
import { definePath, type HandlerContext } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import type { LogicalResponse } from '../../../sdk/request.ts'
import { audiences, ClaimError } from './claims.ts'
import { keySourceKind } from './jwt-config.ts'
import { SignatureError } from './key-source.ts'
import { redirectAllowed } from './redirect-uri.ts'
import { loadRole } from './role.ts'
import type { JwtState } from './state.ts'
import { loginGrant, validateClaims } from './validate.ts'

const LOGIN_FAILED = 'Vault login failed.'

const authUrlFields = {
  role: f.string({ description: 'The OIDC role; the config’s default_role when absent.' }),
  redirect_uri: f.string({
    description: 'Where the provider sends the browser back; one of the role’s allowed_redirect_uris.',
  }),
  client_nonce: f.string({ description: 'A value the callback must repeat, binding it to this client.' }),
}

const callbackFields = {
  state: f.string({ description: 'The state from auth_url.' }),
  code: f.string({ description: 'The authorization code.', sensitive: true }),
  id_token: f.string({ description: 'The ID token (form_post / id_token response type).', sensitive: true }),
  client_nonce: f.string({ description: 'The client_nonce given to auth_url.' }),
  error: f.string({ description: 'An error reported by the provider.' }),
  error_description: f.string({ description: 'The provider’s description of the error.' }),
}

export const authUrlPath = definePath<typeof authUrlFields, JwtState>({
  pattern: 'oidc/auth_url',
  fields: authUrlFields,
  help: 'Start an OIDC login: returns the provider URL to send the browser to.',
  operations: {
    update: async ({ storage, state, input }) => {
      const { config, source } = await state.current(storage)
      if (!config || !source) throw new InvalidRequestError('could not load configuration')
      if (keySourceKind(config) !== 'oidc_discovery')
        throw new InvalidRequestError('OIDC login is not configured for this mount')
      const roleName = (input.role || config.defaultRole).toLowerCase()
      if (roleName === '') throw new InvalidRequestError('missing role')
      const redirectUri = input.redirect_uri ?? ''
      if (redirectUri === '') throw new InvalidRequestError('missing redirect_uri')
      const role = await loadRole(storage, roleName)
      if (!role) throw new InvalidRequestError(`role "${roleName}" could not be found`)
      if (role.roleType !== 'oidc') throw new InvalidRequestError(`invalid role type "${role.roleType}"`)
      if (!redirectAllowed(redirectUri, role.allowedRedirectUris))
        throw new InvalidRequestError(`unauthorized redirect_uri: ${redirectUri}`)
      const discovery = await source.discovery().catch((error: Error) => {
        throw new UpstreamError(`error getting provider discovery document: ${error.message}`)
      })
      const codeVerifier = randomBytes(32).toString('base64url')
      const nonce = `n_${randomBytes(20).toString('base64url')}`
      const id = state.oidc.add({
        role: roleName,
        redirectUri,
        nonce,
        codeVerifier,
        clientNonce: input.client_nonce ?? '',
      })
      if (discovery.authorization_endpoint === '')
        throw new InvalidRequestError('the OIDC provider has no authorization_endpoint')
      const url = new URL(discovery.authorization_endpoint)
      const scopes = ['openid', ...role.oidcScopes.filter((s) => s !== 'openid')]
      url.searchParams.set('client_id', config.oidcClientId)
      url.searchParams.set('redirect_uri', redirectUri)
      url.searchParams.set(
        'response_type',
        config.oidcResponseTypes.includes('id_token') ? 'id_token' : 'code',
      )
      url.searchParams.set('scope', scopes.join(' '))
      url.searchParams.set('state', id)
      url.searchParams.set('nonce', nonce)
      url.searchParams.set('code_challenge', createHash('sha256').update(codeVerifier).digest('base64url'))
      url.searchParams.set('code_challenge_method', 'S256')
      if (config.oidcResponseMode === 'form_post') url.searchParams.set('response_mode', 'form_post')
      if (role.maxAge > 0) url.searchParams.set('max_age', String(role.maxAge))
      return { data: { auth_url: url.toString() } }
    },
  },
})

async function callback(ctx: HandlerContext<typeof callbackFields, JwtState>): Promise<LogicalResponse> {
  const { storage, state, input, system } = ctx
  if (input.error)
    throw new InvalidRequestError(
      `${LOGIN_FAILED} Error from OIDC provider: ${input.error}: ${input.error_description ?? ''}`.trim(),
    )
  // Taken before anything is awaited: this callback alone owns the state and its nonce from here on.
  const pending = state.oidc.take(input.state ?? '')
  if (!pending) throw new InvalidRequestError('Expired or missing OAuth state.')
  if (pending.clientNonce !== '' && pending.clientNonce !== (input.client_nonce ?? ''))
    throw new InvalidRequestError('invalid client_nonce')
  const { config, source } = await state.current(storage)
  if (!config || !source || keySourceKind(config) !== 'oidc_discovery')
    throw new InvalidRequestError('could not load configuration')
  const role = await loadRole(storage, pending.role)
  if (!role) throw new InvalidRequestError(`role "${pending.role}" could not be found`)
  const discovery = await source.discovery()

  let idToken = input.id_token ?? ''
  if (idToken === '') {
    const code = input.code ?? ''
    if (code === '') throw new InvalidRequestError(`${LOGIN_FAILED} OAuth code parameter not provided`)
    idToken = await exchangeCode(
      discovery.token_endpoint,
      config,
      code,
      pending.redirectUri,
      pending.codeVerifier,
    )
  }
  try {
    const claims = await source.verify(idToken)
    validateClaims(claims, role, {
      issuers: [discovery.issuer],
      strictAudience: false,
      nowSeconds: Math.floor(system.now() / 1000),
    })
    // An ID token is for us only if our client id is among its audiences, and for this login only if it carries our nonce.
    if (!audiences(claims).includes(config.oidcClientId))
      throw new ClaimError(`error validating claims: expected audience "${config.oidcClientId}"`)
    if (claims['nonce'] !== pending.nonce) throw new ClaimError('Invalid ID token nonce.')
    return { auth: loginGrant(claims, role, pending.role) }
  } catch (error) {
    if (error instanceof SignatureError || error instanceof ClaimError)
      throw new InvalidRequestError(error.message)
    throw error
  }
}

/** The authorization-code grant with the PKCE verifier; the client authenticates with HTTP Basic (client_secret_basic). */
async function exchangeCode(
  tokenEndpoint: string,
  config: { oidcClientId: string; oidcClientSecret: string; oidcDiscoveryCaPem: string },
  code: string,
  redirectUri: string,
  codeVerifier: string,
): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: codeVerifier,
    client_id: config.oidcClientId,
  }).toString()
  const basic = Buffer.from(
    `${encodeURIComponent(config.oidcClientId)}:${encodeURIComponent(config.oidcClientSecret)}`,
  ).toString('base64')
  const reply = await httpCall({
    url: tokenEndpoint,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    body,
    ...(config.oidcDiscoveryCaPem ? { ca: config.oidcDiscoveryCaPem } : {}),
  }).catch((error: Error) => {
    throw new UpstreamError(`${LOGIN_FAILED} Error exchanging oidc code: ${error.message}`)
  })
  let parsed: Record<string, unknown> = {}
  try {
    parsed = JSON.parse(reply.text)
  } catch {}
  if (reply.status < 200 || reply.status > 299) {
    // The provider's error code and description say why (invalid_grant for a wrong verifier); never the body's tokens.
    const why = [parsed['error'], parsed['error_description']].filter((v) => typeof v === 'string').join(': ')
    throw new InvalidRequestError(
      `${LOGIN_FAILED} Error exchanging oidc code: ${why || `status ${reply.status}`}`,
    )
  }
  if (typeof parsed['id_token'] !== 'string' || parsed['id_token'] === '')
    throw new InvalidRequestError(`${LOGIN_FAILED} No id_token found in response.`)
  return parsed['id_token']
}

export const callbackPath = definePath<typeof callbackFields, JwtState>({
  pattern: 'oidc/callback',
  fields: callbackFields,
  help: 'Where the provider returns the browser: exchanges the code and logs in.',
  // GET with the query parameters; POST for the form_post response mode.
  operations: { read: callback, update: callback },
})
