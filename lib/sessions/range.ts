import type { ByteRange } from "@/lib/storage/types";

/**
 * Parses a single-range `Range: bytes=…` header (what audio elements send).
 * Returns undefined for no header or a form we don't serve (multiple ranges,
 * other units): the whole file is then the right answer. "unsatisfiable"
 * means the range lies outside the file (416).
 */
export function parseRange(header: string | null, size: number): ByteRange | undefined | "unsatisfiable" {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    // "bytes=-500": the last 500 bytes.
    const n = Number(m[2]);
    if (n === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}
