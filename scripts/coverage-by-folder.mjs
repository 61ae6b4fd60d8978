#!/usr/bin/env node
// Line coverage per src/ folder, from the json-summary report tap writes after a covered run
// (.tap/report/coverage-summary.json), and a floor on the folders whose code is pure logic and
// fully reachable from unit tests: protocol, auth and acl.
//
// Generated codecs (src/protocol/generated) get their own row and no floor: their coverage says
// which API versions the tests happen to exercise, not how well the hand-written decoding is
// tested, and 50,000 generated lines would drown the hand-written protocol code in the average.
//
// tap only reports files some test loaded; a src file no test loads counts here with all of its
// lines uncovered (c8 counts every source line, blank and comment lines included, trailing blank
// lines not), so that an untested module lowers its folder's figure instead of vanishing from it.
//
// Usage: node scripts/coverage-by-folder.mjs [--summary FILE] [--min PCT]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SRC = join(ROOT, 'src');
const GUARDED = ['protocol', 'auth', 'acl'];

function parseArgs(argv) {
  const opts = { summary: join(ROOT, '.tap', 'report', 'coverage-summary.json'), min: 90 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--summary') opts.summary = resolve(argv[++i]);
    else if (argv[i] === '--min') opts.min = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!Number.isFinite(opts.min)) throw new Error('--min needs a number');
  return opts;
}

/** The row a src file counts in: its first folder, with generated codecs apart. */
export function folderOf(file) {
  const parts = relative(SRC, file).split(sep);
  if (parts.length === 1) return '(top-level)';
  if (parts[0] === 'protocol' && parts[1] === 'generated') return 'protocol/generated';
  return parts[0];
}

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** How c8 counts the lines of a file it has no coverage for: every line up to the last non-blank one. */
function lineCount(file) {
  const text = readFileSync(file, 'utf8');
  return text
    .replace(/\n+$/u, '\n')
    .split(/(?<=\n)/u)
    .filter((l) => l.length > 0).length;
}

export function tally(summary, files) {
  const rows = new Map();
  const row = (name) => {
    if (!rows.has(name)) rows.set(name, { total: 0, covered: 0, files: 0, unloaded: 0 });
    return rows.get(name);
  };
  for (const file of files) {
    const r = row(folderOf(file));
    const s = summary[file];
    r.files++;
    if (s) {
      r.total += s.lines.total;
      r.covered += s.lines.covered;
    } else {
      r.total += lineCount(file);
      r.unloaded++;
    }
  }
  return rows;
}

const pct = (r) => (r.total === 0 ? 100 : (100 * r.covered) / r.total);

function print(rows, min) {
  const names = [...rows.keys()].sort();
  console.log('\nline coverage by src folder');
  console.log(`${'folder'.padEnd(20)}${'lines %'.padStart(9)}${'covered/total'.padStart(17)}  files (never loaded)`);
  for (const name of names) {
    const r = rows.get(name);
    const mark = GUARDED.includes(name) ? (pct(r) < min ? `  < ${min}% FAIL` : `  >= ${min}%`) : '';
    const counts = `${r.covered}/${r.total}`;
    console.log(
      `${name.padEnd(20)}${pct(r).toFixed(2).padStart(9)}${counts.padStart(17)}  ${r.files} (${r.unloaded})${mark}`,
    );
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(opts.summary)) {
    console.error(`no coverage summary at ${opts.summary}: run tap with coverage and the json-summary report`);
    process.exit(2);
  }
  const summary = JSON.parse(readFileSync(opts.summary, 'utf8'));
  const rows = tally(summary, sourceFiles(SRC));
  print(rows, opts.min);
  const low = GUARDED.filter((name) => rows.has(name) && pct(rows.get(name)) < opts.min);
  if (low.length > 0) {
    console.error(`line coverage under ${opts.min}% in src/${low.join(', src/')}`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
