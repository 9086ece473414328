// crls/ (LIST) and crls/:name: CRLs whose revoked serials refuse a login anywhere on the client's chain, as in Vault.
import { InvalidRequestError } from '../../../sdk/errors.ts'
import { definePath } from '../../../sdk/framework/backend.ts'
import { f } from '../../../sdk/framework/fields.ts'
import { listResponse } from '../../../sdk/framework/list-response.ts'
import { normalizeCertName } from './cert-store.ts'
import { deleteCrl, listCrls, loadCrl, parseCrlSerials, saveCrl } from './crl.ts'
import type { CertState } from './state.ts'

export const crlsListPath = definePath<Record<string, never>, CertState>({
  pattern: 'crls/',
  listKeys: 'names',
  help: 'List the CRLs of this mount.',
  operations: {
    list: async ({ storage }) => listResponse(await listCrls(storage)),
  },
})

const fields = {
  name: f.string({ description: 'Name of the CRL.' }),
  crl: f.string({ description: 'The CRL, PEM or DER.' }),
}

export const crlPath = definePath<typeof fields, CertState>({
  pattern: 'crls/:name',
  fields,
  help: 'A certificate revocation list: a login whose chain holds one of its serial numbers is refused.',
  operations: {
    // As Vault: a CRL that is not there is a 400 naming it (read and delete alike), and one revoking nothing
    // reads without `serials`.
    read: async ({ storage, input }) => {
      const name = normalizeCertName(input.name)
      const entry = await loadCrl(storage, name)
      if (!entry) throw noSuchCrl(name)
      if (entry.serials.length === 0) return { data: {} }
      return { data: { serials: Object.fromEntries(entry.serials.map((serial) => [serial, {}])) } }
    },
    update: ({ storage, state, input }) => {
      const name = normalizeCertName(input.name)
      const crl = input.crl ?? ''
      // Vault also takes a `url` to fetch the CRL from, which Coffer does not: its words name both.
      if (crl === '') throw new InvalidRequestError("one of 'crl' or 'url' must be provided")
      let serials: string[]
      try {
        serials = parseCrlSerials(crl)
      } catch {
        throw new InvalidRequestError('failed to parse CRL')
      }
      return state.locks.run(`\0crl/${name}`, async () => {
        await saveCrl(storage, name, { serials })
        return undefined
      })
    },
    delete: ({ storage, state, input }) => {
      const name = normalizeCertName(input.name)
      return state.locks.run(`\0crl/${name}`, async () => {
        if (!(await loadCrl(storage, name))) throw noSuchCrl(name)
        await deleteCrl(storage, name)
        return undefined
      })
    },
  },
})

function noSuchCrl(name: string): InvalidRequestError {
  return new InvalidRequestError(`no such CRL ${name}`)
}
