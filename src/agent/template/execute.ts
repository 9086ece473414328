// Run a parsed template against data, with Go's semantics for fields, variables, pipelines and missing keys.
import { FUNCTIONS, TemplateExecError, type TemplateHost } from './functions.ts'
import { formatValue, isMap, MISSING, truthy, typeName, type Value } from './go-values.ts'
import type { Arg, Node, Pipeline } from './parse.ts'

export interface ExecOptions {
  /** error_on_missing_key: a missing map key fails the render instead of printing "<no value>". */
  errorOnMissingKey: boolean
  host: TemplateHost
  /** Applied to what each action prints (not to the template's own text): escaping for the output's format. */
  escapeOutput?: ((text: string) => string) | undefined
}

const BREAK = Symbol('break')
const CONTINUE = Symbol('continue')
type Flow = typeof BREAK | typeof CONTINUE | undefined

class Scope {
  readonly #vars: { name: string; value: Value }[] = []
  get mark(): number {
    return this.#vars.length
  }
  pop(mark: number): void {
    this.#vars.length = mark
  }
  declare(name: string, value: Value): void {
    this.#vars.push({ name, value })
  }
  assign(name: string, value: Value, line: number): void {
    const found = this.#vars.findLast((v) => v.name === name)
    if (!found) throw new TemplateExecError(`line ${line}: undefined variable: ${name}`)
    found.value = value
  }
  get(name: string, line: number): Value {
    const found = this.#vars.findLast((v) => v.name === name)
    if (!found) throw new TemplateExecError(`line ${line}: undefined variable: ${name}`)
    return found.value
  }
}

class Executor {
  readonly #options: ExecOptions
  readonly #scope = new Scope()
  #out = ''
  constructor(root: Value, options: ExecOptions) {
    this.#options = options
    this.#scope.declare('$', root)
  }

  async run(nodes: Node[], dot: Value): Promise<string> {
    await this.#list(nodes, dot)
    return this.#out
  }

