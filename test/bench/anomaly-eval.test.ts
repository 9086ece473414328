// The anomaly evaluation on a smaller trace: every detection type meets its precision and recall targets.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { evaluate, TARGET } from '../../bench/anomaly-eval.ts'

it('precision and recall of each anomaly type on a labelled synthetic trace', async () => {
  const result = await evaluate({ seed: 3, humans: 24, services: 12, awsKeys: 4, perTypePerDay: 2 })
  for (const t of result.types) {
    assert.ok(t.labelled > 0, `${t.type} has labelled episodes`)
    assert.ok(t.precision >= TARGET.precision, `${t.type} precision ${t.precision.toFixed(3)}`)
    assert.ok(t.recall >= TARGET.recall, `${t.type} recall ${t.recall.toFixed(3)}`)
  }
})
