#!/usr/bin/env node
// Makes Jazzer.js's prebuilt libFuzzer addon load on Debian 12 (glibc 2.36, GCC 12's libstdc++).
//
// @jazzer.js/fuzzer 4.0.0 ships one Linux x64 prebuilt, linked against glibc 2.38 and GCC 13's
// libstdc++; its C++ sources are not in the npm package, and building them would download a
// patched LLVM that this network cannot reach. The binary needs only three symbols that Debian 12
// lacks:
//   __isoc23_strtol@GLIBC_2.38, __isoc23_strtoul@GLIBC_2.38: glibc 2.38's C23 strtol/strtoul,
//     which differ from the classic ones only in also accepting a "0b" prefix with base 0 or 2
//     (libFuzzer parses its own -flag=N options with them);
//   std::ios_base_library_init()@GLIBCXX_3.4.32: a reference GCC 13's <iostream> emits so that
//     the library initialising std::cout is linked; nothing calls it (it has no relocation), and
//     Node, which links libstdc++ dynamically, has initialised the streams already.
// This writes a copy of the addon to build/jazzer/ in which the two strtol references name the
// classic strtol@GLIBC_2.2.5 and strtoul@GLIBC_2.2.5 (their dynamic-symbol names are pointed at
// the tails "strtol"/"strtoul" of the same strings), the iostream reference is unversioned, and the
// GLIBC_2.38 and GLIBCXX_3.4.32 version needs are marked weak (VER_FLG_WEAK), so that the dynamic
// loader no longer refuses the file. The node_modules copy is left as npm installed it;
// test/fuzz/support/jazzer-addon.cjs (loaded with --require) points Jazzer.js at the copy.
//
//   node scripts/jazzer-compat.mjs     exits 0 once the addon loads (patching it if needed)
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const original = join(
  dirname(require.resolve('@jazzer.js/fuzzer/package.json')),
  'prebuilds',
  `fuzzer-${process.platform}-${process.arch}.node`,
);
const PATCHED = join(root, 'build', 'jazzer', `fuzzer-${process.platform}-${process.arch}.node`);

function loads(file) {
  try {
    require(file);
    return null;
  } catch (e) {
    return e;
  }
}

const VER_FLG_WEAK = 2;
const SHT_DYNSYM = 11;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_GNU_VERSYM = 0x6fffffff;

/** Returns a patched copy of an ELF64 little-endian shared object (see the header comment). */
function patch(elf) {
  const b = Buffer.from(elf);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) throw new Error('not an ELF64 little-endian file');
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const sections = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    sections.push({
      type: b.readUInt32LE(o + 4),
      offset: Number(b.readBigUInt64LE(o + 0x18)),
      size: Number(b.readBigUInt64LE(o + 0x20)),
      link: b.readUInt32LE(o + 0x28),
      info: b.readUInt32LE(o + 0x2c),
      entsize: Number(b.readBigUInt64LE(o + 0x38)),
    });
  }
  const one = (type) => {
    const s = sections.filter((x) => x.type === type);
    if (s.length !== 1) throw new Error(`expected one section of type 0x${type.toString(16)}, found ${s.length}`);
    return s[0];
  };
  const dynsym = one(SHT_DYNSYM);
  const dynstr = sections[dynsym.link];
  const versym = one(SHT_GNU_VERSYM);
  const verneed = one(SHT_GNU_VERNEED);
  const str = (off) => {
    const start = dynstr.offset + off;
    return b.toString('latin1', start, b.indexOf(0, start));
  };

  // Version needs: version index -> { name, aux offset }.
  const versions = new Map();
  let vn = verneed.offset;
  for (let i = 0; i < verneed.info; i++) {
    const cnt = b.readUInt16LE(vn + 2);
    let aux = vn + b.readUInt32LE(vn + 8);
    // Elf64_Vernaux: hash u32, flags u16, other (the version index) u16, name u32, next u32.
    for (let j = 0; j < cnt; j++) {
      versions.set(b.readUInt16LE(aux + 6), { name: str(b.readUInt32LE(aux + 8)), aux });
      const next = b.readUInt32LE(aux + 12);
      if (next === 0) break;
      aux += next;
    }
    const next = b.readUInt32LE(vn + 12);
    if (next === 0) break;
    vn += next;
  }
  const indexOf = (name) => [...versions].find(([, v]) => v.name === name)?.[0];
  const glibc225 = indexOf('GLIBC_2.2.5');
  if (glibc225 === undefined) throw new Error('no GLIBC_2.2.5 version need');

  const renames = new Map([
    ['__isoc23_strtol', 'strtol'],
    ['__isoc23_strtoul', 'strtoul'],
  ]);
  const done = new Set();
  const count = dynsym.size / dynsym.entsize;
  for (let i = 0; i < count; i++) {
    const o = dynsym.offset + i * dynsym.entsize;
    const nameOff = b.readUInt32LE(o);
    const name = str(nameOff);
    const vo = versym.offset + i * 2;
    const ver = versions.get(b.readUInt16LE(vo) & 0x7fff)?.name;
    if (ver === 'GLIBC_2.38' && renames.has(name)) {
      const to = renames.get(name);
      b.writeUInt32LE(nameOff + name.length - to.length, o); // the tail of the same string
      b.writeUInt16LE(glibc225, vo);
      done.add(name);
    } else if (ver === 'GLIBCXX_3.4.32' && name === '_ZSt21ios_base_library_initv') {
      b.writeUInt16LE(1, vo); // unversioned (VER_NDX_GLOBAL)
      done.add(name);
    } else if (ver === 'GLIBC_2.38' || ver === 'GLIBCXX_3.4.32') {
      throw new Error(`unexpected symbol ${name}@${ver}: this patch does not know it`);
    }
  }
  for (const [, v] of versions) {
    if (v.name === 'GLIBC_2.38' || v.name === 'GLIBCXX_3.4.32')
      b.writeUInt16LE(b.readUInt16LE(v.aux + 4) | VER_FLG_WEAK, v.aux + 4);
  }
  return { patched: b, done };
}

const why = loads(original);
if (why === null) {
  console.error('jazzer-compat: the prebuilt Jazzer.js addon loads as installed');
  process.exit(0);
}
if (existsSync(PATCHED) && loads(PATCHED) === null) process.exit(0);
if (!/GLIBC_2\.38|GLIBCXX_3\.4\.32/.test(String(why.message))) {
  console.error(
    `jazzer-compat: the Jazzer.js addon does not load, for a reason this patch does not address: ${why.message}`,
  );
  process.exit(1);
}
const { patched, done } = patch(readFileSync(original));
mkdirSync(dirname(PATCHED), { recursive: true });
writeFileSync(PATCHED, patched);
const still = loads(PATCHED);
if (still !== null) {
  console.error(`jazzer-compat: the patched addon still does not load: ${still.message}`);
  process.exit(1);
}
console.error(
  `jazzer-compat: wrote ${PATCHED} (${[...done].join(', ')} adapted to glibc ${process.report?.getReport?.().header?.glibcVersionRuntime ?? '?'})`,
);
