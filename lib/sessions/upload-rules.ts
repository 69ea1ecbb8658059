import { z } from "zod";
import { AUDIO_EXTENSIONS } from "./media";
import { parseMediaType } from "./media-type";

const GENERIC_TYPES = new Set(["", "application/octet-stream", "binary/octet-stream"]);

export function extensionOf(fileName: string): string {
  const m = /\.([a-z0-9]+)$/i.exec(fileName);
  return m ? m[1]!.toLowerCase() : "";
}

/**
 * audio/* and video/* are accepted as declared (a screen recording has a
 * soundtrack); a generic type is judged by the extension, since browsers send
 * "" or octet-stream for .m4a and friends on some systems.
 */
export function isAcceptableMedia(fileName: string, contentType: string): boolean {
  const type = parseMediaType(contentType);
  if (type === null) return false;
  if (type.startsWith("audio/") || type.startsWith("video/")) return true;
  return GENERIC_TYPES.has(type) && (AUDIO_EXTENSIONS as readonly string[]).includes(extensionOf(fileName));
}

/** Control characters (NUL, CR, LF, …) in a name end up in headers, logs and file names: refused with 400. */
const CONTROL = /\p{Cc}/u;
const noControl = (s: string) => !CONTROL.test(s);
const CONTROL_MESSAGE = "must not contain control characters";

export const createSessionBody = z.object({
  fileName: z.string().refine(noControl, CONTROL_MESSAGE).pipe(z.string().trim().min(1, "is required").max(255)),
  fileSize: z.number().int().nonnegative(),
  contentType: z
    .string()
    .max(200)
    .refine(noControl, CONTROL_MESSAGE)
    .refine((t) => parseMediaType(t) !== null, 'must be a media type such as "audio/mpeg"')
    .default(""),
  title: z.string().refine(noControl, CONTROL_MESSAGE).pipe(z.string().trim().max(200)).optional(),
  language: z
    .string()
    .trim()
    .regex(/^[a-z]{2}(-[A-Za-z]{2})?$/, "must be a language code such as en or pt-BR")
    .optional(),
  deleteAfterAnalysis: z.boolean().default(false),
  /** Receives session.completed / session.failed (signed, Standard Webhooks). */
  webhookUrl: z.url({ protocol: /^https?$/, message: "must be an http:// or https:// URL" }).max(2000).optional(),
});
export type CreateSessionBody = z.infer<typeof createSessionBody>;

/** "team-sync_2024-05.m4a" → "team sync 2024 05" */
export function titleFromFileName(fileName: string): string {
  const stem = fileName.replace(/\.[^.]+$/, "").replace(/[_-]+/g, " ").trim();
  return stem.slice(0, 200) || "Untitled recording";
}
