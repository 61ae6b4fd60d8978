// The environment for a process a test starts from src/ through tsx (`node --import tsx ...`).
// tap records coverage in every child process too (@tapjs/processinfo adds itself to each spawn);
// tsx compiles each module to one line, and tap's report merges that with the tests' own coverage
// of the same files, so that every file such a child loaded counts as a single line. Coverage is
// what the tests measure in their own processes: processinfo's own switch leaves the children out.
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0', NODE_V8_COVERAGE: undefined, ...extra };
}
