// `kafka-warden demo`: a mock cluster (or with --kafka real Apache Kafka) and the proxy in front of
// it, usable with kcat, stopped cleanly by Ctrl-C (SIGINT) with the cluster gone too.
import t from 'tap';
import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { freePortBlock } from '../helpers/ports.js';
import { kcat } from '../helpers/kcat.js';
import { childEnv } from '../helpers/child-env.js';

for (const variant of [
  { name: 'the mock cluster', args: [], brokerProcess: 'mock-cluster', startMs: 20_000 },
  { name: 'real Apache Kafka (--kafka)', args: ['--kafka'], brokerProcess: 'kafka.Kafka', startMs: 120_000 },
]) {
  t.test(`demo on ${variant.name} serves kcat and stops on Ctrl-C`, async (t) => {
    const port = await freePortBlock(120);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), 'demo', '--port', String(port), ...variant.args],
      {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: childEnv(),
      },
    );
    t.teardown(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + variant.startMs;
    while (!out.includes('Ctrl-C stops the demo')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`demo did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    t.match(out, `kcat -b 127.0.0.1:${port} -L`, 'prints how to connect with kcat');
    const brokerPids = execFileSync('pgrep', ['-P', String(child.pid), '-f', variant.brokerProcess], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .map(Number);
    t.ok(brokerPids.length > 0 && brokerPids.every((p) => p > 0), `${variant.name} runs as children of the demo`);
    const md = await kcat(['-b', `127.0.0.1:${port}`, '-L', '-J'], { timeoutMs: 15_000 });
    const meta = JSON.parse(md.stdout) as { brokers: Array<{ name: string }> };
    t.same(
      meta.brokers.map((b) => b.name).sort(),
      [1, 2, 3].map((n) => `127.0.0.1:${port + 8 + n}`),
      'three brokers at the proxy',
    );
    const prod = await kcat(['-b', `127.0.0.1:${port}`, '-t', 'demo', '-P'], { input: 'hello\n' });
    t.equal(prod.code, 0, 'produce through the demo');
    const cons = await kcat(['-b', `127.0.0.1:${port}`, '-t', 'demo', '-C', '-e', '-q', '-o', 'beginning']);
    t.match(cons.stdout, 'hello', 'consume through the demo');
    const denied = await kcat(['-b', `127.0.0.1:${port}`, '-t', 'secret', '-P'], {
      input: 'nope\n',
      timeoutMs: 15_000,
    });
    t.match(denied.stderr, /Topic authorization failed/, 'the demo ACLs deny the topic "secret" to anonymous clients');
    // The SASL_SSL listener with the demo user, as printed.
    const line = out.split('\n').find((l) => l.includes('-X security.protocol=SASL_SSL') && l.includes(' -L'))!;
    t.ok(line, 'prints a SASL_SSL kcat command');
    const args = line.trim().split(/\s+/).slice(1);
    const secured = await kcat(args, { timeoutMs: 20_000 });
    t.equal(secured.code, 0, `SASL_SSL with the demo user works (${secured.stderr.slice(0, 200)})`);
    t.match(secured.stdout, /3 brokers/);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    t.equal(code, 0, 'exits 0 on Ctrl-C');
    const alive = brokerPids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    t.same(alive, [], `${variant.name} stopped too`);
  });
}
