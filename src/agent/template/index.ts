// The template language of `coffer agent`: a Go text/template subset with consul-template's functions.
export { type ExecOptions, executeTemplate } from './execute.ts'
export { FUNCTIONS, TemplateExecError, type TemplateHost } from './functions.ts'
export { TemplateSyntaxError } from './lex.ts'
export { parseTemplate } from './parse.ts'
