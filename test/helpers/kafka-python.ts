// Runs test/helpers/kafka-python-client.py (Debian's python3-kafka 2.0.2, an independent client)
// with a plan of steps; resolves with its JSON result. The system Python is used on purpose:
// Debian's python3-kafka is installed for it, not for any other Python on the PATH.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { runJsonClient } from './json-client.js';

export const SYSTEM_PYTHON = '/usr/bin/python3';
const SCRIPT = join(PROJECT_ROOT, 'test', 'helpers', 'kafka-python-client.py');
export const haveKafkaPython = existsSync(SYSTEM_PYTHON) && existsSync('/usr/lib/python3/dist-packages/kafka');

export type Step =
  | { produce: { topic: string; values: string[]; keys?: string[] } }
  | { consume: { topic: string; group: string; count: number; timeoutMs?: number } }
  | { createAcl: Record<string, string> }
  | { describeAcls: Record<string, string> }
  | { deleteAcls: Record<string, string> };

export interface PythonResult {
  produced?: number;
  consumed?: string[];
  created?: number;
  createFailed?: string[];
  acls?: Array<Record<string, string>>;
  deleted?: number;
  error?: string;
}

export function kafkaPython(
  bootstrap: string,
  config: Record<string, unknown>,
  steps: Step[],
  timeoutMs = 90_000,
): Promise<PythonResult> {
  return runJsonClient<PythonResult>(SYSTEM_PYTHON, [SCRIPT, JSON.stringify({ bootstrap, config, steps })], timeoutMs);
}
