import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { composeAlert } from "@/lib/alerts/compose";
import type { AlertRow } from "@/db/schema";
import { signedHeaders } from "@/lib/webhooks/sign";
import { BlockedTargetError, checkTarget, isPublicAddress, redactUrl } from "@/lib/webhooks/target";

describe("webhook targets", () => {
  it("only public unicast addresses count as public", () => {
    for (const a of ["127.0.0.1", "10.0.0.8", "172.16.4.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1"]) {
      expect(isPublicAddress(a), a).toBe(false);
    }
    for (const a of ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:1.1.1.1"]) expect(isPublicAddress(a), a).toBe(true);
  });

  it("refuses loopback, private and link-local targets, names included, unless allowed", async () => {
    for (const url of ["http://127.0.0.1/", "http://localhost:3000/hook", "http://[::1]/", "http://10.2.3.4/", "http://169.254.169.254/latest/meta-data"]) {
      await expect(checkTarget(url, { allowPrivate: false }), url).rejects.toBeInstanceOf(BlockedTargetError);
    }
    await expect(checkTarget("http://localhost:3000/hook", { allowPrivate: true })).resolves.toBeInstanceOf(URL);
    await expect(checkTarget("ftp://example.com/", { allowPrivate: true })).rejects.toThrow(/http/);
    await expect(checkTarget("http://user:pw@example.com/", { allowPrivate: true })).rejects.toThrow(/credentials/);
  });

  it("shows a target without its query or Slack's secret path", () => {
    expect(redactUrl("https://example.com/hook?token=secret")).toBe("https://example.com/hook");
    expect(redactUrl("https://hooks.slack.com/services/T000/B000/XXXX")).toBe("https://hooks.slack.com/services/…");
  });
});

describe("signing and grouping", () => {
  const secret = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");

  it("signs so that a Standard Webhooks receiver verifies it", () => {
    const body = JSON.stringify({ type: "session.failed", data: { sessionId: "x" } });
    const headers = signedHeaders(secret, "msg_1", body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body + " ", headers)).toThrow();
  });

  const row = (id: number, type: AlertRow["type"], data: Record<string, unknown>): AlertRow => ({
    id, dedupeKey: `k${id}`, type, sessionId: String(data.sessionId ?? ""), stage: "transcribing", data, createdAt: new Date(), claimedAt: null, groupId: null,
  });

  it("sends one failure in the documented shape and a burst as one grouped message", () => {
    const one = composeAlert("g1", [row(1, "session.failed", { sessionId: "s1", title: "T", error: "boom", attempts: 4, stage: "transcribing", url: "u" })]);
    expect(one.payload).toEqual({ type: "session.failed", timestamp: expect.any(String), data: { sessionId: "s1", title: "T", error: "boom", attempts: 4, stage: "transcribing", url: "u" } });
    const many = composeAlert("g2", Array.from({ length: 30 }, (_, i) => row(i, "session.failed", { sessionId: `s${i}`, title: `T${i}` })));
    expect(many.payload.type).toBe("alerts.grouped");
    expect(many.payload.data).toMatchObject({ count: 30, truncated: true });
    expect((many.payload.data.alerts as unknown[]).length).toBe(20);
    expect(many.subject).toBe("Murmur: 30 alerts (30 × session.failed)");
    expect(many.text).toContain("and 10 more");
  });
});
