// A throwaway self-signed certificate for 127.0.0.1, made with the openssl command, for HTTPS tests.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

/** Writes cert.pem and key.pem into `dir`; undefined when openssl is not installed. */
export function makeSelfSignedCert(dir: string): { key: string; cert: string } | undefined {
  const key = join(dir, 'key.pem')
  const cert = join(dir, 'cert.pem')
  try {
    execFileSync(
      'openssl',
      [
        ...[
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
        ],
        ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
      ],
      { stdio: 'ignore' },
    )
    return { key, cert }
  } catch {
    return undefined
  }
}
