import type { NextConfig } from "next";

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
  // The build checks what it ships; `npm run typecheck` (part of npm test) checks everything, tests included.
  typescript: { tsconfigPath: "tsconfig.next.json" },
  // Lets the e2e tests and the benchmarks build side by side without sharing one output folder.
  distDir: process.env.NEXT_DIST_DIR || ".next",
};

export default nextConfig;
