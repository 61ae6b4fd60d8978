import { parseArgs } from 'node:util';
import { CredentialStore } from '../auth/credentials.js';
import { makeCredential, SCRAM_MECHANISMS, MIN_ITERATIONS, type ScramMechanism } from '../auth/scram.js';

const USAGE = `kafka-warden scram: manage SCRAM credentials (salted hashes only; never passwords)

  kafka-warden scram add --user NAME --mechanism SCRAM-SHA-512|SCRAM-SHA-256 [--iterations N] --credentials FILE
      reads the password from standard input (or asks for it on a terminal)
  kafka-warden scram list --credentials FILE
  kafka-warden scram remove --user NAME [--mechanism M] --credentials FILE
`;

/** Reads a password: a prompt without echo on a terminal, else the first line of stdin. */
async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write('Password: ');
    stdin.setRawMode(true);
    return new Promise((resolve, reject) => {
      let pw = '';
      const onData = (d: Buffer) => {
        for (const ch of d.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.setRawMode(false);
            stdin.off('data', onData);
            stdin.pause();
            process.stderr.write('\n');
            resolve(pw);
            return;
          }
          if (ch === '\u0003') {
            stdin.setRawMode(false);
            reject(new Error('interrupted'));
            return;
          }
          if (ch === '\u007f') pw = pw.slice(0, -1);
          else pw += ch;
        }
      };
      stdin.on('data', onData);
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** `scram add`: the password from stdin, its credential stored under the file's lock. */
async function addUser(
  store: CredentialStore,
  user: string | undefined,
  mechanism: ScramMechanism | undefined,
  iterationsArg: string | undefined,
): Promise<number> {
  if (!user || mechanism === undefined) {
    process.stderr.write('kafka-warden scram add: --user and --mechanism are required\n');
    return 2;
  }
  const iterations = iterationsArg === undefined ? MIN_ITERATIONS : Number(iterationsArg);
  const password = await readPassword();
  if (password === '') {
    process.stderr.write('kafka-warden scram add: the password is empty\n');
    return 1;
  }
  const credential = makeCredential(mechanism, password, iterations);
  store.update(() => {
    store.set(user, mechanism, credential);
    return true;
  });
  process.stdout.write(`${user}: ${mechanism} credential stored (iterations ${iterations})\n`);
  return 0;
}

export async function scramCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      user: { type: 'string' },
      mechanism: { type: 'string' },
      iterations: { type: 'string' },
      credentials: { type: 'string' },
    },
  });
  if (!values.credentials || !['add', 'list', 'remove'].includes(sub ?? '')) {
    process.stderr.write(USAGE);
    return 2;
  }
  const store = new CredentialStore(values.credentials);
  const mechanism = values.mechanism as ScramMechanism | undefined;
  if (mechanism !== undefined && !SCRAM_MECHANISMS.includes(mechanism)) {
    process.stderr.write(`kafka-warden scram: --mechanism must be one of ${SCRAM_MECHANISMS.join(', ')}\n`);
    return 2;
  }
  switch (sub) {
    case 'list':
      for (const u of store.list())
        process.stdout.write(
          `${u.user}\t${u.mechanisms.map((m) => `${m.mechanism} (iterations ${m.iterations})`).join(', ')}\n`,
        );
      return 0;
    case 'add':
      return addUser(store, values.user, mechanism, values.iterations);
    case 'remove': {
      if (!values.user) {
        process.stderr.write('kafka-warden scram remove: --user is required\n');
        return 2;
      }
      const user = values.user;
      if (!store.update(() => store.remove(user, mechanism))) {
        process.stderr.write(`kafka-warden scram remove: ${values.user} has no such credential\n`);
        return 1;
      }
      process.stdout.write(`${values.user}: ${mechanism ?? 'all'} credentials removed\n`);
      return 0;
    }
  }
  return 2;
}
