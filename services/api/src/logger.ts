import pino, { type Logger } from 'pino';

/** JSON logs on stdout only: the root filesystem is read-only. */
export function createLogger(level: string, command: string): Logger {
  return pino({
    level,
    base: { service: 'tasknote-api', command },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: ['req.headers.authorization'],
  });
}
