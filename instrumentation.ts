/** Runs once when the server starts: clear what a killed predecessor left (ffmpeg children, prepare folders). */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { reapLeftovers } = await import("@/lib/audio/leftovers");
  const { killed, removed } = await reapLeftovers().catch((err: unknown) => {
    console.warn("could not clear leftovers of an earlier run:", err);
    return { killed: 0, removed: 0 };
  });
  if (killed || removed) console.log(`murmur: stopped ${killed} leftover ffmpeg process(es), removed ${removed} temp item(s) of interrupted prepares`);
}
