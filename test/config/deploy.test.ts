// The deployment examples hold together: the Kubernetes manifest parses, its embedded kafka-warden
// configuration is valid, and its probes point at the management endpoints the proxy serves.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { parseConfig } from '../../src/config/load.js';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';

t.test('the Kubernetes example', async (t) => {
  const docs = loadAll(readFileSync(join(PROJECT_ROOT, 'deploy', 'kubernetes', 'kafka-warden.yaml'), 'utf8')) as Array<
    Record<string, any>
  >;
  t.same(docs.map((d) => d.kind).sort(), ['ConfigMap', 'Deployment', 'Secret', 'Secret', 'Service', 'Service']);
  const cm = docs.find((d) => d.kind === 'ConfigMap')!;
  const config = parseConfig((await import('js-yaml')).load(cm.data['warden.yaml']));
  t.equal(config.management?.port, 9404);
  const container = docs.find((d) => d.kind === 'Deployment')!.spec.template.spec.containers[0];
  t.equal(container.livenessProbe.httpGet.path, '/healthz');
  t.equal(container.readinessProbe.httpGet.path, '/readyz');
  t.equal(
    container.ports.find((p: { name: string }) => p.name === 'management').containerPort,
    config.management?.port,
  );
  t.equal(
    container.ports.find((p: { name: string }) => p.name === 'bootstrap').containerPort,
    config.listeners[0]!.port,
  );
  t.equal(docs.find((d) => d.kind === 'Deployment')!.spec.template.spec.securityContext.runAsNonRoot, true);
  const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
  t.match(dockerfile, /^USER node$/m, 'the image runs as a non-root user');
  t.match(dockerfile, /^HEALTHCHECK .*\n.*\/healthz/m, 'with a health check on /healthz');
});
