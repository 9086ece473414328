// A backend's declared paths as OpenAPI path items, the way Vault's framework documents its paths.
import type { PathDefinition } from '../backend.ts'
import type { Fields } from '../fields.ts'
import { fieldSchema } from './field-schema.ts'
import type {
  OpenApiDocument,
  OpenApiOperation,
  OpenApiParameter,
  OpenApiPathItem,
  OpenApiSchema,
} from './openapi-document.ts'
import { openApiPath, operationId, specialPathMatch, titleCase } from './openapi-path.ts'

export interface DocumentOptions {
  /** Starts every operationId (Vault passes the mount's type; help passes nothing). */
  prefix: string
  /** "secrets", "auth", "system" … */
  tag: string
  specialPaths?: { unauthenticated?: string[]; root?: string[] }
}

const LIST_SCHEMA = 'StandardListResponse'

/** A declared path of any backend (their field types and state differ). */
// biome-ignore lint/suspicious/noExplicitAny: paths have heterogeneous field types
export type DeclaredPath = PathDefinition<any, any>

/** Add every path of a backend to `doc`; paths are relative to the mount ("/users/{username}"). */
export function documentPaths(paths: readonly DeclaredPath[], opts: DocumentOptions, doc: OpenApiDocument) {
  for (const def of paths) documentPath(def, opts, doc)
}

export function documentPath(def: DeclaredPath, opts: DocumentOptions, doc: OpenApiDocument): void {
  if (def.unpublished) return
  const { path, params } = openApiPath(def.pattern)
  const fields: Fields = def.fields ?? {}
  const ops = def.operations
  const description = synopsis(def)
  const parameters: OpenApiParameter[] = params.map((name) => ({
    name,
    description: fieldSchema(name, fields[name], true).description,
    in: 'path',
    schema: { type: 'string' },
    required: true,
  }))
  const bodyNames = Object.keys(fields)
    .filter((name) => !params.includes(name))
    .sort()
  // A path that takes no body reads its fields from the query string (Coffer passes query parameters as data).
  const writes = Boolean(ops.create || ops.update || ops.patch)
  const query: OpenApiParameter[] = writes
    ? []
    : bodyNames.map((name) => ({ name, in: 'query', schema: fieldSchema(name, fields[name]) }))

  const item: OpenApiPathItem = { description }
  if (parameters.length > 0) item.parameters = parameters
  const special = opts.specialPaths ?? {}
  markSpecial(item, path, special)
  // Vault's framework treats a path with either of create and update as serving both; the ACL tells them apart.
  if (ops.create || def.exists) item['x-vault-createSupported'] = true

  const operation = (verb: string, extra: Partial<OpenApiOperation> = {}): OpenApiOperation => ({
    summary: description,
    operationId: operationId(opts.prefix, verb, path),
    tags: [opts.tag],
    ...extra,
    responses: extra.responses ?? { '200': { description: 'OK' } },
  })

  if (ops.read) item.get = operation('read', query.length > 0 ? { parameters: query } : {})
  if (ops.update || ops.create) {
    const verb = ops.update ? 'write' : 'create'
    const op = operation(verb)
    const body = requestBody(bodyNames, fields, def.acceptAnyData === true)
    if (body) {
      const name = `${titleCase(op.operationId)}Request`
      doc.components.schemas[name] = body
      op.requestBody = { required: true, content: { 'application/json': { schema: ref(name) } } }
    } else if (def.acceptAnyData) {
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
      }
    }
    item.post = op
  }
  if (ops.patch) {
    const op = operation('patch')
    const body = requestBody(bodyNames, fields, def.acceptAnyData === true)
    // Coffer, like Vault, takes a PATCH only as a JSON merge patch.
    op.requestBody = {
      required: true,
      content: {
        'application/merge-patch+json': { schema: body ?? { type: 'object', additionalProperties: true } },
      },
    }
    item.patch = op
  }
  if (ops.delete) {
    item.delete = operation('delete', {
      ...(query.length > 0 ? { parameters: query } : {}),
      responses: { '204': { description: 'empty body' } },
    })
  }

  // Newer Vault documents a LIST apart from a read, on the path with a trailing slash and a required `list=true`.
  if (item.get || item.post || item.patch || item.delete) addPathItem(doc, `/${path}`, item)
  if (ops.list) {
    const listPath = path === '' ? '' : `${path}/`
    const listItem: OpenApiPathItem = { description }
    if (parameters.length > 0) listItem.parameters = parameters
    markSpecial(listItem, listPath, special)
    doc.components.schemas[LIST_SCHEMA] = {
      type: 'object',
      properties: { keys: { type: 'array', items: { type: 'string' } } },
    }
    listItem.get = operation('list', {
      parameters: [
        {
          name: 'list',
          description: 'Must be set to `true`',
          in: 'query',
          required: true,
          schema: { type: 'string', enum: ['true'] },
        },
        ...query,
      ],
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: ref(LIST_SCHEMA) } } },
      },
    })
    addPathItem(doc, `/${listPath}`, listItem)
  }
}

/** The path's one-line help, or one made from what it does when it declares none. */
export function synopsis(def: DeclaredPath): string {
  const own = def.help?.trim().replace(/\s+/g, ' ')
  if (own) return own
  const verbs = Object.keys(def.operations).sort()
  return `${verbs.map((verb) => verb.charAt(0).toUpperCase() + verb.slice(1)).join(', ')} ${openApiPath(def.pattern).path || 'the mount root'}.`
}

function markSpecial(
  item: OpenApiPathItem,
  path: string,
  special: { unauthenticated?: string[]; root?: string[] },
) {
  if (specialPathMatch(path, special.root ?? [])) item['x-vault-sudo'] = true
  if (specialPathMatch(path, special.unauthenticated ?? [])) item['x-vault-unauthenticated'] = true
}

function requestBody(names: string[], fields: Fields, anyData: boolean): OpenApiSchema | undefined {
  if (names.length === 0) return undefined
  const properties: Record<string, OpenApiSchema> = {}
  for (const name of names) properties[name] = fieldSchema(name, fields[name])
  const required = names.filter((name) => fields[name]?.required)
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(anyData ? { additionalProperties: true } : {}),
  }
}

function ref(name: string): OpenApiSchema {
  return { $ref: `#/components/schemas/${name}` }
}

/** Two declarations documenting one OpenAPI path (a rest-wildcard and a list) share it; the first keeps a method. */
function addPathItem(doc: OpenApiDocument, key: string, item: OpenApiPathItem): void {
  const existing = doc.paths[key]
  if (!existing) {
    doc.paths[key] = item
    return
  }
  for (const method of ['get', 'post', 'patch', 'delete'] as const) existing[method] ??= item[method]
  if (!existing.parameters && item.parameters) existing.parameters = item.parameters
}
