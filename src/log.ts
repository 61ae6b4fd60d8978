import pino, { type Logger } from 'pino';

/** Paths whose values are secrets and must never reach a log line. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'authBytes',
  '*.authBytes',
  'token',
  '*.token',
  'config.auth',
];

/** The process logger: JSON lines on stdout (or a given destination), static messages with fields. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: 'kafka-warden',
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export type { Logger };
