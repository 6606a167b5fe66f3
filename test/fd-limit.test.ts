// The connection cap leaves descriptors for the process and its outbound pools.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { OWN_DESCRIPTORS, connectionCap, openFileLimit } from '../src/fd-limit.js'

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            256                  1048576              files
`

t.test('openFileLimit reads the soft limit from /proc/self/limits, null when it cannot', async t => {
  const dir = t.testdir({})
  const file = join(dir, 'limits')
  writeFileSync(file, LIMITS)
  t.equal(openFileLimit(file), 256)
  writeFileSync(file, LIMITS.replace(/Max open files +256/, 'Max open files            unlimited'))
  t.equal(openFileLimit(file), null, 'unlimited')
  t.equal(openFileLimit(join(dir, 'missing')), null, 'no /proc')
  if (process.platform === 'linux') t.ok((openFileLimit() ?? 0) > 0, 'this process has one')
})

t.test('connectionCap lowers MAX_CONNECTIONS to what the descriptors hold beside the pools', async t => {
  t.same(connectionCap(1024, null, 32), { maxConnections: 1024, lowered: false }, 'no known limit: as configured')
  t.same(connectionCap(1024, 65536, 32), { maxConnections: 1024, lowered: false }, 'room enough')
  t.same(connectionCap(1024, 256, 32), { maxConnections: 256 - 32 - OWN_DESCRIPTORS, lowered: true })
  t.same(connectionCap(1024, 50, 32), { maxConnections: 1, lowered: true }, 'never below 1')
})
