// `?help=1` for a path of one mounted backend: Vault's bare {help, openapi, see_also} body, built from declarations.
import type { BackendInstance } from '../backend.ts'
import { documentPath, documentPaths } from './document-paths.ts'
import { pathHelp, rootHelp } from './help-text.ts'
import { newOpenApiDocument, type OpenApiDocument, sortDocument } from './openapi-document.ts'

export interface BackendHelpBody {
  help: string
  openapi: OpenApiDocument
  /** Vault answers null here; no Coffer path names related paths. */
  see_also: null
}

/** The tag Vault puts on a backend's operations when it documents one mount on its own. */
export function backendTag(backend: BackendInstance): string {
  return backend.definition.kind === 'auth' ? 'auth' : 'secrets'
}

/**
 * Help for `relativePath` on this backend, or undefined when no declared path serves it (Vault's "unsupported
 * path"). The mount root answers with the whole backend, as Vault's root help does. Paths in the document are
 * relative to the mount and operationIds carry no prefix, as in Vault's per-path help.
 */
export function backendHelp(
  backend: BackendInstance,
  requestPath: string,
  relativePath: string,
  version: string,
): BackendHelpBody | undefined {
  const doc = newOpenApiDocument(version)
  const opts = { prefix: '', tag: backendTag(backend), specialPaths: backend.definition.specialPaths }
  if (relativePath === '') {
    documentPaths(backend.pathDefinitions, opts, doc)
    return {
      help: rootHelp(backend.definition.help, backend.pathDefinitions),
      openapi: sortDocument(doc),
      see_also: null,
    }
  }
  const def = backend.declarationFor(relativePath)
  if (!def) return undefined
  documentPath(def, opts, doc)
  return { help: pathHelp(requestPath, def), openapi: sortDocument(doc), see_also: null }
}
