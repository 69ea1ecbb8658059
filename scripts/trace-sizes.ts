/**
 * `npm run trace-sizes [-- <distDir>]` — the unzipped size of each route's traced
 * serverless function, from the .nft.json files a `next build` writes: the files
 * Vercel would ship with that route (its own code plus every traced dependency),
 * against its 250 MB limit. Also lists the largest packages of the biggest route.
 */
import fs from "node:fs";
import path from "node:path";

export interface RouteTrace {
  route: string;
  bytes: number;
  files: number;
  /** Bytes by npm package (or "app" for the build's own output), largest first. */
  packages: Array<{ name: string; bytes: number }>;
}

function nftFiles(appDir: string): string[] {
  if (!fs.existsSync(appDir)) return [];
  return fs
    .readdirSync(appDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /(route|page)\.js\.nft\.json$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

function packageOf(file: string): string {
  const i = file.lastIndexOf(`node_modules${path.sep}`);
  if (i < 0) return "app";
  const [a, b] = file.slice(i + "node_modules/".length).split(path.sep);
  return a?.startsWith("@") ? `${a}/${b}` : (a ?? "app");
}

export function traceSizes(distDir: string): RouteTrace[] {
  const appDir = path.join(distDir, "server", "app");
  const out: RouteTrace[] = [];
  for (const nft of nftFiles(appDir)) {
    const { files } = JSON.parse(fs.readFileSync(nft, "utf8")) as { files: string[] };
    const entry = nft.replace(/\.nft\.json$/, "");
    const seen = new Set<string>();
    const byPackage = new Map<string, number>();
    let bytes = 0;
    for (const f of [entry, ...files.map((f) => path.resolve(path.dirname(nft), f))]) {
      const real = fs.existsSync(f) ? fs.realpathSync(f) : f;
      if (seen.has(real)) continue;
      seen.add(real);
      const st = fs.statSync(real, { throwIfNoEntry: false });
      if (!st?.isFile()) continue;
      bytes += st.size;
      const pkg = packageOf(real);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + st.size);
    }
    const route = `/${path.relative(appDir, path.dirname(entry)).split(path.sep).join("/")}`.replace(/\/$/, "") || "/";
    const packages = [...byPackage].map(([name, b]) => ({ name, bytes: b })).sort((x, y) => y.bytes - x.bytes);
    out.push({ route, bytes, files: seen.size, packages });
  }
  return out.sort((a, b) => b.bytes - a.bytes);
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

export function formatTraceSizes(traces: RouteTrace[]): string[] {
  const lines = traces.map((t) => `${t.route.padEnd(36)} ${mb(t.bytes).padStart(9)}  (${t.files} files)`);
  const top = traces[0];
  if (top) lines.push(`largest in ${top.route}: ${top.packages.slice(0, 5).map((p) => `${p.name} ${mb(p.bytes)}`).join(", ")}`);
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dist = path.resolve(process.argv[2] ?? process.env.NEXT_DIST_DIR ?? ".next");
  const traces = traceSizes(dist);
  if (!traces.length) {
    console.error(`No traced routes under ${dist}/server/app: run \`npm run build\` first (or name the build folder).`);
    process.exit(1);
  }
  for (const l of formatTraceSizes(traces)) console.log(l);
}
