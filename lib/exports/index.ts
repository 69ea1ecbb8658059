import { z } from "zod";
import type { SessionView } from "@/lib/sessions/view";
import { toMarkdown, toSrt, toText, toVtt } from "./formats";

export const exportFormat = z.enum(["srt", "vtt", "txt", "md", "json"]);
export type ExportFormat = z.infer<typeof exportFormat>;

const CONTENT_TYPES: Record<ExportFormat, string> = {
  srt: "application/x-subrip; charset=utf-8",
  vtt: "text/vtt; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  json: "application/json; charset=utf-8",
};

export interface ExportFile {
  body: string;
  contentType: string;
  fileName: string;
}

/** A file name that is safe in every file system and header: letters, digits, dot, dash, underscore. */
export function safeFileName(title: string, ext: string): string {
  const base = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+|[._]+$/g, "")
    .slice(0, 80);
  return `${base || "transcript"}.${ext}`;
}

/** `attachment; filename="…"` with the plain name and the UTF-8 original (RFC 6266). */
export function contentDisposition(title: string, fileName: string, ext: string): string {
  const utf8 = encodeURIComponent(`${title.slice(0, 120) || "transcript"}.${ext}`);
  return `attachment; filename="${fileName}"; filename*=UTF-8''${utf8}`;
}

/** The session's transcript (and analysis) in one format; undefined while there is no transcript. */
export function buildExport(view: SessionView, format: ExportFormat): ExportFile | undefined {
  const t = view.transcript;
  if (!t) return undefined;
  const fileName = safeFileName(view.title, format);
  const duration = view.durationSec ?? undefined;
  const body =
    format === "srt"
      ? toSrt(t.segments, duration)
      : format === "vtt"
        ? toVtt(t.segments, duration)
        : format === "txt"
          ? toText(t.segments)
          : format === "md"
            ? toMarkdown(view.title, t.segments, view.analysis)
            : `${JSON.stringify({ id: view.id, title: view.title, durationSec: view.durationSec, transcript: t, analysis: view.analysis }, null, 2)}\n`;
  return { body, contentType: CONTENT_TYPES[format], fileName };
}
