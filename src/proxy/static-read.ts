import net from 'node:net';

/**
 * Reading a socket into one reused buffer instead of a new Buffer per read.
 *
 * By default every socket read (for TLS: every decrypted record, at most 16 KiB) becomes a fresh
 * Buffer with its own ArrayBuffer, goes through the Readable stream machinery and is left to the
 * garbage collector. At a few hundred MB/s those buffers cost more than the data handling itself:
 * malloc/free per read and, because V8 counts their memory as external, a full mark-compact every
 * few tens of MB (measured: about a fifth of the proxy's CPU on TLS produce traffic).
 *
 * Node's documented `onread` option of net.connect()/tls.connect() reads into one buffer owned
 * by the caller and hands each read to a callback, synchronously, with no stream in between. It is
 * not offered for sockets a server accepts. This module applies the same mechanism to an accepted
 * socket (plain or TLS): it finds, once, the two properties under which Node keeps the `onread`
 * buffer and callback (by building a probe socket with the option and looking for them), and
 * installs them on the accepted socket together with the handle's `useUserBuffer()`, exactly what
 * the option does at construction.
 *
 * Everything is feature-checked: on a Node.js whose internals differ, `readIntoBuffer()` returns
 * false and the caller keeps its ordinary 'data' listener. Either way the caller's 'data' listener
 * stays attached: it receives whatever the stream had buffered before the switch (bytes that
 * arrived with the TLS handshake) and keeps the socket flowing so that 'end' is emitted.
 *
 * The callback must copy what it keeps: the buffer is overwritten by the next read.
 */
interface Probe {
  bufferKey: symbol;
  callbackKey: symbol;
}

let probe: Probe | null | undefined;

/** WARDEN_STATIC_READS=0 turns the mechanism off (every socket then uses 'data' events). */
export const staticReadsDisabled = process.env.WARDEN_STATIC_READS === '0';

function findKeys(): Probe | null {
  if (probe !== undefined) return probe;
  probe = null;
  if (staticReadsDisabled) return probe;
  try {
    const marker = Buffer.alloc(1);
    const callback = () => true;
    const s = new net.Socket({ onread: { buffer: marker, callback } } as net.SocketConstructorOpts);
    const rec = s as unknown as Record<symbol, unknown>;
    const syms = Object.getOwnPropertySymbols(s);
    const bufferKey = syms.find((k) => rec[k] === marker);
    const callbackKey = syms.find((k) => rec[k] === callback);
    s.destroy();
    if (bufferKey !== undefined && callbackKey !== undefined) probe = { bufferKey, callbackKey };
  } catch {
    probe = null;
  }
  return probe;
}

interface UserBufferHandle {
  useUserBuffer?: (buf: Uint8Array) => void;
}

/**
 * From now on, reads of `socket` land in `buffer` and are passed to `onChunk(view)` (a view of
 * `buffer`, valid only during the call). Returns false, changing nothing, when this Node.js does
 * not offer the mechanism.
 */
export function readIntoBuffer(socket: net.Socket, buffer: Buffer, onChunk: (view: Buffer) => void): boolean {
  const keys = findKeys();
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
  if (keys === null || handle == null || typeof handle.useUserBuffer !== 'function') return false;
  const rec = socket as unknown as Record<symbol, unknown>;
  if (rec[keys.bufferKey] !== undefined && rec[keys.bufferKey] !== null && rec[keys.bufferKey] !== false) return false;
  try {
    handle.useUserBuffer(buffer);
  } catch {
    return false;
  }
  rec[keys.bufferKey] = buffer;
  rec[keys.callbackKey] = (nread: number, buf: Buffer) => {
    onChunk(buf.subarray(0, nread));
  };
  return true;
}

/** Whether readIntoBuffer() can work on this Node.js (for logging and tests). */
export function staticReadsAvailable(): boolean {
  return findKeys() !== null;
}

let shared: Buffer | null = null;

/**
 * One read buffer for every socket of the process: reads and their callbacks run one at a time on
 * the event loop thread, and the callback consumes (copies) each chunk before it returns.
 */
export function sharedReadBuffer(): Buffer {
  if (shared === null) shared = Buffer.allocUnsafeSlow(64 * 1024);
  return shared;
}
