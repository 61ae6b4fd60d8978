// The bounded fuzz run that CI makes (scripts/fuzz.sh, Jazzer.js): every target for a few seconds
// from its seeds and the kept corpus must end without a finding. A planted bug shows first that
// the same harness does fail, and keeps the input, when a target throws what is not a WardenError.
// FUZZ_CI_SECONDS sets the budget of the real run (default 48 s: 12 s for each of the four targets).
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { Writer } from '../../dist/protocol/writer.js';
import { EncodeError } from '../../dist/protocol/errors.js';

const TARGETS = ['request', 'codec', 'frame-reader', 'record-batch'];
const SECONDS = Number(process.env.FUZZ_CI_SECONDS ?? 48);

/** Runs scripts/fuzz.sh; resolves with its exit code and its output (stdout and stderr). */
function fuzz(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const clean: NodeJS.ProcessEnv = {};
  // Not the test runner's loaders and coverage hooks.
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('TAP') && !k.startsWith('_TAP') && k !== 'NODE_OPTIONS' && k !== 'NODE_V8_COVERAGE') clean[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(PROJECT_ROOT, 'scripts', 'fuzz.sh'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...clean, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Files under dir (recursively) modified at or after `since`. */
function filesSince(dir: string, since: number): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => statSync(f).mtimeMs >= since);
}

/** libFuzzer's closing line of each target run: executions and edges covered. */
function doneLines(output: string): { runs: number; cov: number }[] {
  return [...output.matchAll(/^#(\d+)\s+DONE\s+cov: (\d+)/gm)].map((m) => ({ runs: Number(m[1]), cov: Number(m[2]) }));
}

t.test('the targets accept a string that decodes longer than an int16 length allows', async (t) => {
  // A DescribeGroups v0 request naming one group of 11000 bytes of invalid UTF-8, which decodes to
  // 33000 bytes of U+FFFD: re-encoding it is refused with EncodeError (a RangeError out of
  // Buffer.writeInt16BE before the fix, which the proxy logged as an internal error).
  const name = Buffer.alloc(11000, 0xff);
  const body = Buffer.concat([Buffer.from([0, 0, 0, 1, 0x2a, 0xf8]), name]);
  const header = Buffer.from([0, 15, 0, 0, 0, 0, 0, 1, 0, 1, 0x78]);
  const { fuzz: request } = await import('./targets/request.mjs');
  const { fuzz: codec, selector, REQUEST } = await import('./targets/codec.mjs');
  t.doesNotThrow(() => request(Buffer.concat([header, body])), 'request target');
  t.doesNotThrow(() => codec(Buffer.concat([selector(15, 0, REQUEST), body])), 'codec target');
  const { checkRoundTrip } = await import('./targets/common.mjs');
  t.throws(
    () =>
      checkRoundTrip(
        'valid UTF-8',
        () => new Writer().string('x'.repeat(40000)),
        () => ({}),
        0,
        { s: 'x'.repeat(40000) },
      ),
    EncodeError,
    'without U+FFFD in the value, EncodeError is a finding',
  );
});

t.test('a planted bug is a finding: the run fails and keeps the input', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-fuzz-canary-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { code, output } = await fuzz(['20', 'test/fuzz/support/canary.mjs'], { FUZZ_DIR: dir });
  t.not(code, 0, 'scripts/fuzz.sh exits non-zero');
  t.match(output, /RangeError/, 'the finding is the RangeError of the planted Buffer read');
  const crashes = filesSince(join(dir, 'crashes', 'canary'), 0);
  t.equal(crashes.length, 1, 'one crash input kept');
  const input = readFileSync(crashes[0]!);
  t.same([...input.subarray(0, 2)], [0x4b, 0x57], 'it is an input that reaches the planted bug');
});

t.test(`the fuzz targets run ${SECONDS} s without a finding`, async (t) => {
  const since = Date.now() - 1000;
  const dir = process.env.FUZZ_DIR ?? join(PROJECT_ROOT, '.fuzz');
  const { code, output } = await fuzz([String(SECONDS), ...TARGETS]);
  const found = filesSince(join(dir, 'crashes'), since);
  const summary = output
    .split('\n')
    .filter((l) => /^fuzz:|DONE|==\d+==|Error/.test(l))
    .join('\n');
  t.equal(code, 0, `scripts/fuzz.sh exits 0\n${summary}`);
  t.same(found, [], 'no crash, timeout or out-of-memory input written');
  const done = doneLines(output);
  t.equal(done.length, TARGETS.length, 'every target ran to its time limit');
  for (const [i, d] of done.entries()) {
    // A run that executed hardly anything, or covered nothing, would pass for the wrong reason.
    t.ok(d.runs >= 1000 && d.cov > 10, `${TARGETS[i]}: ${d.runs} executions, ${d.cov} edges covered`);
  }
});
