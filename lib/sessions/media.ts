/**
 * Containers people record in; the real check is ffprobe in `prepare`, this only
 * turns away the obvious. No imports: the file picker in the browser reads it too.
 */
export const AUDIO_EXTENSIONS = [
  "mp3", "m4a", "mp4", "aac", "wav", "wave", "ogg", "oga", "opus", "webm", "flac",
  "mov", "mkv", "mpeg", "mpga", "amr", "3gp", "wma", "aif", "aiff", "caf",
] as const;

/** The file picker's `accept`: what the server takes, so the picker hides nothing it would accept. */
export const ACCEPT_ATTRIBUTE = ["audio/*", "video/*", ...AUDIO_EXTENSIONS.map((e) => `.${e}`)].join(",");
