// Calls back when a policy file may have changed. Watches the directories rather than the files: editors
// and Kubernetes ConfigMaps replace a file (rename, symlink swap) instead of writing into it, which a watch
// on the file itself would miss. Events come in bursts, so they are gathered for a moment first; a change
// that turns out not to be one costs a re-read that reports "unchanged".
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'

export interface WatchOptions {
  /** gather the events of one save for this long, ms */
  debounceMs?: number
  onError?: (err: Error) => void
}

/** Starts watching; the returned function stops it. */
export function watchFiles (files: string[], onChange: () => void, opts: WatchOptions = {}): () => void {
  const byDirectory = new Map<string, Set<string>>()
  for (const file of files) {
    const path = resolve(file)
    const names = byDirectory.get(dirname(path)) ?? new Set<string>()
    names.add(basename(path))
    byDirectory.set(dirname(path), names)
  }
  let timer: NodeJS.Timeout | undefined
  const schedule = (): void => {
    clearTimeout(timer)
    timer = setTimeout(onChange, opts.debounceMs ?? 100)
    timer.unref()
  }
  const watchers: FSWatcher[] = []
  for (const [directory, names] of byDirectory) {
    try {
      const watcher = watch(directory, { persistent: false }, (_event, name) => {
        // `..data` and friends: the symlink a ConfigMap swaps; no name: the platform did not say.
        if (name === null || names.has(name) || name.startsWith('..')) schedule()
      })
      watcher.on('error', (err) => { opts.onError?.(err) })
      watchers.push(watcher)
    } catch (err) {
      opts.onError?.(err as Error)
    }
  }
  return () => {
    clearTimeout(timer)
    for (const watcher of watchers) watcher.close()
  }
}
