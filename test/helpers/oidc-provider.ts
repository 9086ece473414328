// A small local OpenID provider for tests: discovery, JWKS, an authorize endpoint that redirects with a code, and a PKCE-checking token endpoint.
import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'

type Alg = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA'

interface SigningKey {
  kid: string
  alg: Alg
  privateKey: CryptoKey
  jwk: JWK
}

interface IssuedCode {
  clientId: string
  redirectUri: string
  nonce: string
  challenge: string
  sub: string
}

export interface OidcProvider {
  issuer: string
  /** How many times the JWKS was fetched. */
  jwksFetches: number
  /** Token endpoint requests refused for a wrong or missing PKCE verifier. */
  pkceFailures: number
  /** Claims added to the next ID tokens the token endpoint issues (e.g. a wrong nonce). */
  idTokenOverrides: Record<string, unknown>
  keys: SigningKey[]
  addKey(alg: Alg, publish?: boolean): Promise<SigningKey>
  /** A signed JWT; `key` defaults to the first key, claims default to iss/iat/exp now. */
  sign(
    claims: Record<string, unknown>,
    opts?: { key?: SigningKey; kid?: string; noDefaults?: boolean },
  ): Promise<string>
  close(): Promise<void>
}

export async function startOidcProvider(
  opts: { clientId?: string; clientSecret?: string; tls?: { key: string; cert: string }; sub?: string } = {},
): Promise<OidcProvider> {
  const clientId = opts.clientId ?? 'coffer-client'
  const clientSecret = opts.clientSecret ?? 'client-secret-value'
  const codes = new Map<string, IssuedCode>()
  const published = new Set<string>()
  let kidCounter = 0
  const provider: OidcProvider = {
    issuer: '',
    jwksFetches: 0,
    pkceFailures: 0,
    idTokenOverrides: {},
    keys: [],
    async addKey(alg, publish = true) {
      const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {})
      kidCounter += 1
      const kid = `key-${kidCounter}-${alg}`
      const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
      const key = { kid, alg, privateKey: privateKey as CryptoKey, jwk }
      provider.keys.push(key)
      if (publish) published.add(kid)
      return key
    },
    async sign(claims, signOpts = {}) {
      const key = signOpts.key ?? provider.keys[0]!
      const now = Math.floor(Date.now() / 1000)
      const body = signOpts.noDefaults
        ? claims
        : { iss: provider.issuer, iat: now, exp: now + 300, ...claims }
      return new SignJWT(body)
        .setProtectedHeader({ alg: key.alg, kid: signOpts.kid ?? key.kid, typ: 'JWT' })
        .sign(key.privateKey)
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
  await provider.addKey('RS256')

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', provider.issuer)
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (url.pathname === '/.well-known/openid-configuration')
      return json(200, {
        issuer: provider.issuer,
        authorization_endpoint: `${provider.issuer}/authorize`,
        token_endpoint: `${provider.issuer}/token`,
        jwks_uri: `${provider.issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256', 'PS256', 'EdDSA'],
        code_challenge_methods_supported: ['S256'],
      })
    if (url.pathname === '/jwks') {
      provider.jwksFetches += 1
      return json(200, { keys: provider.keys.filter((k) => published.has(k.kid)).map((k) => k.jwk) })
    }
    if (url.pathname === '/authorize') {
      const q = url.searchParams
      if (
        q.get('client_id') !== clientId ||
        q.get('response_type') !== 'code' ||
        q.get('code_challenge_method') !== 'S256'
      )
        return json(400, { error: 'invalid_request' })
      const code = randomBytes(16).toString('hex')
      codes.set(code, {
        clientId,
        redirectUri: q.get('redirect_uri') ?? '',
        nonce: q.get('nonce') ?? '',
        challenge: q.get('code_challenge') ?? '',
        sub: opts.sub ?? 'alice',
      })
      const back = new URL(q.get('redirect_uri') ?? '')
      back.searchParams.set('code', code)
      back.searchParams.set('state', q.get('state') ?? '')
      res.writeHead(302, { location: back.toString() })
      return res.end()
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const form = new URLSearchParams(Buffer.concat(chunks).toString())
      const expectedAuth = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`
      if (req.headers.authorization !== expectedAuth) return json(401, { error: 'invalid_client' })
      const issued = codes.get(form.get('code') ?? '')
      codes.delete(form.get('code') ?? '')
      if (
        !issued ||
        form.get('grant_type') !== 'authorization_code' ||
        form.get('redirect_uri') !== issued.redirectUri
      )
        return json(400, { error: 'invalid_grant', error_description: 'unknown code' })
      const verifier = form.get('code_verifier') ?? ''
      if (createHash('sha256').update(verifier).digest('base64url') !== issued.challenge) {
        provider.pkceFailures += 1
        return json(400, { error: 'invalid_grant', error_description: 'PKCE verification failed' })
      }
      const idToken = await provider.sign({
        sub: issued.sub,
        aud: issued.clientId,
        nonce: issued.nonce,
        email: `${issued.sub}@example.com`,
        groups: ['admins', 'dev'],
        ...provider.idTokenOverrides,
      })
      return json(200, {
        access_token: 'at-not-used',
        token_type: 'Bearer',
        expires_in: 300,
        id_token: idToken,
      })
    }
    json(404, { error: 'not_found' })
  }
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handler(req, res).catch((error: Error) => {
      res.writeHead(500)
      res.end(error.message)
    })
  }
  const server = opts.tls
    ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, listener)
    : http.createServer(listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  provider.issuer = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`
  return provider
}
