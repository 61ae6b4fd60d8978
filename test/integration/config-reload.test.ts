// Live reload of a running `kafka-warden serve`: a broken configuration file is refused (logged,
// counted) and the proxy keeps serving; a valid change applies what can change live (here ACL
// defaults: a denied topic becomes writable without a restart) and reports what needs a restart
// (a port); SIGHUP reloads too.
import t from 'tap';
import { collectJsonLines } from '../helpers/json-lines.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { MockCluster, PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { freePortBlock } from '../helpers/ports.js';
import { kcat } from '../helpers/kcat.js';
import { childEnv } from '../helpers/child-env.js';

t.test('SIGHUP and file changes: refused when broken, applied live when valid', async (t) => {
  const cluster = await MockCluster.start({ brokers: 3, topics: { free: 1 } });
  t.teardown(() => cluster.stop());
  const dir = mkdtempSync(join(tmpdir(), 'warden-reload-'));
  const base = await freePortBlock(40);
  const cfg = join(dir, 'warden.yaml');
  const config = (opts: { port: number; allowEveryone: boolean }) =>
    [
      'upstream:',
      `  bootstrap: [${cluster.brokers.map((b) => `"${b}"`).join(', ')}]`,
      'listeners:',
      `  - { name: plain, securityProtocol: PLAINTEXT, host: 127.0.0.1, port: ${opts.port}, brokerPortBase: ${base + 10}, advertisedHost: 127.0.0.1 }`,
      `acl: { allowEveryoneIfNoAclFound: ${opts.allowEveryone}, file: ${join(dir, 'acls.yaml')} }`,
      `management: { host: 127.0.0.1, port: ${base + 30} }`,
      'logging: { level: info }',
      '',
    ].join('\n');
  writeFileSync(join(dir, 'acls.yaml'), 'acls: []\n');
  writeFileSync(cfg, config({ port: base, allowEveryone: false }));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), 'serve', '--config', cfg, '--workers', '1'],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: childEnv() },
  );
  t.teardown(() => child.kill('SIGKILL'));
  const logs = collectJsonLines(child.stdout!);
  const waitLog = async (pred: (l: Record<string, unknown>) => boolean, ms = 15_000) => {
    const end = Date.now() + ms;
    while (!logs.some(pred) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    return logs.find(pred);
  };
  t.ok(await waitLog((l) => l.msg === 'proxy started'), 'started');
  const bs = `127.0.0.1:${base}`;
  const produce = () => kcat(['-P', '-t', 'free', '-b', bs], { input: 'x\n', timeoutMs: 15_000 });
  t.match(
    (await produce()).stderr,
    /Topic authorization failed/,
    'denied: no ACL names the topic and allowEveryoneIfNoAclFound is false',
  );

  writeFileSync(cfg, 'upstream: [this is: not valid\n');
  const refused = await waitLog((l) => l.msg === 'configuration reload refused; the running configuration stays');
  t.ok(refused, 'a broken file is refused');
  t.match(String(refused?.reason), /not valid YAML/);
  t.equal((await kcat(['-L', '-b', bs], { timeoutMs: 15_000 })).code, 0, 'and the proxy keeps serving');
  const metrics = await (await fetch(`http://127.0.0.1:${base + 30}/metrics`)).text();
  t.match(
    metrics,
    /kafka_warden_config_reloads_total\{what="config",outcome="failure"\} [1-9]/,
    'the refusal is counted',
  );

  writeFileSync(cfg, config({ port: base + 1, allowEveryone: true }));
  const applied = await waitLog((l) => l.msg === 'configuration reloaded');
  t.ok(applied, 'a valid file is applied');
  t.match(applied?.applied, ['acl'], 'the ACL defaults changed live');
  t.match(
    (
      await waitLog(
        (l) => l.msg === 'configuration reloaded; these changed settings need a restart and keep their running values',
      )
    )?.settings,
    ['listeners[0]'],
    'the port change needs a restart',
  );
  const ok = await produce();
  t.equal(ok.code, 0, `the topic is writable now, without a restart (${ok.stderr.slice(0, 120)})`);
  t.equal(
    (await kcat(['-L', '-b', `127.0.0.1:${base + 1}`], { timeoutMs: 5000 })).code === 0,
    false,
    'the new port is not opened before a restart',
  );

  const before = logs.filter((l) => l.msg === 'configuration reloaded').length;
  child.kill('SIGHUP');
  t.ok(await waitLog((l) => l.msg === 'signal received' && l.signal === 'SIGHUP'), 'SIGHUP is received');
  const end = Date.now() + 10_000;
  while (logs.filter((l) => l.msg === 'configuration reloaded').length <= before && Date.now() < end)
    await new Promise((r) => setTimeout(r, 100));
  t.ok(logs.filter((l) => l.msg === 'configuration reloaded').length > before, 'and reloads the configuration');
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
});
