import { config } from "@/lib/config";
import { SessionList } from "@/components/session-list";
import { UploadForm } from "@/components/upload-form";

export const dynamic = "force-dynamic";

export default function HomePage() {
  const c = config();
  return (
    <div className="space-y-10">
      <section>
        <h1 className="text-3xl font-semibold tracking-tight">Turn a recording into a transcript</h1>
        <p className="mt-2 max-w-2xl text-stone-600">
          Upload a meeting, lecture, interview or practice session. You get an answer right away; the transcription and
          analysis run in the background, and this page shows their progress live.
        </p>
        <p className="mt-1 text-xs text-stone-500" data-testid="providers">
          Transcription: {c.TRANSCRIPTION_PROVIDER === "local" ? "local Moonshine model (English, on this machine)" : `OpenAI ${c.TRANSCRIPTION_MODEL}`} ·
          Analysis: {c.ANALYSIS_PROVIDER === "local" ? "local" : `OpenAI ${c.ANALYSIS_MODEL}`}
        </p>
      </section>
      <UploadForm maxBytes={c.MAX_UPLOAD_BYTES} englishOnly={c.TRANSCRIPTION_PROVIDER === "local"} />
      <section>
        <h2 className="mb-3 text-lg font-semibold">Your recordings</h2>
        <SessionList />
      </section>
    </div>
  );
}
