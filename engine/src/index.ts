import type { AddressInfo } from "node:net";
import path from "node:path";
import { configSchema, type EngineConfig, type EngineOptions } from "./config.js";
import { createHttpServer } from "./http.js";
import { Retention } from "./retention.js";
import { Scheduler } from "./scheduler.js";
import { Keys } from "./signing.js";
import { Store } from "./store.js";
import { type Logger, makeLogger } from "./util.js";

export type { EngineConfig, EngineOptions } from "./config.js";

export interface RunningEngine {
  url: string;
  port: number;
  config: EngineConfig;
  scheduler: Scheduler;
  store: Store;
  retention: Retention;
  stop(): Promise<void>;
}

/** Start an engine in-process (the CLI in main.ts is a thin wrapper around this). */
export async function startEngine(options: EngineOptions & { log?: Logger } = {}): Promise<RunningEngine> {
  const { log: customLog, ...rest } = options;
  const config = configSchema.parse(rest);
  const log = customLog ?? makeLogger(config.quiet);
  const keys = new Keys(config.signingKey, config.signingKeyFallback, config.eventKey);
  const store = new Store(path.resolve(config.dataDir));
  store.open();
  const scheduler = new Scheduler(store, {
    appUrls: config.appUrls,
    maxStepMs: config.maxStepMs,
    pollIntervalMs: config.pollIntervalMs,
    backoffBaseMs: config.backoffBaseMs,
    backoffMaxMs: config.backoffMaxMs,
    retryIntervalMs: Math.round(config.retryInterval * 1000),
    maxInFlight: config.maxInFlight,
    log,
    keys,
    appOutageMs: config.appOutageMs,
  });
  const server = createHttpServer(store, scheduler, Date.now(), { keys, host: config.host, allowedHosts: config.allowedHosts });
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (e) {
    store.close();
    await scheduler.stop();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host}:${port}`;
  scheduler.start();
  const retention = new Retention(store, {
    historyMs: config.historyMs,
    historyMaxRuns: config.historyMaxRuns,
    compactBytes: config.journalCompactBytes,
    log,
  });
  retention.start();
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    config,
    scheduler,
    store,
    retention,
    stop() {
      stopped ??= (async () => {
        retention.stop();
        await scheduler.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        store.close();
      })();
      return stopped;
    },
  };
}
