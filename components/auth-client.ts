"use client";
import { apiKeyClient } from "@better-auth/api-key/client";
import { adminClient, anonymousClient } from "better-auth/client/plugins";
import { createAuthClient } from "better-auth/react";

/** The browser side of lib/auth/server.ts, on this origin's /api/auth. */
export const authClient = createAuthClient({ plugins: [anonymousClient(), adminClient(), apiKeyClient()] });
