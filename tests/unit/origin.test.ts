import { describe, expect, it } from "vitest";
import { appOrigins, checkWriteOrigin } from "@/lib/security/origin";

const local = { APP_URL: undefined, VERCEL_URL: undefined, VERCEL_BRANCH_URL: undefined, VERCEL_PROJECT_PRODUCTION_URL: undefined, PORT: undefined };
const h = (o: Record<string, string | undefined>) => new Headers(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined));

describe("the app's own origins", () => {
  it("on a local machine: both loopback names at the port served, nothing else", () => {
    expect([...appOrigins(local, "127.0.0.1:3206")].sort()).toEqual(["http://127.0.0.1:3206", "http://[::1]:3206", "http://localhost:3206"]);
    // A DNS-rebinding name pointing at 127.0.0.1 is not trusted without APP_URL.
    expect(appOrigins(local, "rebind.example:3206").size).toBe(0);
  });

  it("APP_URL and Vercel's variables name the deployment", () => {
    expect([...appOrigins({ ...local, APP_URL: "https://murmur.example.com/app" }, "evil.example")]).toEqual(["https://murmur.example.com"]);
    const vercel = { ...local, VERCEL_URL: "murmur-abc.vercel.app", VERCEL_PROJECT_PRODUCTION_URL: "murmur.example.com" };
    expect([...appOrigins(vercel, "localhost:3000")].sort()).toEqual(["https://murmur-abc.vercel.app", "https://murmur.example.com"]);
  });
});

describe("checkWriteOrigin", () => {
  const host = "127.0.0.1:3206";
  it("lets safe methods and non-browser clients through", () => {
    expect(checkWriteOrigin("GET", h({ host, origin: "http://evil.example", "sec-fetch-site": "cross-site" }), local).ok).toBe(true);
    expect(checkWriteOrigin("POST", h({ host }), local).ok).toBe(true);
  });

  it("accepts the app's own pages on either loopback name", () => {
    expect(checkWriteOrigin("POST", h({ host, origin: "http://127.0.0.1:3206", "sec-fetch-site": "same-origin" }), local).ok).toBe(true);
    expect(checkWriteOrigin("DELETE", h({ host, origin: "http://localhost:3206" }), local).ok).toBe(true);
  });

  it("refuses other origins, other local ports, opaque origins and cross-site fetch metadata", () => {
    for (const headers of [
      { host, origin: "http://evil.example" },
      { host, origin: "http://127.0.0.1:3207" },
      { host, origin: "null" },
      { host, "sec-fetch-site": "cross-site" },
      { host, "sec-fetch-site": "same-site", origin: "http://localhost:3206" },
    ]) {
      const v = checkWriteOrigin("POST", h(headers), local);
      expect(v.ok, JSON.stringify(headers)).toBe(false);
    }
    const v = checkWriteOrigin("PUT", h({ host: "murmur.example.com", origin: "https://murmur.example.com.evil.example" }), {
      ...local,
      APP_URL: "https://murmur.example.com",
    });
    expect(v).toMatchObject({ ok: false, message: expect.stringContaining("murmur.example.com.evil.example") });
  });
});
