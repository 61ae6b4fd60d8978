// testssl.sh (Debian's testssl.sh package) against a SASL_SSL listener on the default TLS
// settings (issue 10): nothing rated MEDIUM, HIGH or CRITICAL, and no check left undone.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeServerCert } from '../helpers/certs.js';
import { startTlsHarness } from '../helpers/tls.js';

interface Finding {
  id: string;
  severity: string;
  finding: string;
}

/** Severities that are not a problem; any other one fails the test, including ones unknown here. */
const ACCEPTED = new Set(['DEBUG', 'INFO', 'OK', 'LOW']);

/**
 * Findings accepted by name, each with its reason. Nothing about our configuration belongs here.
 */
const ALLOWED: Array<{ id: string; severity: string; finding: string; reason: string }> = [
  {
    id: 'sessionresumption_ticket',
    severity: 'WARN',
    finding: 'check failed because of connect problem',
    // testssl saves a session with `openssl s_client -sess_out </dev/null`, which closes as soon as
    // the handshake is done; a TLS 1.3 server sends its session tickets after the handshake, so the
    // saved session is often empty and the second, resuming, s_client fails. It happens with a bare
    // node:tls server too (23 of 30 sessions empty in one measurement, 10 of 30 with the proxy);
    // the check is only ever rated INFO.
    reason: 'testssl race with TLS 1.3 session tickets, not a finding',
  },
];

/** Runs testssl.sh; resolves with its exit code and output, killing it after `timeoutMs`. */
function testssl(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const p = spawn('testssl', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d: Buffer) => (output += d.toString()));
    p.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-p.pid!, 'SIGKILL'); // testssl and its openssl children
    }, timeoutMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      resolve({
        code: null,
        output: `could not run testssl (${e.message}); scripts/setup.sh --tests installs Debian's testssl.sh`,
        timedOut,
      });
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

t.test(
  'testssl.sh finds nothing rated MEDIUM or worse on a default SASL_SSL listener',
  { timeout: 420_000 },
  async (t) => {
    // The server certificate names its CRL and OCSP responder like one from a real CA would;
    // without them testssl rates the missing revocation information HIGH (cert_revocation).
    const h = await startTlsHarness((pki) => {
      const cert = makeServerCert(pki, { revocationUris: true });
      return { sasl: { certFile: cert.cert, keyFile: cert.key } };
    });
    t.teardown(() => h.stop());
    const jsonFile = join(mkdtempSync(join(tmpdir(), 'warden-testssl-')), 'scan.json');
    // -p protocols, -s cipher categories, -f forward secrecy, -S server defaults and certificate,
    // -P server preferences, -U vulnerabilities: every check that rates anything. Left out: -e (each
    // cipher), client simulations and HTTP headers (not HTTP), which rate nothing. --add-ca makes our
    // test CA trusted, so chain findings are about the listener; --nodns none keeps it on loopback.
    const args = [
      '--quiet',
      '--warnings',
      'off',
      '--color',
      '0',
      '--nodns',
      'none',
      '--add-ca',
      h.pki.caFile,
      '-p',
      '-s',
      '-f',
      '-S',
      '-P',
      '-U',
      '--jsonfile',
      jsonFile,
      `127.0.0.1:${h.ports.sasl}`,
    ];
    const started = Date.now();
    const run = await testssl(args, 300_000);
    const seconds = Math.round((Date.now() - started) / 1000);
    t.notOk(run.timedOut, `the scan ends within 300 s (took ${seconds} s)`);
    if (!existsSync(jsonFile)) {
      t.fail(`testssl wrote no JSON (exit ${run.code}): ${run.output.slice(-2000)}`);
      return;
    }
    const findings = JSON.parse(readFileSync(jsonFile, 'utf8')) as Finding[];
    t.comment(`testssl: ${findings.length} findings in ${seconds} s`);

    // The scan did reach the listener and ran its checks.
    const get = (id: string) => findings.find((f) => f.id === id)?.finding;
    t.equal(get('TLS1_2'), 'offered', 'TLS 1.2 found');
    t.match(get('TLS1_3'), /^offered/, 'TLS 1.3 found');
    t.equal(get('cert_chain_of_trust'), 'passed.', 'the certificate verified against the test CA');
    t.equal(get('cipherlist_AVERAGE'), 'not offered', 'no CBC suites');
    t.equal(get('secure_client_renego'), 'not vulnerable', 'client-initiated renegotiation refused');
    t.equal(get('PFS'), 'offered', 'forward secrecy');

    const allowed = (f: Finding) =>
      ALLOWED.some((a) => a.id === f.id && a.severity === f.severity && a.finding === f.finding);
    const problems = findings.filter((f) => !ACCEPTED.has(f.severity) && !allowed(f));
    t.same(
      problems.map((f) => `${f.severity} ${f.id}: ${f.finding}`),
      [],
      'no finding rated MEDIUM, HIGH or CRITICAL, and no check that failed (WARN, FATAL)',
    );
    for (const f of findings.filter(allowed)) t.comment(`allowed: ${f.severity} ${f.id}: ${f.finding}`);
  },
);
