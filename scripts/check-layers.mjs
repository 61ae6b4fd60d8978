#!/usr/bin/env node
// Fails when the folders of src/ import each other in a cycle or against the layer order below,
// so that each folder can be read, tested and replaced knowing only the folders beneath it.
//   node scripts/check-layers.mjs            check (exit 1 on any violation)
//   node scripts/check-layers.mjs --graph    also print the folder graph with import counts
// A folder is a direct child of src/ (src/protocol/generated counts as protocol); the files at the
// top of src/ (log.ts, file-watch.ts...) form the node "src".
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// Lowest first. A folder may import from its own layer and any layer below it; peers in one layer
// must still not form a cycle.
const LAYERS = [
  ['src'],
  ['protocol'],
  ['config', 'metrics', 'auth', 'acl'],
  ['audit'],
  ['proxy'],
  ['fleet'],
  ['demo'],
  ['cli'],
];

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) yield p;
  }
}

function folderOf(file) {
  const parts = relative(SRC, file).split(sep);
  return parts.length === 1 ? 'src' : parts[0];
}

function lineOf(text, index) {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Edges between folders, each with the places (file:line) that make it. */
function importGraph() {
  const edges = new Map();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const target = resolve(dirname(file), m[1]);
      if (!target.startsWith(SRC + sep)) continue;
      const to = folderOf(target);
      if (to === from) continue;
      const key = `${from} -> ${to}`;
      if (!edges.has(key)) edges.set(key, { from, to, at: [] });
      edges.get(key).at.push(`${relative(ROOT, file)}:${lineOf(text, m.index)}`);
    }
  }
  return [...edges.values()];
}

/** Strongly connected components of more than one folder (Tarjan). */
function cycles(edges) {
  const next = new Map();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, []);
    if (!next.has(e.to)) next.set(e.to, []);
    next.get(e.from).push(e.to);
  }
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    index.set(v, index.size);
    low.set(v, index.get(v));
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1) found.push(scc.sort());
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

function layerOf(folder) {
  const i = LAYERS.findIndex((l) => l.includes(folder));
  return i < 0 ? null : i;
}

function describe(e) {
  const more = e.at.length > 3 ? ` (+${e.at.length - 3} more)` : '';
  return `  ${e.from} -> ${e.to}: ${e.at.slice(0, 3).join(', ')}${more}`;
}

const edges = importGraph();
const problems = [];
const folders = new Set(edges.flatMap((e) => [e.from, e.to]));
for (const file of sourceFiles(SRC)) folders.add(folderOf(file));
for (const f of [...folders].sort()) {
  if (layerOf(f) === null) problems.push(`src/${f} has no layer: add it to LAYERS in scripts/check-layers.mjs`);
}
const upward = edges.filter(
  (e) => layerOf(e.from) !== null && layerOf(e.to) !== null && layerOf(e.to) > layerOf(e.from),
);
if (upward.length > 0) {
  problems.push(`imports against the layer order (${LAYERS.map((l) => l.join(', ')).join(' < ')}):`);
  for (const e of upward) problems.push(describe(e));
}
for (const scc of cycles(edges)) {
  problems.push(`import cycle between folders ${scc.join(', ')}:`);
  for (const e of edges.filter((x) => scc.includes(x.from) && scc.includes(x.to))) problems.push(describe(e));
}

if (process.argv.includes('--graph')) {
  for (const e of edges.sort((a, b) => `${a.from}${a.to}`.localeCompare(`${b.from}${b.to}`))) {
    console.log(`${e.from} -> ${e.to} (${e.at.length})`);
  }
}
if (problems.length > 0) {
  console.error(`check-layers: ${problems.filter((p) => !p.startsWith('  ')).length} problem(s)`);
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`check-layers: ${folders.size} folders, ${edges.length} edges, no cycle, layers respected`);
