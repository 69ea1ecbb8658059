import { serve } from "inngest/next";
import { inngest } from "@/inngest/client";
import { functions } from "@/inngest/functions";
import { config } from "@/lib/config";
import { inngestServeOrigin } from "@/lib/security/origin";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";
// A step may transcribe a long chunk; Vercel Hobby allows 300 s, Pro up to 800 s (see README).
export const maxDuration = 300;

export const { GET, POST, PUT } = serve({ client: inngest, functions, serveOrigin: inngestServeOrigin(config()) });
