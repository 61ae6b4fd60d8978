// The one file watcher: credentials, ACLs, the configuration and TLS certificates reload through
// it when their files change.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface FileWatch {
  close(): void;
}

/**
 * Calls `onChange` once changes to any of `files` have settled for `debounceMs`. The folders are
 * watched rather than the files: editors and atomic renames (Kubernetes secret mounts among them)
 * replace a file instead of writing into it. The watchers never keep the process alive.
 */
export function watchFiles(files: readonly string[], debounceMs: number, onChange: () => void): FileWatch {
  let timer: NodeJS.Timeout | null = null;
  const watchers: FSWatcher[] = [];
  for (const dir of new Set(files.map((f) => dirname(f)))) {
    const names = new Set(files.filter((f) => dirname(f) === dir).map((f) => basename(f)));
    const w = watch(dir, (_event, changed) => {
      if (changed !== null && !names.has(changed)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        onChange();
      }, debounceMs);
    });
    w.unref();
    watchers.push(w);
  }
  return {
    close() {
      for (const w of watchers) w.close();
      watchers.length = 0;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
