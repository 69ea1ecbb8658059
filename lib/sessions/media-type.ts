/**
 * The content type we store and serve back. Whatever a client declares is
 * reduced to one of a fixed list of audio/video types, or
 * application/octet-stream: an upload can never come back as text/html (or
 * anything else a browser would render), whatever it contains.
 */
export const SERVABLE_MEDIA_TYPES = new Set([
  "audio/mpeg", "audio/mp3", "audio/mp4", "audio/x-m4a", "audio/m4a", "audio/aac", "audio/x-aac",
  "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/ogg", "audio/opus", "audio/webm",
  "audio/flac", "audio/x-flac", "audio/amr", "audio/3gpp", "audio/3gpp2", "audio/x-ms-wma",
  "audio/aiff", "audio/x-aiff", "audio/x-caf", "audio/basic",
  "video/mp4", "video/webm", "video/quicktime", "video/x-matroska", "video/mpeg", "video/3gpp", "video/ogg", "video/x-msvideo",
]);

export const OPAQUE_TYPE = "application/octet-stream";

/** RFC 9110 `type/subtype` with optional parameters; null for anything else ("audio/mpeg, text/html", CR/LF, spaces). */
const MEDIA_TYPE = /^([a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+)[ \t]*(;[ \t]*[a-z0-9!#$&^_.+-]+=("[^"\\\u0000-\u001f]*"|[a-z0-9!#$&^_.+-]+)[ \t]*)*$/i;

/** The bare type of a well-formed declaration ("" stays ""), or null when it is not a media type at all. */
export function parseMediaType(declared: string): string | null {
  // Only spaces and tabs are trimmed: a CR or LF anywhere makes it no media type.
  const trimmed = declared.replace(/^[ \t]+|[ \t]+$/g, "");
  if (trimmed === "") return "";
  const m = MEDIA_TYPE.exec(trimmed);
  return m ? m[1]!.toLowerCase() : null;
}

/** What is stored and served: a listed audio/video type, else application/octet-stream. */
export function servableType(declared: string | null | undefined): string {
  const type = parseMediaType(declared ?? "");
  return type && SERVABLE_MEDIA_TYPES.has(type) ? type : OPAQUE_TYPE;
}

/**
 * `inline` so the player can use it, with the name reduced to safe ASCII plus the
 * RFC 5987 UTF-8 form; no quote, backslash or control character reaches the header.
 */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\%;]/g, "_").slice(0, 150) || "recording";
  const utf8 = encodeURIComponent(fileName.slice(0, 150)).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `inline; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
