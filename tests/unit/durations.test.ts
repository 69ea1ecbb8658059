import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseDuration } from "@/lib/config";

describe("duration settings", () => {
  it("read 30s, 15m, 24h, 30d (and ms, decimals)", () => {
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("15m")).toBe(900_000);
    expect(parseDuration("24h")).toBe(86_400_000);
    expect(parseDuration("30d")).toBe(30 * 86_400_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    expect(parseDuration(" 2M ")).toBe(120_000);
  });

  it("refuse what is not a duration", () => {
    for (const bad of ["", "15", "m", "15 minutes", "-5m", "0s", "1w", "1e3s"]) expect(parseDuration(bad), bad).toBeUndefined();
  });

  it("have the documented defaults and name the variable in an error", () => {
    const c = loadConfig({});
    expect(c.STALE_RUN_AFTER).toBe(15 * 60_000);
    expect(c.UPLOAD_EXPIRES_AFTER).toBe(24 * 3_600_000);
    expect(c.AUTO_RECOVERY_ATTEMPTS).toBe(2);
    expect(c.AUDIO_RETENTION).toBeUndefined();
    expect(c.SESSION_RETENTION).toBeUndefined();
    expect(loadConfig({ AUDIO_RETENTION: "30d", SESSION_RETENTION: "90d" }).SESSION_RETENTION).toBe(90 * 86_400_000);
    expect(() => loadConfig({ STALE_RUN_AFTER: "fifteen" })).toThrow(ConfigError);
    expect(() => loadConfig({ STALE_RUN_AFTER: "fifteen" })).toThrow(/STALE_RUN_AFTER: must be a duration such as 30s, 15m, 24h or 30d/);
  });

  it("check the alert settings together", () => {
    expect(() => loadConfig({ ALERT_WEBHOOK_URL: "https://ops.example/hook" })).toThrow(/WEBHOOK_SECRET: is required/);
    expect(() => loadConfig({ SMTP_URL: "smtp://mail.example:25" })).toThrow(/ALERT_EMAIL_TO: is required/);
    expect(() => loadConfig({ ALERT_EMAIL_TO: "ops@example.com, not-an-address" })).toThrow(/ALERT_EMAIL_TO/);
    expect(loadConfig({ ALERT_EMAIL_TO: "a@example.com, b@example.com" }).ALERT_EMAIL_TO).toEqual(["a@example.com", "b@example.com"]);
    expect(() => loadConfig({ SWEEP_CRON: "every five minutes" })).toThrow(/SWEEP_CRON/);
    expect(loadConfig({ SWEEP_CRON: "@every 30s" }).SWEEP_CRON).toBe("@every 30s");
    expect(loadConfig({ SWEEP_CRON: "TZ=Europe/Paris 0 3 * * *" }).SWEEP_CRON).toBe("TZ=Europe/Paris 0 3 * * *");
  });
});
