/**
 * `GET /metrics` (issue 14 item 5): Prometheus text format with prom-client, on a registry of
 * this app instance (two instances in one process do not share counters). Names:
 * - `yuqing_inbound_events_total{platform,outcome}`: events handled (`ok`), refused with a
 *   Chinese explanation (`refused`: usage, permission, not found) or failed (`failed`);
 * - `yuqing_outbox_messages{platform,state}`: rows `pending`, `retrying`, `sent`, `dead` now (read
 *   from PostgreSQL at scrape time, so every instance reports the shared queue);
 * - `yuqing_outbox_sent_total`, `_retried_total`, `_dead_total{platform}`: this instance's outcomes;
 * - `yuqing_delivery_latency_seconds{platform}`: row created → delivered;
 * - `yuqing_chase_lateness_seconds`: chase run start minus its planned time;
 * - `yuqing_rate_limit_waits_total{platform}`, `yuqing_outbox_merged_total{platform}`: a queue held
 *   back by its rate window, and rows folded into another message.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DeliveryMetrics } from './delivery/DeliveryWorker.js';
import type { OutboxStats } from './domain/outbox.js';

/** The app's metrics. */
export interface AppMetrics {
  registry: Registry;
  delivery: DeliveryMetrics;
  inbound(platform: string, outcome: 'ok' | 'refused' | 'failed'): void;
  chaseLateness(ms: number): void;
}

/** Creates the registry; `outboxStats` is read at each scrape. */
export function createMetrics(outboxStats: () => Promise<{ platforms: OutboxStats[] }>): AppMetrics {
  const registry = new Registry();
  const inbound = new Counter({
    name: 'yuqing_inbound_events_total',
    help: 'Inbound chat events by platform and outcome',
    labelNames: ['platform', 'outcome'],
    registers: [registry],
  });
  new Gauge({
    name: 'yuqing_outbox_messages',
    help: 'Outbox rows by platform and state (shared queue, read at scrape time)',
    labelNames: ['platform', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      const { platforms } = await outboxStats();
      for (const p of platforms)
        for (const state of ['pending', 'retrying', 'sent', 'dead'] as const)
          this.set({ platform: p.platform, state }, p[state]);
    },
  });
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['platform'], registers: [registry] });
  const sent = counter('yuqing_outbox_sent_total', 'Messages delivered by this instance');
  const retried = counter('yuqing_outbox_retried_total', 'Failed attempts that will be retried');
  const dead = counter('yuqing_outbox_dead_total', 'Messages moved to the dead letter');
  const waits = counter('yuqing_rate_limit_waits_total', 'Deliveries held back by a rate window');
  const merged = counter('yuqing_outbox_merged_total', 'Queued messages merged into another because of a rate limit');
  const latency = new Histogram({
    name: 'yuqing_delivery_latency_seconds',
    help: 'Outbox row created to delivered',
    labelNames: ['platform'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
    registers: [registry],
  });
  const lateness = new Histogram({
    name: 'yuqing_chase_lateness_seconds',
    help: 'Chase run start minus its planned time',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  return {
    registry,
    delivery: {
      sent: (platform, ms) => {
        sent.inc({ platform });
        latency.observe({ platform }, ms / 1000);
      },
      retried: (platform) => retried.inc({ platform }),
      dead: (platform) => dead.inc({ platform }),
      rateLimitWait: (platform) => waits.inc({ platform }),
      merged: (platform, n) => merged.inc({ platform }, n),
    },
    inbound: (platform, outcome) => inbound.inc({ platform, outcome }),
    chaseLateness: (ms) => lateness.observe(ms / 1000),
  };
}
