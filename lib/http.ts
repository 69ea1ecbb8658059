import { NextResponse } from "next/server";
import { z } from "zod";
import { config, ConfigError } from "@/lib/config";
import { checkWriteOrigin } from "@/lib/security/origin";
import { resolveOwner } from "@/lib/auth/owner";

/** An error a route handler turns into a JSON answer with its status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what = "Session") => new HttpError(404, "not_found", `${what} not found.`);

export function errorResponse(status: number, code: string, message: string, headers?: HeadersInit): NextResponse {
  return NextResponse.json({ error: { code, message } }, { status, headers });
}

/**
 * 403 for a state-changing request from another origin, before the handler runs, so a
 * refused request never creates or replaces an identity. handle() calls it for every
 * route; a route that cannot use handle() (the auth library's) calls it itself.
 */
export function assertSameOrigin(req: Request): void {
  const verdict = checkWriteOrigin(req.method, req.headers, config());
  if (!verdict.ok) throw new HttpError(403, "cross_site", verdict.message);
}

/**
 * Wraps a handler so every failure becomes a clear JSON error instead of an HTML page,
 * and so no state-changing request from another origin gets in.
 */
export function handle<A extends unknown[]>(fn: (...args: A) => Promise<Response>) {
  return async (...args: A): Promise<Response> => {
    try {
      if (args[0] instanceof Request) assertSameOrigin(args[0]);
      return await fn(...args);
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err.status, err.code, err.message);
      if (err instanceof ConfigError) {
        console.error(err.message);
        return errorResponse(500, "misconfigured", "The server is misconfigured; see its log.");
      }
      console.error("Unhandled error in route handler:", err);
      return errorResponse(500, "internal", "Something went wrong on our side. Please try again.");
    }
  };
}

/**
 * 415 unless the body is declared as JSON. Besides being honest HTTP, this shuts out
 * the cross-site `text/plain` form, which a browser may send without a preflight.
 */
export function requireJson(req: Request): void {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new HttpError(415, "unsupported_media_type", "Send the body as JSON, with Content-Type: application/json.");
  }
}

/** Validates a JSON body against a schema, with messages a developer can act on. */
export async function readJson<T extends z.ZodType>(req: Request, schema: T): Promise<z.infer<T>> {
  requireJson(req);
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new HttpError(400, "invalid_json", "The request body must be valid JSON.");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
    throw new HttpError(400, "invalid_request", detail);
  }
  return parsed.data;
}

/** Matches no session: what a caller without any identity owns. */
const NOBODY = "nobody:none";

/**
 * The owner of what this request touches: the signed-in user (session cookie or
 * `x-api-key`), else a visitor's anonymous user. Only `{create: true}` (making a
 * recording) turns a stranger into an anonymous user; reading creates nothing and
 * a stranger owns nothing, so every session is 404 to them.
 */
export async function currentOwner(opts: { create?: boolean } = {}): Promise<string> {
  return (await resolveOwner({ create: opts.create ?? false })) ?? NOBODY;
}

/** The signed-in owner, or null (a webhook from storage carries no identity). */
export async function signedInOwner(): Promise<string | null> {
  return resolveOwner({ create: false });
}

export const idParam = z.uuid({ message: "must be a session id (UUID)" });

/** Route params carry a session id; anything else is simply not found. */
export async function sessionIdFrom(params: Promise<{ id: string }>): Promise<string> {
  const { id } = await params;
  if (!idParam.safeParse(id).success) throw notFound();
  return id;
}
