import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

const SECRET_A = "a".repeat(16) + "-secret-number-one-for-tests";
const SECRET_B = "b".repeat(16) + "-secret-number-two-for-tests";

let dataDir: string;
const saved = { DATA_DIR: process.env.DATA_DIR, SESSION_SECRET: process.env.SESSION_SECRET };

beforeAll(async () => {
  dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), "murmur-identity-"));
});

afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

afterAll(async () => {
  vi.resetModules();
  const { resetConfigForTests } = await import("@/lib/config");
  resetConfigForTests();
  await fsp.rm(dataDir, { recursive: true, force: true });
});

/**
 * A fresh copy of lib/identity (it caches its secret for the life of the
 * process), as a server started with this environment would have it.
 */
async function identityWith(secret: string | undefined, dir = dataDir) {
  vi.resetModules();
  process.env.DATA_DIR = dir;
  if (secret === undefined) delete process.env.SESSION_SECRET;
  else process.env.SESSION_SECRET = secret;
  const { resetConfigForTests } = await import("@/lib/config");
  resetConfigForTests();
  return import("@/lib/identity");
}

const key = (s: string) => new TextEncoder().encode(s);

describe("owner tokens", () => {
  it("a token round-trips to its owner id", async () => {
    const id = await identityWith(SECRET_A);
    const { ownerId, token } = await id.issueOwnerToken();
    expect(ownerId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await id.verifyOwnerToken(token)).toBe(ownerId);

    const named = await id.issueOwnerToken("owner-123");
    expect(named.ownerId).toBe("owner-123");
    expect(await id.verifyOwnerToken(named.token)).toBe("owner-123");
  });

  it("two issued identities are different", async () => {
    const id = await identityWith(SECRET_A);
    const a = await id.issueOwnerToken();
    const b = await id.issueOwnerToken();
    expect(a.ownerId).not.toBe(b.ownerId);
    expect(await id.verifyOwnerToken(b.token)).toBe(b.ownerId);
  });

  it("a token signed with another secret is rejected", async () => {
    const other = await identityWith(SECRET_B);
    const { token } = await other.issueOwnerToken("owner-x");
    expect(await other.verifyOwnerToken(token)).toBe("owner-x");

    const id = await identityWith(SECRET_A);
    expect(await id.verifyOwnerToken(token)).toBeNull();
  });

  it("a tampered token is rejected", async () => {
    const id = await identityWith(SECRET_A);
    const { token } = await id.issueOwnerToken("victim");
    const [header, payload, signature] = token.split(".") as [string, string, string];

    // Swap the subject for someone else's while keeping the signature.
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: "attacker" })).toString("base64url");
    expect(await id.verifyOwnerToken(`${header}.${forged}.${signature}`)).toBeNull();

    // Flip one character of the signature.
    const flipped = signature.slice(0, 10) + (signature[10] === "A" ? "B" : "A") + signature.slice(11);
    expect(await id.verifyOwnerToken(`${header}.${payload}.${flipped}`)).toBeNull();

    // Strip the signature and claim alg "none".
    const none = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    expect(await id.verifyOwnerToken(`${none}.${payload}.`)).toBeNull();
  });

  it.each([["garbage", "not-a-token"], ["three dots", "a.b.c"], ["empty", ""], ["undefined", undefined]])(
    "%s gives null",
    async (_label, token) => {
      const id = await identityWith(SECRET_A);
      expect(await id.verifyOwnerToken(token)).toBeNull();
    },
  );

  it("a correctly signed token that is expired, from another issuer or without a subject is rejected", async () => {
    const id = await identityWith(SECRET_A);
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("old")
      .setIssuer("murmur")
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(key(SECRET_A));
    const foreign = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("x").setIssuer("other-app").sign(key(SECRET_A));
    const noSub = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setIssuer("murmur").sign(key(SECRET_A));
    const good = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("ok").setIssuer("murmur").sign(key(SECRET_A));

    expect(await id.verifyOwnerToken(expired)).toBeNull();
    expect(await id.verifyOwnerToken(foreign)).toBeNull();
    expect(await id.verifyOwnerToken(noSub)).toBeNull();
    // The control: the same construction with the right claims is accepted.
    expect(await id.verifyOwnerToken(good)).toBe("ok");
  });

  it("issued tokens last about a year", async () => {
    const id = await identityWith(SECRET_A);
    const { token } = await id.issueOwnerToken();
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as { iat: number; exp: number };
    expect(claims.exp - claims.iat).toBe(365 * 24 * 3600);
    expect(id.ownerCookieOptions).toMatchObject({ httpOnly: true, sameSite: "lax", path: "/", maxAge: 365 * 24 * 3600 });
  });
});

describe("development secret without SESSION_SECRET", () => {
  it("is generated once under DATA_DIR, private, and survives a restart", async () => {
    const dir = path.join(dataDir, "dev");
    const first = await identityWith(undefined, dir);
    const { ownerId, token } = await first.issueOwnerToken();

    const file = path.join(dir, "session-secret");
    const stat = await fsp.stat(file);
    expect(stat.mode & 0o777).toBe(0o600);
    expect((await fsp.readFile(file, "utf8")).trim()).toMatch(/^[0-9a-f]{64}$/);

    // A restarted server (fresh module) reads the same secret back.
    const restarted = await identityWith(undefined, dir);
    expect(await restarted.verifyOwnerToken(token)).toBe(ownerId);

    // A different data directory is a different secret.
    const elsewhere = await identityWith(undefined, path.join(dataDir, "dev2"));
    expect(await elsewhere.verifyOwnerToken(token)).toBeNull();
  });
});
