import path from "node:path";
import { defineConfig } from "@playwright/test";
import { E2E_OPERATIONS_TOKEN } from "./tests/e2e/operator";

/**
 * End-to-end: the production build (`next build` into .next-e2e) and the local
 * engine, on their own ports and a fresh data directory, driven by Debian's
 * Chromium. The engine's backoff is short so retry paths finish quickly.
 */
const APP_PORT = Number(process.env.E2E_APP_PORT ?? 3100);
const ENGINE_PORT = Number(process.env.E2E_ENGINE_PORT ?? 8388);
const DATA_DIR = path.resolve(".data/e2e");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "tests/e2e",
  timeout: 180_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [["list"]] : [["list"]],
  globalSetup: "./tests/e2e/global-setup.ts",
  use: {
    baseURL: `http://127.0.0.1:${APP_PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        // A synthetic microphone (a beep) for the recording test, without a permission prompt.
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
      ],
    },
    permissions: ["microphone"],
  },
  webServer: [
    {
      command: `rm -rf ${DATA_DIR} && next start -p ${APP_PORT} -H 127.0.0.1`,
      url: `http://127.0.0.1:${APP_PORT}/api/health`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      env: {
        NEXT_DIST_DIR: ".next-e2e",
        NEXT_TELEMETRY_DISABLED: "1",
        DATA_DIR,
        MOONSHINE_MODEL_DIR: path.resolve(".data/models/moonshine-tiny"),
        INNGEST_DEV: "1",
        INNGEST_BASE_URL: `http://127.0.0.1:${ENGINE_PORT}`,
        MAX_UPLOAD_BYTES: String(50 * 1024 * 1024),
        ADMIN_EMAILS: "admin@murmur.test",
        // /operations is closed without one; the accessibility spec visits it as an operator.
        OPERATIONS_TOKEN: E2E_OPERATIONS_TOKEN,
        // Completion webhooks to a receiver the operations spec starts on this machine.
        WEBHOOK_SECRET: "whsec_ZTJlLXdlYmhvb2stc2VjcmV0LTAxMjM0NTY3ODk=",
        WEBHOOK_ALLOW_PRIVATE: "true",
      },
    },
    {
      command: `rm -rf ${DATA_DIR}-engine && node --import tsx engine/src/main.ts --port ${ENGINE_PORT} --app-url http://127.0.0.1:${APP_PORT}/api/inngest --data-dir ${DATA_DIR}-engine --backoff-base-ms 300 --poll-interval-ms 2000`,
      url: `http://127.0.0.1:${ENGINE_PORT}/health`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "pipe",
    },
  ],
});
