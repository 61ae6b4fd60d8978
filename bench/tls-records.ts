// What Node.js's TLS layer costs a server per record, before any proxy work: a TLS server that
// only counts the bytes it receives (through the proxy's shared-buffer reads, and through ordinary
// 'data' events) and a client in another process that writes records of a given size, one
// SSL_write each (librdkafka writes one record per message segment: ~1 KiB records for 1 KiB
// messages). Reports the server's CPU time per record and per KiB, median of ROUNDS runs.
//
//   npm run bench -- tls-records            (ROUNDS=3, 64 MiB per run)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import { makePki } from '../test/helpers/certs.js';
import { readIntoBuffer, sharedReadBuffer } from '../src/proxy/static-read.js';
import { median, writeSection } from './common.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const BYTES = Number(process.env.BYTES ?? 64 * 1024 * 1024);

async function client(port: number, size: number, count: number): Promise<void> {
  const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await new Promise((r) => s.once('secureConnect', r));
  const buf = Buffer.alloc(size, 'w');
  // One write at a time: each becomes its own SSL_write, so its own record.
  for (let i = 0; i < count; i++) await new Promise<void>((r) => s.write(buf, () => r()));
  await new Promise<void>((r) => s.end(r));
}

interface Run {
  usPerRecord: number;
  usPerKiB: number;
}

async function measure(mode: 'shared-buffer' | 'data-events', size: number): Promise<Run> {
  const pki = await makePki();
  const count = Math.floor(BYTES / size);
  let done!: (r: Run) => void;
  const result = new Promise<Run>((r) => (done = r));
  const server = tls.createServer(
    { cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) },
    (socket: net.Socket) => {
      let bytes = 0;
      let t0: NodeJS.CpuUsage | null = null;
      const take = (c: Buffer) => {
        if (t0 === null) t0 = process.cpuUsage();
        bytes += c.length;
      };
      socket.on('data', take);
      if (mode === 'shared-buffer' && !readIntoBuffer(socket, sharedReadBuffer(), take))
        throw new Error('shared-buffer reads unavailable');
      socket.on('error', () => {});
      socket.on('end', () => {
        const u = process.cpuUsage(t0 ?? undefined);
        const us = u.user + u.system;
        if (bytes !== count * size) throw new Error(`received ${bytes} of ${count * size} bytes`);
        done({ usPerRecord: us / count, usPerKiB: us / (bytes / 1024) });
        socket.end();
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), 'client', String(port), String(size), String(count)],
    { stdio: 'inherit' },
  );
  const r = await result;
  await new Promise((res) => child.once('exit', res));
  server.close();
  return r;
}

async function main() {
  if (process.argv[2] === 'client')
    return client(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
  const rows: string[] = [];
  for (const size of [1024, 16384]) {
    for (const mode of ['data-events', 'shared-buffer'] as const) {
      const runs: Run[] = [];
      for (let i = 0; i < ROUNDS; i++) runs.push(await measure(mode, size));
      const perRecord = median(runs.map((r) => r.usPerRecord));
      const perKiB = median(runs.map((r) => r.usPerKiB));
      process.stderr.write(
        `${size} B records, ${mode}: ${perRecord.toFixed(2)} us/record, ${perKiB.toFixed(3)} us/KiB\n`,
      );
      rows.push(
        `| ${size / 1024} KiB | ${mode === 'data-events' ? "'data' events (Node's default)" : 'shared read buffer (kafka-warden)'} | ${perRecord.toFixed(2)} | ${perKiB.toFixed(3)} |`,
      );
    }
  }
  writeSection(
    '## TLS records: what Node.js costs per record (issue 3)',
    [
      '## TLS records: what Node.js costs per record (issue 3)',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)}. Command: \`ROUNDS=${ROUNDS} npm run bench -- tls-records\`.`,
      `A TLS 1.3 server (AES-256-GCM) that only counts what it receives; a client in another process writes ${BYTES / 1048576} MiB`,
      'in records of one size (one write each). Server CPU time (user + system, from the first byte to the end), median of the rounds.',
      '',
      '| record size | how the server reads | server CPU per record (us) | per KiB (us) |',
      '|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

void main();
