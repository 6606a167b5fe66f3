// Keeps `npm run bench` working: a one-second run of every scenario, checked for the shape of its results
// only. Timing is never asserted; CI machines differ. Not part of `npm test` (it takes about 40 s):
// `npm run test:bench` runs it, and CI runs it after the main suite.
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { BenchResults } from '../../tools/bench/types.js'

const run = promisify(execFile)

// Eight server processes start and stop in this one test: allow for a slow, busy machine.
t.setTimeout(180_000)

t.test('a short bench run produces a table and complete JSON results', async t => {
  const dir = t.testdir()
  const out = join(dir, 'results.json')
  // Through the npm script, which compiles the tools first, as a developer runs it.
  const { stdout } = await run('npm', [
    'run', '--silent', 'bench', '--',
    '--duration', '1', '--warmup', '0', '--rounds', '1', '--connections', '4', '--pool', '50',
    '--burst', '20', '--conversations', '300', '--events', '2', '--out', out
  ], { timeout: 170_000, maxBuffer: 1 << 20 })
  t.match(stdout, /\| scenario\s+\|\s+req\/s \|\s+p50 ms \|\s+p99 ms \|\s+errors \|/)
  t.match(stdout, /\| scenario\s+\|.*\| vs node:http \| vs Fastify \|/)
  t.match(stdout, /targets:/)
  // The three ratios to bare Fastify, each with its verdict; whether they hold depends on the machine.
  t.match(stdout, /^ {2}(ok {2}|miss) continue req\/s ÷ bare Fastify req\/s: \d+(\.\d+)?× \(\d+ \/ \d+\) \(target ≥ 0\.6×\)$/m)
  t.match(stdout, /^ {2}(ok {2}|miss) handoff CPU\/req ÷ continue CPU\/req: \d+(\.\d+)?× .*\(target ≤ 4×\)$/m)
  t.match(stdout, /^ {2}(ok {2}|miss) continue p99 ÷ bare Fastify p99 at 4 connections: \d+(\.\d+)?× .*\(target ≤ 2×\)$/m)
  // What the targets leave room for: the contract alone on Fastify, and the service's own cost above it.
  t.match(stdout, /^context: floor ÷ bare Fastify: req\/s \d+(\.\d+)?×, CPU\/req \d+(\.\d+)?× /m)
  t.match(stdout, /^context: continue ÷ floor: req\/s \d+(\.\d+)?×, CPU\/req \d+(\.\d+)?× /m)

  const results = JSON.parse(await readFile(out, 'utf8')) as BenchResults
  t.equal(results.machine.cores > 0, true)
  const names = results.load.map(l => l.name)
  for (const name of ['bare node:http (ceiling)', 'bare Fastify (reference)', 'floor (Fastify + contract)', 'continue (embedded)', 'handoff (embedded)']) {
    t.ok(names.includes(name), `has ${name}`)
  }
  // The Redis rows run when a Redis answers on 127.0.0.1:6379; then their ratio is checked too, else a note says why not.
  if (names.includes('continue (redis)')) {
    t.match(stdout, /^ {2}(ok {2}|miss) continue \(redis\) req\/s ÷ bare Fastify req\/s: \d+(\.\d+)?× \(\d+ \/ \d+\) \(target ≥ 0\.55×\)$/m)
  } else {
    t.match(stdout, /^note: redis: skipped/m)
  }
  for (const l of results.load) {
    t.ok(l.requests > 0, `${l.name} sent requests`)
    t.equal(l.errors, 0, `${l.name} had no connection errors`)
    t.equal(l.non2xx, 0, `${l.name} got only 2xx answers`)
    t.type(l.reqPerSec, 'number')
    t.ok(l.p99Ms >= l.p50Ms, `${l.name} p99 ≥ p50`)
    t.type(l.vsCeiling, 'number')
    t.type(l.vsReference, 'number')
  }
  t.equal(results.load.find(l => l.path === 'ceiling')?.vsCeiling, 1)
  t.equal(results.load.find(l => l.path === 'reference')?.vsReference, 1)

  t.same(results.burst && {
    requests: results.burst.requests, ok: results.burst.ok, tokenRequestsAtSimulator: results.burst.tokenRequestsAtSimulator, routingCalls: results.burst.routingCalls
  }, { requests: 20, ok: 20, tokenRequestsAtSimulator: 1, routingCalls: 20 })

  t.equal(results.memory?.conversations, 300)
  t.equal(results.memory?.storeSize, 300)
  t.ok((results.memory?.rssMb ?? 0) > 0)
  const targets = results.targets.map(c => c.name)
  for (const name of ['continue req/s ÷ bare Fastify req/s', 'handoff CPU/req ÷ continue CPU/req', 'continue p99 ÷ bare Fastify p99 at 4 connections',
    'token requests per cold burst of 20', 'RSS for 300 conversations × 2 events']) {
    t.ok(targets.includes(name), `checks ${name}`)
  }
  for (const c of results.targets) t.type(c.ok, 'boolean')
})
