import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { readFileSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PrincipalMapper, subjectDn } from '../../src/auth/principal.js';
import { makeCa, makeLeaf, makePki } from '../helpers/certs.js';

t.test("Kafka's documented mapping rule examples", async (t) => {
  t.equal(
    new PrincipalMapper('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L,DEFAULT').map('CN=Duke,OU=ServiceUsers,O=Org,C=US'),
    'duke',
  );
  t.equal(
    new PrincipalMapper('RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L,DEFAULT').map(
      'CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US',
    ),
    'duke@sme',
  );
  t.equal(
    new PrincipalMapper('RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U,DEFAULT').map(
      'cn=duke,ou=sme,dc=mycp,dc=com',
    ),
    'DUKE@SME',
  );
  t.equal(new PrincipalMapper('DEFAULT').map('CN=x,O=y'), 'CN=x,O=y', 'DEFAULT keeps the DN');
  t.equal(
    new PrincipalMapper('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/').map('CN=x,OU=Other'),
    null,
    'no rule matches: authentication fails',
  );
  const m = new PrincipalMapper('RULE:^CN=([^,]*),OU=A$/$1/L, RULE:^CN=([^,]*),OU=B$/b-$1/, DEFAULT');
  t.equal(m.map('CN=Z,OU=A'), 'z', 'first matching rule wins');
  t.equal(m.map('CN=Z,OU=B'), 'b-Z');
  t.equal(m.map('CN=Z,OU=C'), 'CN=Z,OU=C');
  t.equal(
    new PrincipalMapper('RULE:^CN=(.*?)\\/x,.*$/$1/,DEFAULT').map('CN=a/x,O=o'),
    'a',
    'escaped slash in a pattern',
  );
  t.throws(() => new PrincipalMapper('RULE:^CN=(.*$/$1/'), { code: 'WARDEN_ERR_CONFIG' });
  t.throws(() => new PrincipalMapper('NOT A RULE'), { code: 'WARDEN_ERR_CONFIG' });
});

t.test('subject DN in RFC 2253 form from a real certificate', async (t) => {
  const pki = await makePki();
  const der = new X509Certificate(readFileSync(pki.clientCert)).raw;
  t.equal(subjectDn(der), 'CN=writeuser,OU=ServiceUsers,O=Unknown,L=Unknown,ST=Unknown,C=Unknown');
  const ca = await makeCa();
  // selfsigned normalises odd values away, so this one comes from the openssl command line.
  const dir = mkdtempSync(join(tmpdir(), 'warden-dn-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
      '-days',
      '1',
      '-subj',
      '/O=Acme, Inc./CN=a\\+b "q" <c>;d',
    ],
    { stdio: 'ignore' },
  );
  t.equal(
    subjectDn(new X509Certificate(readFileSync(join(dir, 'c.pem'))).raw),
    'CN=a\\+b \\"q\\" \\<c\\>\\;d,O=Acme\\, Inc.',
    'special characters escaped',
  );
  const email = await makeLeaf(
    ca,
    [
      ['CN', 'e'],
      ['E', 'a@b.c'],
    ],
    'client',
  );
  t.equal(
    subjectDn(new X509Certificate(email.cert).raw),
    '1.2.840.113549.1.9.1=#16056140622e63,CN=e',
    'other attributes as OID=#hex',
  );
});
