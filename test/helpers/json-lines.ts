// Collects the JSON log lines a child process writes (pino's output), as they arrive.
import type { Readable } from 'node:stream';

/** Lines that are not JSON are kept as `{ msg: line }` when `keepText`, else skipped. */
export function collectJsonLines(stream: Readable, opts: { keepText?: boolean } = {}): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  stream.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        if (opts.keepText) lines.push({ msg: line });
      }
    }
  });
  return lines;
}
