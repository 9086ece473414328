// `coffer run -mask` throughput: the masker over 50 MiB of log lines with 10 secret values, against a plain copy of
// the same chunks (the floor any filter pays), in one run. Two inputs: lines without a value, and lines each
// holding one (every line masked).
//
//   node bench/mask-stream.ts
import { SecretMasker } from '../src/agent/run/mask-stream.ts'

const TOTAL = 50 * 1024 * 1024
const VALUES = Array.from({ length: 10 }, (_, i) => `s3cr3t-value-${i}-${'x'.repeat(20)}`)
const INPUTS = {
  'no value in the output':
    '2026-12-06T23:00:00Z INFO request handled path=/v1/secret/data/app status=200 took=1.2ms\n',
  'a value on every line': `connecting with password=${VALUES[3]} ok\n`,
}

function measure(chunk: Buffer, filter: (chunk: Buffer) => Buffer): number {
  const start = process.hrtime.bigint()
  for (let done = 0; done < TOTAL; done += chunk.length) filter(chunk)
  return Number(process.hrtime.bigint() - start) / 1e9
}

for (const [name, line] of Object.entries(INPUTS)) {
  const chunk = Buffer.from(line.repeat(Math.ceil(65_536 / line.length)))
  const copy = measure(chunk, (c) => Buffer.from(c))
  const masker = new SecretMasker(VALUES)
  const masked = measure(chunk, (c) => masker.push(c))
  const mib = TOTAL / 1048576
  console.log(
    `${name}: mask ${(mib / masked).toFixed(0)} MiB/s, copy ${(mib / copy).toFixed(0)} MiB/s, ` +
      `mask/copy time ${(masked / copy).toFixed(1)}x`,
  )
}
