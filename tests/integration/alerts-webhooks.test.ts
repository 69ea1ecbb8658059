/**
 * Failure alerts and completion webhooks through the real engine: a failing session
 * reaches a Standard Webhooks receiver (verified with the `standardwebhooks` library),
 * a Slack-shaped receiver and a real SMTP server; a burst is grouped into one message;
 * a dead endpoint is retried without touching processing; a session's own webhookUrl
 * receives session.completed; private targets are refused.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleParser } from "mailparser";
import { Webhook } from "standardwebhooks";
import { ensureFixtures, type Fixtures } from "@/scripts/fixtures-lib";
import { type Harness, OWNER, startPipelineHarness, waitFor } from "../support/pipeline-harness";
import { startHttpReceiver, startSmtpReceiver } from "../support/receivers";

const MODEL_DIR = path.resolve(import.meta.dirname, "..", "..", ".data", "models", "moonshine-tiny");
const SECRET = "whsec_" + Buffer.from("murmur-test-secret-0123456789abcdef").toString("base64");

let h: Harness;
let fx: Fixtures;
let http: Awaited<ReturnType<typeof startHttpReceiver>>;
let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;

beforeAll(async () => {
  const { ensureLocalModel } = await import("@/scripts/setup-model");
  await ensureLocalModel(MODEL_DIR);
  fx = await ensureFixtures();
  http = await startHttpReceiver({ "/dead": 503, "/slow-then-ok": (n) => (n < 3 ? 500 : 200) });
  smtp = await startSmtpReceiver();
  h = await startPipelineHarness({
    env: {
      TRANSCRIPTION_PROVIDER: "local",
      ANALYSIS_PROVIDER: "local",
      MOONSHINE_MODEL_DIR: MODEL_DIR,
      ALERT_WEBHOOK_URL: http.url("/alert"),
      ALERT_SLACK_WEBHOOK_URL: http.url("/slack"),
      SMTP_URL: `${smtp.url}/?ignoreTLS=true`,
      ALERT_EMAIL_TO: "ops@murmur.test",
      ALERT_GROUP_WINDOW: "3s",
      ALERT_STEP_FAILURES: "3",
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_ALLOW_PRIVATE: "true",
      WEBHOOK_RETRIES: "3",
      APP_URL: "https://murmur.example",
    },
  });
}, 180_000);

afterAll(async () => {
  await h?.stop();
  await http?.close();
  await smtp?.close();
});

const parse = (body: string) => JSON.parse(body) as { type: string; timestamp: string; data: Record<string, unknown> };

describe("failure alerts", () => {
  it("a failed session is announced once on every channel: signed webhook, Slack, e-mail", async () => {
    const row = await h.createAndUpload(fx.bad.textAsMp3, { fileName: "quarterly.mp3", title: "Quarterly review" });
    const failed = await h.waitForStatus(row.id, ["failed", "completed"], 30_000);
    expect(failed.status).toBe("failed");

    const [alert] = await waitFor(() => (http.on("/alert").length ? http.on("/alert") : undefined), 30_000, "the alert webhook");
    // The receiver's own check: the library a customer would use, with the shared secret.
    const verified = new Webhook(SECRET).verify(alert!.body, alert!.headers as Record<string, string>) as ReturnType<typeof parse>;
    expect(verified.type).toBe("session.failed");
    expect(Date.parse(verified.timestamp)).toBeGreaterThan(Date.now() - 120_000);
    expect(verified.data).toMatchObject({
      sessionId: row.id,
      title: "Quarterly review",
      stage: "preparing",
      url: `https://murmur.example/sessions/${row.id}`,
    });
    expect(verified.data.error).toEqual(failed.error);
    expect(verified.data.attempts).toBeGreaterThanOrEqual(1);
    // A tampered body does not verify.
    expect(() => new Webhook(SECRET).verify(alert!.body.replace("Quarterly", "Monthly"), alert!.headers as Record<string, string>)).toThrow();

    const [slack] = await waitFor(() => (http.on("/slack").length ? http.on("/slack") : undefined), 30_000, "the Slack post");
    const slackBody = JSON.parse(slack!.body) as { text: string };
    expect(slack!.headers["content-type"]).toContain("application/json");
    expect(slackBody.text).toContain("Quarterly review");
    expect(slackBody.text).toContain(`https://murmur.example/sessions/${row.id}`);

    const mail = await waitFor(() => smtp.mails[0], 30_000, "the alert e-mail");
    expect(mail.to).toEqual(["ops@murmur.test"]);
    const parsed = await simpleParser(mail.raw);
    expect(parsed.subject).toBe('Murmur: "Quarterly review" failed');
    expect(parsed.text).toContain(`https://murmur.example/sessions/${row.id}`);
    expect(parsed.headers.get("x-murmur-alert")).toBe("session.failed");

    const { recentDeliveries } = await import("@/db/operations");
    const log = await recentDeliveries(h.db);
    expect(log.filter((d) => d.kind === "alert" && d.ok).map((d) => d.channel).sort()).toEqual(["email", "slack", "webhook"]);
  }, 90_000);

  it("a burst of failures is one message per channel, and a step failing across sessions is named", async () => {
    const before = { alert: http.on("/alert").length, slack: http.on("/slack").length, mail: smtp.mails.length };
    const rows = await Promise.all(
      [1, 2, 3].map((i) => h.createAndUpload(fx.bad.textAsMp3, { fileName: `burst-${i}.mp3`, title: `Burst ${i}` })),
    );
    for (const r of rows) await h.waitForStatus(r.id, ["failed"], 30_000);

    await waitFor(() => http.on("/alert").length > before.alert, 30_000, "the grouped alert");
    // Give stragglers time to show up: any second message would arrive within another window.
    await new Promise((r) => setTimeout(r, 5000));
    const alerts = http.on("/alert").slice(before.alert);
    expect(alerts).toHaveLength(1);
    const grouped = new Webhook(SECRET).verify(alerts[0]!.body, alerts[0]!.headers as Record<string, string>) as {
      type: string;
      data: { count: number; alerts: Array<{ type: string; sessionId?: string; stage?: string }> };
    };
    expect(grouped.type).toBe("alerts.grouped");
    const failedIds = grouped.data.alerts.filter((a) => a.type === "session.failed").map((a) => a.sessionId);
    expect(failedIds.sort()).toEqual(rows.map((r) => r.id).sort());
    // With the first test's failure, "preparing" has now failed for 4 sessions within the hour (threshold 3).
    expect(grouped.data.alerts.find((a) => a.type === "step.failing")).toMatchObject({ stage: "preparing" });
    expect(http.on("/slack").length - before.slack).toBe(1);
    expect(smtp.mails.length - before.mail).toBe(1);
  }, 90_000);
});

describe("completion webhooks", () => {
  it("a session's webhookUrl receives session.completed, signed, with word count and duration", async () => {
    const row = await h.createAndUpload(fx.librivox.mp3, { webhookUrl: http.url("/hook?token=abc") });
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 90_000);
    expect(done.status).toBe("completed");
    const [hook] = await waitFor(() => (http.on("/hook").length ? http.on("/hook") : undefined), 30_000, "the completion webhook");
    const payload = new Webhook(SECRET).verify(hook!.body, hook!.headers as Record<string, string>) as ReturnType<typeof parse>;
    expect(payload.type).toBe("session.completed");
    expect(payload.data.sessionId).toBe(row.id);
    expect(payload.data.wordCount).toBeGreaterThan(20);
    expect(payload.data.durationSec).toBeCloseTo(done.durationSec!, 1);

    const view = await h.detail(row.id);
    expect(view.webhook?.url).toBe(http.url("/hook")); // the query (a token) is not shown back
    expect(view.webhook?.deliveries).toEqual([expect.objectContaining({ event: "session.completed", attempt: 1, ok: true, statusCode: 200 })]);
  }, 120_000);

  it("a dead endpoint is retried with backoff and processing is unaffected", async () => {
    const row = await h.createAndUpload(fx.espeak.path, { webhookUrl: http.url("/dead") });
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 90_000);
    expect(done.status).toBe("completed");
    expect(done.error).toBeNull();
    // WEBHOOK_RETRIES=3: four attempts, each logged on the session, then the delivery run fails.
    const view = await waitFor(async () => {
      const v = await h.detail(row.id);
      return (v.webhook?.deliveries.length ?? 0) >= 4 ? v : undefined;
    }, 60_000, "four delivery attempts");
    expect(view.webhook!.deliveries.map((d) => [d.attempt, d.ok, d.statusCode])).toEqual([
      [1, false, 503],
      [2, false, 503],
      [3, false, 503],
      [4, false, 503],
    ]);
    const times = http.on("/dead").map((r) => r.at);
    expect(times).toHaveLength(4);
    expect(times[3]! - times[2]!).toBeGreaterThan(times[1]! - times[0]!); // backoff grows
    // The delivery run gives up after its last attempt; the session is untouched by it.
    await waitFor(async () => {
      const { runs } = await h.engineApi<{ runs: Array<{ status: string }> }>(`/api/runs?function=deliver-webhook&limit=50`);
      return runs.some((r) => r.status === "failed");
    }, 15_000, "the delivery run to give up");
    expect((await h.session(row.id)).status).toBe("completed");
  }, 120_000);

  it("a private or loopback target is refused when the session is created and again at delivery", async () => {
    const { resetConfigForTests } = h.app.config;
    process.env.WEBHOOK_ALLOW_PRIVATE = "false";
    resetConfigForTests();
    try {
      for (const url of ["http://127.0.0.1:9/x", "http://localhost/x", "http://10.1.2.3/x", "http://[::1]/x", "http://169.254.169.254/latest"]) {
        const body = h.app.service.createSessionBody.parse({ fileName: "a.wav", fileSize: 10, webhookUrl: url });
        await expect(h.app.service.createSession(h.deps, OWNER, body), url).rejects.toMatchObject({ status: 400, code: "webhook_refused" });
      }
    } finally {
      process.env.WEBHOOK_ALLOW_PRIVATE = "true";
      resetConfigForTests();
    }

    // Accepted while private targets were allowed, refused when the time comes to deliver.
    const row = await h.createAndUpload(fx.espeak.path, { webhookUrl: http.url("/late-refusal") });
    process.env.WEBHOOK_ALLOW_PRIVATE = "false";
    resetConfigForTests();
    try {
      await h.waitForStatus(row.id, ["completed"], 90_000);
      const view = await waitFor(async () => {
        const v = await h.detail(row.id);
        return v.webhook?.deliveries.length ? v : undefined;
      }, 30_000, "the refused delivery");
      expect(view.webhook!.deliveries).toHaveLength(1); // refused is final: not retried
      expect(view.webhook!.deliveries[0]!.error).toMatch(/loopback or private/);
      expect(http.on("/late-refusal")).toHaveLength(0);
    } finally {
      process.env.WEBHOOK_ALLOW_PRIVATE = "true";
      resetConfigForTests();
    }
  }, 120_000);
});