  async #list(nodes: Node[], dot: Value): Promise<Flow> {
    for (const node of nodes) {
      const flow = await this.#node(node, dot)
      if (flow) return flow
    }
    return undefined
  }

  async #node(node: Node, dot: Value): Promise<Flow> {
    switch (node.kind) {
      case 'text':
        this.#out += node.text
        return undefined
      case 'action': {
        const value = await this.#pipeline(node.pipeline, dot)
        // A declaration or assignment prints nothing.
        if (node.pipeline.vars.length === 0) {
          const text = formatValue(value)
          this.#out += this.#options.escapeOutput ? this.#options.escapeOutput(text) : text
        }
        return undefined
      }
      case 'break':
        return BREAK
      case 'continue':
        return CONTINUE
      case 'if':
      case 'with': {
        const mark = this.#scope.mark
        try {
          const value = await this.#pipeline(node.pipeline, dot)
          if (truthy(value)) return await this.#list(node.body, node.kind === 'with' ? value : dot)
          return await this.#list(node.otherwise, dot)
        } finally {
          this.#scope.pop(mark)
        }
      }
      case 'range':
        return this.#range(node, dot)
    }
  }

  async #range(node: Extract<Node, { kind: 'if' | 'with' | 'range' }>, dot: Value): Promise<Flow> {
    const mark = this.#scope.mark
    try {
      const value = await this.#pipeline({ ...node.pipeline, vars: [] }, dot)
      let entries: [Value, Value][]
      if (Array.isArray(value)) entries = value.map((item, i) => [i, item])
      else if (isMap(value))
        entries = Object.keys(value)
          .sort()
          .map((key) => [key, value[key]])
      else if (typeof value === 'number' && Number.isInteger(value))
        entries = Array.from({ length: Math.max(0, value) }, (_, i) => [i, i])
      else if (value === null || value === MISSING) entries = []
      else
        throw new TemplateExecError(
          `line ${node.pipeline.line}: range can't iterate over a value of type ${typeName(value)}`,
        )
      if (entries.length === 0) return await this.#list(node.otherwise, dot)
      const [first, second] = node.pipeline.vars
      for (const [key, item] of entries) {
        const inner = this.#scope.mark
        if (second !== undefined) {
          this.#scope.declare(first!, key)
          this.#scope.declare(second, item)
        } else if (first !== undefined) this.#scope.declare(first, item)
        const flow = await this.#list(node.body, item)
        this.#scope.pop(inner)
        if (flow === BREAK) break
      }
      return undefined
    } finally {
      this.#scope.pop(mark)
    }
  }

  async #pipeline(pipe: Pipeline, dot: Value): Promise<Value> {
    let value: Value = MISSING
    let piped = false
    for (const command of pipe.commands) {
      value = await this.#command(command, dot, piped ? { value } : undefined, pipe.line)
      piped = true
    }
    for (const name of pipe.vars) {
      if (pipe.assign) this.#scope.assign(name, value, pipe.line)
      else this.#scope.declare(name, value)
    }
    return value
  }

  async #command(args: Arg[], dot: Value, piped: { value: Value } | undefined, line: number): Promise<Value> {
    const [head, ...rest] = args as [Arg, ...Arg[]]
    if (head.kind === 'function') {
      const fn = FUNCTIONS[head.name]
      if (!fn) throw new TemplateExecError(`line ${line}: function "${head.name}" not defined`)
      if ((head.name === 'and' || head.name === 'or') && rest.length + (piped ? 1 : 0) === 0)
        throw new TemplateExecError(
          `line ${line}: wrong number of args for ${head.name}: want at least 1 got 0`,
        )
      const values: Value[] = []
      for (const arg of rest) {
        const value = await this.#arg(arg, dot, line)
        // and/or stop at the first argument that decides the result, as Go's do since 1.18:
        // `and .a .a.b` never evaluates .a.b when .a is empty.
        if ((head.name === 'and' && !truthy(value)) || (head.name === 'or' && truthy(value))) return value
        values.push(value)
      }
      if (piped) values.push(piped.value)
      try {
        return await fn(values, this.#options.host)
      } catch (error) {
        if (error instanceof TemplateExecError && !error.message.startsWith('line '))
          throw new TemplateExecError(`line ${line}: error calling ${head.name}: ${error.message}`)
        throw error
      }
    }
    if (rest.length > 0 || piped)
      throw new TemplateExecError(`line ${line}: can't give argument to non-function`)
    return this.#arg(head, dot, line)
  }

  async #arg(arg: Arg, dot: Value, line: number): Promise<Value> {
    switch (arg.kind) {
      case 'literal':
        return arg.value
      case 'dot':
        return dot
      case 'field':
        return this.#fields(dot, arg.names, line)
      case 'var':
        return this.#fields(this.#scope.get(arg.name, line), arg.names, line)
      case 'function': {
        const fn = FUNCTIONS[arg.name]
        if (!fn) throw new TemplateExecError(`line ${line}: function "${arg.name}" not defined`)
        return fn([], this.#options.host)
      }
      case 'paren':
        return this.#fields(await this.#pipeline(arg.pipeline, dot), arg.names, line)
    }
  }

  #fields(value: Value, names: string[], line: number): Value {
    let current = value
    for (const name of names) {
      if (current === MISSING || current === undefined) {
        if (this.#options.errorOnMissingKey)
          throw new TemplateExecError(`line ${line}: nil data; no entry for key "${name}"`)
        return MISSING
      }
      if (current === null)
        throw new TemplateExecError(`line ${line}: nil pointer evaluating interface {}.${name}`)
      if (!isMap(current))
        throw new TemplateExecError(
          `line ${line}: can't evaluate field ${name} in type ${Array.isArray(current) ? '[]interface {}' : typeof current}`,
        )
      if (Object.hasOwn(current, name)) current = current[name]
      else if (this.#options.errorOnMissingKey)
        throw new TemplateExecError(`line ${line}: map has no entry for key "${name}"`)
      else current = MISSING
    }
    return current
  }
}

export function executeTemplate(nodes: Node[], data: Value, options: ExecOptions): Promise<string> {
  return new Executor(data, options).run(nodes, data)
}
