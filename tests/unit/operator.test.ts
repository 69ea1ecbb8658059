import { describe, expect, it } from "vitest";
import { authorizeOperator, type RoleLookup } from "@/lib/auth/operator";

const TOKEN = "correct-horse-battery";
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
const h = (authorization?: string) => new Headers(authorization ? { authorization } : {});
const as = (role: string | null): RoleLookup => async () => ({ role });
const nobody: RoleLookup = async () => null;

describe("authorizeOperator", () => {
  it("accepts the token as a bearer token and as a Basic password", async () => {
    expect(await authorizeOperator(h(`Bearer ${TOKEN}`), { OPERATIONS_TOKEN: TOKEN }, nobody)).toEqual({ ok: true, via: "token" });
    expect(await authorizeOperator(h(basic("anyone", TOKEN)), { OPERATIONS_TOKEN: TOKEN }, nobody)).toEqual({ ok: true, via: "token" });
  });

  it("refuses a wrong, longer, empty or colon-split token with 401, even for an admin", async () => {
    for (const auth of [`Bearer wrong`, `Bearer ${TOKEN}x`, basic("ops", "wrong"), basic(TOKEN, ""), basic("", "pass:with:colons"), "Basic !!!"]) {
      expect(await authorizeOperator(h(auth), { OPERATIONS_TOKEN: TOKEN }, as("admin"))).toEqual({ ok: false, status: 401 });
    }
  });

  it("is closed without a token configured, whatever is presented", async () => {
    expect(await authorizeOperator(h(), { OPERATIONS_TOKEN: undefined }, nobody)).toEqual({ ok: false, status: 401 });
    expect(await authorizeOperator(h("Bearer "), { OPERATIONS_TOKEN: undefined }, nobody)).toEqual({ ok: false, status: 401 });
    expect(await authorizeOperator(h(`Bearer ${TOKEN}`), { OPERATIONS_TOKEN: undefined }, nobody)).toEqual({ ok: false, status: 401 });
  });

  it("lets admins in, turns other signed-in users away with 403 and strangers with 401", async () => {
    expect(await authorizeOperator(h(), { OPERATIONS_TOKEN: TOKEN }, as("admin"))).toEqual({ ok: true, via: "admin" });
    expect(await authorizeOperator(h(), { OPERATIONS_TOKEN: undefined }, as("user,admin"))).toEqual({ ok: true, via: "admin" });
    expect(await authorizeOperator(h(), { OPERATIONS_TOKEN: TOKEN }, as("user"))).toEqual({ ok: false, status: 403 });
    expect(await authorizeOperator(h(), { OPERATIONS_TOKEN: TOKEN }, as(null))).toEqual({ ok: false, status: 403 });
    expect(await authorizeOperator(h(), { OPERATIONS_TOKEN: TOKEN }, nobody)).toEqual({ ok: false, status: 401 });
  });
});
