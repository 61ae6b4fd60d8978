// Full connection setups per second against a SASL_SSL listener: TLS handshake, ApiVersions,
// SaslHandshake, two SCRAM-SHA-512 SaslAuthenticate rounds, close. The client computes the salted
// password once (as a long-running client would), so the measure is the proxy's work per login.
//
//   node --import tsx bench/setup-rate.ts HOST:PORT USER PASSWORD CAFILE SECONDS CONCURRENCY
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { Reader } from '../src/protocol/reader.js';
import { API_SPECS, ApiKey } from '../src/protocol/generated/index.js';
import { responseHeaderLength } from '../src/protocol/headers.js';
import { RawClient } from '../test/helpers/raw-client.js';
import { FrameReader } from '../src/protocol/frame-reader.js';
import type * as saslAuthenticate from '../src/protocol/generated/sasl-authenticate.js';

const [addr, user, password, caFile, seconds, concurrency] = process.argv.slice(2);
const [host, port] = addr!.split(':');
const ca = readFileSync(caFile!);
const saltedCache = new Map<string, Buffer>();

const packet = RawClient.packet;

function login(): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host, port: Number(port), ca, servername: 'localhost' });
    const cnonce = randomBytes(18).toString('base64');
    const bare = `n=${user},r=${cnonce}`;
    let step = 0;
    const reader = new FrameReader((p) => {
      const f = p.subarray(4);
      step++;
      if (step === 1) s.write(packet(ApiKey.SaslHandshake, 1, 2, { mechanism: 'SCRAM-SHA-512' }));
      else if (step === 2) s.write(packet(ApiKey.SaslAuthenticate, 1, 3, { authBytes: Buffer.from(`n,,${bare}`) }));
      else {
        const res = API_SPECS.get(ApiKey.SaslAuthenticate)!.decodeResponse(
          new Reader(f, responseHeaderLength(ApiKey.SaslAuthenticate, 1, f)),
          1,
        ) as saslAuthenticate.Response;
        if (res.errorCode !== 0) return reject(new Error(`auth error ${res.errorCode}`));
        if (step === 4) {
          s.end();
          return resolve();
        }
        const sf = res.authBytes.toString();
        const [, r, salt, it] = /^r=([^,]+),s=([^,]+),i=(\d+)/.exec(sf)!;
        let salted = saltedCache.get(salt!);
        if (!salted)
          saltedCache.set(
            salt!,
            (salted = pbkdf2Sync(password!, Buffer.from(salt!, 'base64'), Number(it), 64, 'sha512')),
          );
        const clientKey = createHmac('sha512', salted).update('Client Key').digest();
        const storedKey = createHash('sha512').update(clientKey).digest();
        const wp = `c=biws,r=${r}`;
        const sig = createHmac('sha512', storedKey).update(`${bare},${sf},${wp}`).digest();
        const proof = Buffer.from(clientKey.map((b, k) => b ^ sig[k]!)).toString('base64');
        s.write(packet(ApiKey.SaslAuthenticate, 1, 4, { authBytes: Buffer.from(`${wp},p=${proof}`) }));
      }
    });
    s.on('secureConnect', () => s.write(packet(ApiKey.ApiVersions, 0, 1, {})));
    s.on('data', (d: Buffer) => reader.push(d));
    s.on('error', reject);
  });
}

const end = Date.now() + Number(seconds) * 1000;
let done = 0;
let errors = 0;
const started = Date.now();
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (Date.now() < end) {
      try {
        await login();
        done++;
      } catch {
        errors++;
      }
    }
  }),
);
const elapsed = (Date.now() - started) / 1000;
process.stdout.write(
  JSON.stringify({ mode: 'setup', setups: done, errors, seconds: elapsed, setupsPerSec: done / elapsed }) + '\n',
);
