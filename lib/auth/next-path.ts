/** Where to go after signing in: only a path on this site, never another origin (`//evil.example`, `/\\evil`). */
export function safeNextPath(next: string | undefined | null, fallback = "/"): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\") || /[\u0000-\u001f]/.test(next)) return fallback;
  return next;
}
