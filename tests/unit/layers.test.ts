/**
 * The layering rules of the developer guide, checked on the source so they stay
 * true: every import (static, re-export or dynamic) of every file is resolved to
 * a path in the repository and judged by the layer it comes from.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

interface Import {
  file: string;
  /** Repository-relative target for "@/…" and relative imports, else the package name. */
  target: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(file: string): Import[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = (m[3] ?? m[4])!;
    const target = spec.startsWith("@/")
      ? spec.slice(2)
      : spec.startsWith(".")
        ? path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec))
        : spec;
    out.push({ file, target, typeOnly: Boolean(m[2]) });
  }
  return out;
}

const all = (dir: string) => sourceFiles(dir).flatMap(importsOf);
const under = (target: string, dir: string) => target === dir || target.startsWith(`${dir}/`);
const show = (list: Import[]) => list.map((i) => `${i.file} → ${i.target}`);

describe("layers", () => {
  it("finds the imports it judges", () => {
    // A scanner that sees nothing would pass every rule below.
    expect(all("lib").some((i) => i.target === "db/queries")).toBe(true);
    expect(all("db").some((i) => i.target === "lib/config" && !i.typeOnly)).toBe(true);
    expect(all("inngest").some((i) => i.target === "lib/pipeline/steps")).toBe(true);
  });

  it("lib/ imports nothing from app/, components/ or inngest/functions/", () => {
    const bad = all("lib").filter((i) => ["app", "components", "inngest/functions"].some((d) => under(i.target, d)));
    expect(show(bad)).toEqual([]);
  });

  it("lib/ builds HTTP responses only in lib/http.ts", () => {
    const bad = all("lib").filter((i) => i.target === "next/server" && i.file !== "lib/http.ts");
    expect(show(bad)).toEqual([]);
  });

  it("inngest/ imports nothing from db/", () => {
    expect(show(all("inngest").filter((i) => under(i.target, "db")))).toEqual([]);
  });

  it("db/ imports from lib/ only types and the configuration", () => {
    const bad = all("db").filter((i) => under(i.target, "lib") && !i.typeOnly && i.target !== "lib/config");
    expect(show(bad)).toEqual([]);
  });
});
