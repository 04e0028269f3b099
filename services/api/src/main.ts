// Entry point of the api image: `node dist/main.js serve|migrate|summary`.
import nodemailer from 'nodemailer';
import pino from 'pino';
import { ConfigError } from './env';
import { loadMigrateConfig, loadServeConfig, loadSummaryConfig } from './config';
import { createPool } from './db';
import { createLogger } from './logger';
import { migrate } from './migrate';
import { startServer } from './serve';
import { runDailySummary } from './summary';

const COMMANDS = ['serve', 'migrate', 'summary'] as const;
type Command = (typeof COMMANDS)[number];

async function serve(): Promise<void> {
  const config = loadServeConfig(process.env);
  const logger = createLogger(config.logLevel, 'serve');
  const server = await startServer(config, logger);
  // As PID 1 the process gets no default signal handlers, so these are the only way it stops.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      server.shutdown(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

async function runMigrate(): Promise<void> {
  const config = loadMigrateConfig(process.env);
  const logger = createLogger(config.logLevel, 'migrate');
  const pool = createPool(config.database, 'tasknote-migrate', 1);
  try {
    const result = await migrate(pool, logger);
    logger.info(result, result.applied.length === 0 ? 'schema is up to date' : 'migrations applied');
  } finally {
    await pool.end();
  }
}

async function summary(): Promise<void> {
  const config = loadSummaryConfig(process.env);
  const logger = createLogger(config.logLevel, 'summary');
  const pool = createPool(config.database, 'tasknote-summary', 2);
  const transport = nodemailer.createTransport({
    host: config.smtp.host,
    port: config.smtp.port,
    secure: config.smtp.port === 465,
    ...(config.smtp.auth ? { auth: config.smtp.auth } : {}),
  });
  try {
    const result = await runDailySummary({ pool, transport, from: config.smtp.from, timeZone: config.timeZone, logger });
    // A non-zero exit makes the Job retry; delivered users are skipped then.
    if (result.failed > 0) process.exitCode = 1;
  } finally {
    transport.close();
    await pool.end();
  }
}

async function main(argv: string[]): Promise<void> {
  const command = (argv[0] ?? 'serve') as Command;
  if (!COMMANDS.includes(command)) {
    throw new ConfigError(`unknown command '${argv[0]}'; use one of: ${COMMANDS.join(', ')}`);
  }
  const run: Record<Command, () => Promise<void>> = { serve, migrate: runMigrate, summary };
  await run[command]();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const logger = pino({ base: { service: 'tasknote-api' } });
  if (err instanceof ConfigError) logger.fatal(err.message);
  else logger.fatal({ err }, 'command failed');
  process.exit(1);
});
