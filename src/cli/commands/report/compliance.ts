// `coffer report compliance`: fetch sys/reports/compliance and print it as JSON or write a self-contained HTML page.
import { writeFile } from 'node:fs/promises'
import { renderComplianceHtml } from '../../compliance-report/html.ts'
import { CliError, type CommandSpec, remote } from '../../context.ts'
import { UsageError } from '../../flags.ts'

export const reportComplianceCommand: CommandSpec = {
  path: ['report', 'compliance'],
  usage: '[options]',
  summary: 'Produce the compliance report (JSON or self-contained HTML)',
  help:
    'Reads sys/reports/compliance: the secrets inventory (no values), rotation compliance against each secret’s ' +
    'policy or the maximum age, dynamic credentials, access reviews, anomalies, leak incidents and root-token use, ' +
    'each mapped to the PCI DSS, SOC 2, HIPAA and GDPR controls it gives evidence for. -format=html draws the ' +
    'charts into one HTML file that needs nothing else to open.',
  flags: [
    { name: 'format', kind: 'string', placeholder: 'json|html', usage: 'Output format (default json)' },
    {
      name: 'output',
      kind: 'string',
      placeholder: 'FILE',
      usage: 'Write the report to FILE instead of stdout',
    },
    {
      name: 'since',
      kind: 'string',
      placeholder: 'DURATION',
      usage: 'The report window, ending now (default 30d)',
    },
    {
      name: 'max-age',
      kind: 'string',
      placeholder: 'DURATION',
      usage: 'How long a secret without a rotation policy may go unchanged (default 90d)',
    },
  ],
  maxArgs: 0,
  async run(ctx) {
    const format = ctx.flags.string('format') ?? 'json'
    if (format !== 'json' && format !== 'html')
      throw new UsageError(`unknown -format "${format}": use json or html`)
    const query: Record<string, string> = {}
    const since = ctx.flags.string('since')
    const maxAge = ctx.flags.string('max-age')
    if (since !== undefined) query['since'] = since
    if (maxAge !== undefined) query['max_age'] = maxAge
    const envelope = await remote('Error reading the compliance report', () =>
      ctx.client().read('sys/reports/compliance', query),
    )
    const report = envelope?.data
    if (!report) throw new CliError('Error reading the compliance report: the server returned no report', 2)
    const text = format === 'html' ? renderComplianceHtml(report) : `${JSON.stringify(report, null, 2)}\n`
    const output = ctx.flags.string('output')
    if (output === undefined) ctx.stdout.write(text)
    else {
      try {
        await writeFile(output, text, { mode: 0o600 })
      } catch (error) {
        throw new CliError(`Error writing ${output}: ${(error as NodeJS.ErrnoException).code ?? 'failed'}`, 1)
      }
      ctx.err(`Wrote the compliance report to ${output}`)
    }
    return 0
  },
}
