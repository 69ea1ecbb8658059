import type { NextConfig } from "next";

const dev = process.env.NODE_ENV === "development";
// Browsers upload straight to Vercel Blob when it is configured (client uploads).
const blobOrigins = process.env.BLOB_READ_WRITE_TOKEN ? " https://vercel.com https://*.blob.vercel-storage.com" : "";

/**
 * Pages: only this origin's scripts, styles, media and connections; never framed.
 * script-src keeps 'unsafe-inline' because the App Router streams its RSC payload in
 * inline <script> tags; a nonce would need every page rendered through the proxy with a
 * fresh value. Our pages render no user HTML (React escapes every string), and uploads are
 * served with a sandboxing CSP of their own (below), so inline script is the smaller risk.
 * Dev adds what Fast Refresh needs (eval, its WebSocket).
 */
const pageCsp = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self' data:",
  `connect-src 'self'${blobOrigins}${dev ? " ws: wss:" : ""}`,
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** API answers (recordings included) are data, never documents: nothing in them may run or be framed. */
const apiCsp = "default-src 'none'; frame-ancestors 'none'; sandbox";

const common = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), geolocation=(), microphone=(self)" },
];

const nextConfig: NextConfig = {
  // Native addons and WASM stay out of the bundle; they are loaded from node_modules at run time,
  // and only when selected (lib/providers.ts, db/client.ts).
  serverExternalPackages: [
    "@electric-sql/pglite",
    "sherpa-onnx-node",
    "sherpa-onnx-linux-x64",
    "@ffmpeg-installer/ffmpeg",
    "@ffprobe-installer/ffprobe",
    "pg",
  ],
  // Migrations are read from disk at start-up.
  outputFileTracingIncludes: {
    "/api/**": ["./db/migrations/**/*"],
    // ffmpeg/ffprobe are resolved at run time, so tracing cannot see them; ship the Linux builds with the steps.
    "/api/inngest": ["./node_modules/@ffmpeg-installer/linux-x64/**/*", "./node_modules/@ffprobe-installer/linux-x64/**/*"],
  },
  // What only the embedded default uses never ships to serverless functions: the local model and
  // its runtime, and PGlite (a deployment on Vercel must set DATABASE_URL, see lib/config.ts).
  // `next start` is unaffected: it loads from node_modules, not from the trace.
  outputFileTracingExcludes: {
    "*": [
      "./.data/**/*",
      "node_modules/sherpa-onnx-*/**/*",
      "node_modules/@electric-sql/pglite/**/*",
      "node_modules/@ffmpeg-installer/linux-ia32/**/*",
    ],
  },
  poweredByHeader: false,
  async headers() {
    return [
      { source: "/:path*", headers: [...common, { key: "Content-Security-Policy", value: pageCsp }] },
      // Later entries win for the same header: the API's stricter policy replaces the page one.
      { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: apiCsp }] },
    ];
  },
  // The build checks what it ships; `npm run typecheck` (part of npm test) checks everything, tests included.
  typescript: { tsconfigPath: "tsconfig.next.json" },
  // Lets the e2e tests and the benchmarks build side by side without sharing one output folder.
  distDir: process.env.NEXT_DIST_DIR || ".next",
};

export default nextConfig;
