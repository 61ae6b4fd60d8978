// Polling for a condition that another part of the event loop makes true (a socket read, a file
// watcher's debounce), so that unit tests wait exactly as long as they need to.

/** Waits until `cond` holds (polling every 5 ms), or fails after `ms`. */
export async function until(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
