/**
 * Token revocations broadcast over Redis pub/sub, so that every replica forgets
 * its remembered tokens within milliseconds instead of the resolver's TTL.
 *
 * The bound, stated in docs/services.md: with Redis up, a revoked token stops
 * working on every replica as soon as the message arrives (well under a
 * second). While a replica's subscription is down it may have missed messages,
 * so on reconnecting it forgets everything; until then, and whenever Redis is
 * down, the resolver's TTL (10 s) is the bound. The revoking replica itself
 * never depends on Redis: it forgets before it answers.
 */
import Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from './metrics';

export const REVOCATION_CHANNEL = 'tasknote:token-revocations';

export interface RevocationBus {
  /** Tells the other replicas; never throws (the TTL is the fallback). */
  publish(tokenId: string): Promise<void>;
  close(): Promise<void>;
}

export interface RedisRevocationOptions {
  host: string;
  port: number;
  logger: Logger;
  metrics: Metrics;
  /** Called for each revocation heard, and after a reconnect (messages may have been missed). */
  onRevoked: () => void;
}

export function createRedisRevocations(options: RedisRevocationOptions): RevocationBus & { ready: Promise<void> } {
  const { logger, metrics, onRevoked } = options;
  const common = {
    host: options.host,
    port: options.port,
    connectTimeout: 1_000,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  };
  const publisher = new Redis({ ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 250 });
  const subscriber = new Redis({ ...common, autoResubscribe: false, maxRetriesPerRequest: null });
  publisher.on('error', () => undefined);
  subscriber.on('error', () => undefined);

  let subscribed = false;
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  subscriber.on('ready', () => {
    subscriber.subscribe(REVOCATION_CHANNEL).then(
      () => {
        if (subscribed) return;
        subscribed = true;
        // Revocations sent while this replica was not listening are lost: forget everything instead.
        onRevoked();
        logger.info('listening for token revocations');
        resolveReady();
      },
      (err: unknown) => logger.warn({ err: (err as Error).message }, 'subscribing to token revocations failed'),
    );
  });
  subscriber.on('close', () => {
    if (subscribed) logger.warn('token revocation channel lost; revoked tokens may work here for up to the cache TTL');
    subscribed = false;
  });
  subscriber.on('message', (channel: string) => {
    if (channel !== REVOCATION_CHANNEL) return;
    metrics.revocationBroadcasts.inc({ direction: 'received' });
    onRevoked();
  });

  return {
    ready,
    async publish(tokenId) {
      try {
        await publisher.publish(REVOCATION_CHANNEL, tokenId);
        metrics.revocationBroadcasts.inc({ direction: 'sent' });
      } catch (err) {
        metrics.revocationBroadcasts.inc({ direction: 'failed' });
        logger.warn(
          { err: (err as Error).message, tokenId },
          'broadcasting a token revocation failed; other replicas stop within the cache TTL',
        );
      }
    },
    async close() {
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}
