import { apiKey } from "@better-auth/api-key";
import { betterAuth } from "better-auth";
import { isAPIError } from "better-auth/api";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { nextCookies } from "better-auth/next-js";
import { admin, anonymous, genericOAuth } from "better-auth/plugins";
import { getDb, type Database } from "@/db/client";
import { authSchema } from "@/db/schema";
import { config, type Config } from "@/lib/config";
import { HttpError } from "@/lib/http";
import { serverSecret } from "@/lib/identity";
import { appHosts, appOrigins } from "@/lib/security/origin";
import { adoptLegacyOwner, deleteAllRecordings, moveRecordings } from "./recordings";

/**
 * Accounts (Better Auth): e-mail and password with nothing to reach, OAuth / OIDC
 * when configured, anonymous visitors who can upload at once and keep their
 * recordings when they sign up (onLinkAccount), operators as users with the
 * admin role, and API keys (`x-api-key`) that act as their owner's session.
 */
export function createAuth(db: Database, c: Config) {
  const adminEmails = new Set(c.adminEmails);
  const oidc = c.OIDC_DISCOVERY_URL && c.OIDC_CLIENT_ID && c.OIDC_CLIENT_SECRET;
  return betterAuth({
    appName: "Murmur",
    // Without APP_URL, the request's host when it is one of ours (loopback, Vercel's URLs), else loopback.
    baseURL: c.APP_URL ?? { allowedHosts: appHosts(c), protocol: "auto", fallback: `http://localhost:${c.PORT ?? 3000}` },
    secret: serverSecret(),
    database: drizzleAdapter(db, { provider: "pg", schema: authSchema }),
    telemetry: { enabled: false },
    emailAndPassword: { enabled: true, autoSignIn: true, minPasswordLength: 8, maxPasswordLength: 256 },
    socialProviders: {
      ...(c.GITHUB_CLIENT_ID && c.GITHUB_CLIENT_SECRET ? { github: { clientId: c.GITHUB_CLIENT_ID, clientSecret: c.GITHUB_CLIENT_SECRET } } : {}),
      ...(c.GOOGLE_CLIENT_ID && c.GOOGLE_CLIENT_SECRET ? { google: { clientId: c.GOOGLE_CLIENT_ID, clientSecret: c.GOOGLE_CLIENT_SECRET } } : {}),
    },
    // The same list the proxy enforces; Better Auth checks it again on its own routes and redirects.
    trustedOrigins: (request) => [...appOrigins(c, request?.headers.get("host") ?? null)],
    advanced: { useSecureCookies: c.secureCookies, cookiePrefix: "murmur" },
    session: { expiresIn: 60 * 60 * 24 * 30, updateAge: 60 * 60 * 24 },
    // Sign-in keeps Better Auth's 3 per 10 s per address against password guessing; creating
    // accounts is not a guessing attack, and a classroom or a test run behind one address
    // creates more than 3 in 10 s.
    rateLimit: { customRules: { "/sign-up/*": { window: 60, max: 30 } } },
    user: {
      deleteUser: {
        enabled: true,
        // An account goes with everything it recorded: rows, audio and chunks.
        beforeDelete: async (user) => {
          await deleteAllRecordings(user.id);
        },
      },
    },
    databaseHooks: {
      user: {
        create: {
          before: async (user) =>
            adminEmails.has(String(user.email).toLowerCase()) ? { data: { ...user, role: "admin" } } : undefined,
        },
      },
      session: {
        create: {
          // A browser that still holds a pre-accounts owner cookie brings its recordings to whoever signs in first.
          after: async (session, ctx) => {
            await adoptLegacyOwner(db, ctx?.headers ?? null, session.userId);
          },
        },
      },
    },
    plugins: [
      anonymous({
        // Signing up or in from an anonymous session: its recordings become the account's before the anonymous user goes.
        onLinkAccount: async ({ anonymousUser, newUser }) => {
          await moveRecordings(db, anonymousUser.user.id, newUser.user.id);
        },
      }),
      admin({ defaultRole: "user", adminRoles: ["admin"] }),
      apiKey({
        enableSessionForAPIKeys: true,
        defaultPrefix: "murmur_",
        // Scripts poll; the plugin's default (10 a day) would stop them at once.
        rateLimit: { enabled: true, timeWindow: 60_000, maxRequests: 600 },
      }),
      ...(oidc
        ? [
            genericOAuth({
              config: [
                {
                  providerId: "oidc",
                  discoveryUrl: c.OIDC_DISCOVERY_URL!,
                  clientId: c.OIDC_CLIENT_ID!,
                  clientSecret: c.OIDC_CLIENT_SECRET!,
                  scopes: ["openid", "email", "profile"],
                  pkce: true,
                },
              ],
            }),
          ]
        : []),
      // Last: lets auth.api calls in route handlers set their cookies through next/headers.
      nextCookies(),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;

const g = globalThis as typeof globalThis & { __murmurAuth?: Promise<Auth> };

/** The process-wide auth instance, on the process-wide database. */
export function getAuth(): Promise<Auth> {
  g.__murmurAuth ??= getDb()
    .then((db) => createAuth(db, config()))
    .catch((err: unknown) => {
      g.__murmurAuth = undefined;
      throw err;
    });
  return g.__murmurAuth;
}

/** Who is signed in (cookie or x-api-key); null for nobody. */
export async function getSignedIn(headers: Headers) {
  const auth = await getAuth();
  return auth.api.getSession({ headers }).catch((err: unknown) => {
    // A wrong, revoked or expired x-api-key is the caller's mistake, said as such (not a 500).
    if (isAPIError(err) && err.statusCode < 500) {
      const message = headers.get("x-api-key") ? "This API key is not valid: it may be mistyped, revoked or expired." : err.message;
      throw new HttpError(401, "unauthorized", message);
    }
    throw err;
  });
}
