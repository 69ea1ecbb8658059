import { NextResponse, type NextRequest } from "next/server";
import { config as appConfig } from "@/lib/config";
import { operationsAccess } from "@/lib/operations";

/** Only the operators' page passes through here: it asks for credentials the HTTP way. */
export function proxy(req: NextRequest) {
  const access = operationsAccess(appConfig(), req.headers.get("authorization"));
  if (access === "challenge") {
    return new NextResponse("Operators only.", {
      status: 401,
      headers: { "www-authenticate": 'Basic realm="Murmur operations", charset="UTF-8"' },
    });
  }
  return NextResponse.next();
}

export const config = { matcher: ["/operations"] };
