// The README and docs/ stay in step with the code: every setting of the env schema is in the configuration
// table (and nothing else), every relative link and anchor resolves, and the README stays a front door.
import t from 'tap'
import { readFile, readdir } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EnvSchema } from '../src/schemas/env.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const README = join(root, 'README.md')

async function markdownFiles (): Promise<string[]> {
  const docs = (await readdir(join(root, 'docs'))).filter(f => f.endsWith('.md')).map(f => join(root, 'docs', f))
  return [README, ...docs]
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
function anchorsOf (markdown: string): Set<string> {
  const anchors = new Set<string>()
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    const heading = fenced ? null : /^#{1,6} (.+)$/.exec(line)
    if (heading?.[1] === undefined) continue
    anchors.add(heading[1].toLowerCase().trim().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'))
  }
  return anchors
}

/** Inline links outside code: [text](target). */
function linksOf (markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '')
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map(m => m[1] ?? '')
}

t.test('the configuration table lists every setting of the env schema, and only those', async t => {
  const readme = await readFile(README, 'utf8')
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1))
  const listed = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map(m => m[1])
  t.same([...listed].sort(), Object.keys(EnvSchema.properties).sort())
  t.equal(new Set(listed).size, listed.length, 'each setting once')
})

t.test('relative links and anchors in README.md and docs/ resolve', async t => {
  const files = await markdownFiles()
  const anchors = new Map<string, Set<string>>()
  for (const file of files) anchors.set(file, anchorsOf(await readFile(file, 'utf8')))
  let checked = 0
  for (const file of files) {
    for (const link of linksOf(await readFile(file, 'utf8'))) {
      if (/^[a-z]+:/i.test(link)) continue
      const [path = '', anchor] = link.split('#')
      const target = path === '' ? file : join(dirname(file), path)
      const where = `${relative(root, file)} → ${link}`
      t.ok(existsSync(target), `exists: ${where}`)
      if (anchor !== undefined && anchor !== '' && target.endsWith('.md')) {
        const known = anchors.get(target) ?? anchorsOf(await readFile(target, 'utf8'))
        t.ok(known.has(anchor), `anchor: ${where}`)
      }
      checked++
    }
  }
  t.ok(checked > 30, `links checked (${checked})`)
})

t.test('the README stays a front door: under 20 KB, linking every document in docs/', async t => {
  const readme = await readFile(README, 'utf8')
  t.ok(Buffer.byteLength(readme) < 20 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes`)
  for (const doc of await readdir(join(root, 'docs'))) {
    if (doc.endsWith('.md')) t.ok(readme.includes(`](docs/${doc})`), `README links docs/${doc}`)
  }
})

t.test('the error table sits between the markers it is generated into', async t => {
  const api = await readFile(join(root, 'docs', 'api.md'), 'utf8')
  const start = api.indexOf('<!-- errors:start -->')
  const end = api.indexOf('<!-- errors:end -->')
  t.ok(start >= 0 && end > start, 'both markers, in order')
  t.match(api.slice(start, end), /\| 503 \| `HANDOFF_IN_PROGRESS` \|/)
})
