import fs from "node:fs";
import path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { config } from "@/lib/config";

/**
 * Before accounts, each browser got an anonymous owner id in this signed
 * (HS256), httpOnly cookie. Accounts (lib/auth) replaced it; a valid one is
 * still read so that browser's recordings move to the first identity it gets
 * (lib/auth/recordings.ts), and none are issued any more. The secret also keys
 * the auth library.
 */
export const OWNER_COOKIE = "murmur_owner";
export const LEGACY_OWNER_COOKIE = OWNER_COOKIE;
const ISSUER = "murmur";
const ONE_YEAR_S = 365 * 24 * 3600;

let secretKey: Uint8Array | undefined;

/** SESSION_SECRET, or in development a random one kept under DATA_DIR so restarts keep identities. */
function secret(): Uint8Array {
  if (secretKey) return secretKey;
  const c = config();
  let value = c.SESSION_SECRET;
  if (!value) {
    const file = path.join(c.dataDir, "session-secret");
    try {
      value = fs.readFileSync(file, "utf8").trim();
    } catch {
      value = randomBytes(32).toString("hex");
      fs.mkdirSync(c.dataDir, { recursive: true });
      try {
        fs.writeFileSync(file, value, { mode: 0o600, flag: "wx" });
      } catch {
        // Another request won the race; use what it wrote.
        value = fs.readFileSync(file, "utf8").trim();
      }
    }
  }
  secretKey = new TextEncoder().encode(value);
  return secretKey;
}

/** The server's secret (SESSION_SECRET, or the one kept in DATA_DIR) for other signers. */
export function serverSecret(): string {
  return new TextDecoder().decode(secret());
}

export async function issueOwnerToken(ownerId: string = randomUUID()): Promise<{ ownerId: string; token: string }> {
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(ownerId)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(`${ONE_YEAR_S}s`)
    .sign(secret());
  return { ownerId, token };
}

/** The owner id inside a valid token, or null for anything forged, expired or malformed. */
export async function verifyOwnerToken(token: string | undefined): Promise<string | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, secret(), { issuer: ISSUER, algorithms: ["HS256"] });
    return typeof payload.sub === "string" && payload.sub ? payload.sub : null;
  } catch {
    return null;
  }
}

export const ownerCookieOptions = {
  httpOnly: true,
  sameSite: "lax" as const,
  path: "/",
  maxAge: ONE_YEAR_S,
  secure: process.env.NODE_ENV === "production" && process.env.VERCEL === "1",
};
