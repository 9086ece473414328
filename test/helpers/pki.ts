// Throwaway certificate authorities and client certificates made with the openssl command, for TLS client-auth tests.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Issued {
  name: string
  certFile: string
  keyFile: string
  pem: string
}

export interface LeafOptions {
  cn: string
  dns?: string[]
  emails?: string[]
  uris?: string[]
  ou?: string
  /** Extended key usage; clientAuth unless given. */
  eku?: string
  /** Extra extension lines for the request, as openssl -addext takes them (e.g. "1.2.3.4=ASN1:UTF8String:x"). */
  extensions?: string[]
  /** Sign with a validity window in the past (the certificate is expired). */
  expired?: boolean
  /** Sign with a validity window in the future (the certificate is not yet valid). */
  notYetValid?: boolean
  /** Make a CA (an intermediate) instead of a client certificate. */
  ca?: boolean
  /** With `ca`: the basic constraints' pathlen (how many intermediates may follow it). */
  pathLen?: number
}

const CA_CONFIG = `[ca]
default_ca = ca_default
[ca_default]
database = DIR/index.txt
new_certs_dir = DIR/issued
default_md = sha256
policy = policy_any
unique_subject = no
rand_serial = yes
copy_extensions = copy
x509_extensions = ext
[policy_any]
commonName = supplied
organizationalUnitName = optional
[ext]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`

/** Whether the openssl command is installed. */
export function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** A PKI rooted in `dir`: self-signed CAs, and certificates they (or intermediates) sign through `openssl ca`. */
export class TestPki {
  readonly #dir: string
  constructor(dir: string) {
    this.#dir = dir
    mkdirSync(join(dir, 'issued'), { recursive: true })
    writeFileSync(join(dir, 'index.txt'), '')
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG.replaceAll('DIR', dir))
  }

  /** A self-signed root CA. */
  root(name: string): Issued {
    const { certFile, keyFile } = this.#paths(name)
    openssl([
      'req',
      '-x509',
      ...EC_KEY,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ])
    return this.#issued(name)
  }

  /** A certificate for `opts.cn` signed by `issuer`. */
  issue(name: string, issuer: Issued, opts: LeafOptions): Issued {
    const { certFile, keyFile } = this.#paths(name)
    const csr = join(this.#dir, `${name}.csr`)
    const sans = [
      ...(opts.dns ?? []).map((d) => `DNS:${d}`),
      ...(opts.emails ?? []).map((e) => `email:${e}`),
      ...(opts.uris ?? []).map((u) => `URI:${u}`),
    ]
    const addext = opts.ca
      ? [
          `basicConstraints=critical,CA:TRUE${opts.pathLen === undefined ? '' : `,pathlen:${opts.pathLen}`}`,
          'keyUsage=critical,keyCertSign,cRLSign',
        ]
      : [
          `extendedKeyUsage=${opts.eku ?? 'clientAuth'}`,
          ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
        ]
    const subject = `${opts.ou ? `/OU=${opts.ou}` : ''}/CN=${opts.cn}`
    openssl([
      'req',
      ...EC_KEY,
      '-subj',
      subject,
      ...[...addext, ...(opts.extensions ?? [])].flatMap((e) => ['-addext', e]),
      '-keyout',
      keyFile,
      '-out',
      csr,
    ])
    const validity = opts.expired
      ? ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']
      : opts.notYetValid
        ? ['-startdate', '20991231000000Z', '-enddate', '21000101000000Z']
        : ['-days', '2']
    openssl([
      'ca',
      '-batch',
      '-notext',
      '-config',
      join(this.#dir, 'ca.cnf'),
      '-cert',
      issuer.certFile,
      '-keyfile',
      issuer.keyFile,
      '-in',
      csr,
      '-out',
      certFile,
      ...validity,
    ])
    return this.#issued(name)
  }

  /** A file holding the leaf followed by its intermediates, as a client presents them. */
  chainFile(name: string, certs: Issued[]): string {
    const file = join(this.#dir, `${name}-chain.pem`)
    writeFileSync(file, certs.map((c) => c.pem).join(''))
    return file
  }

  #paths(name: string) {
    return { certFile: join(this.#dir, `${name}.pem`), keyFile: join(this.#dir, `${name}.key`) }
  }

  #issued(name: string): Issued {
    const { certFile, keyFile } = this.#paths(name)
    return { name, certFile, keyFile, pem: readFileSync(certFile, 'utf8') }
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}
