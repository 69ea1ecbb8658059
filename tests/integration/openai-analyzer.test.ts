import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOpenAIAnalyzer, estimateTokens } from "@/lib/analysis/openai";
import type { AnalyzeInput } from "@/lib/analysis/types";
import { PermanentError, TransientError } from "@/lib/errors";
import { createOpenAIClient } from "@/lib/openai/client";
import { classifyOpenAIError } from "@/lib/openai/errors";
import type { TranscriptSegment } from "@/lib/transcription/types";
import { startFakeOpenAI, type ChatRequest, type FakeOpenAI } from "@/tests/support/fake-openai";
import { failure } from "../support/assertions";

let server: FakeOpenAI;
let client: OpenAI;

const MEETING: TranscriptSegment[] = [
  { start: 0, end: 4, text: "Welcome everyone, today we plan the spring release.", speaker: "A" },
  { start: 4, end: 9, text: "We decided to ship version two on Friday.", speaker: "B" },
  { start: 9, end: 14, text: "Anna will write the release notes by Thursday.", speaker: "A" },
  { start: 14, end: 17, text: "Who owns the marketing budget?", speaker: "B" },
];

function input(segments: TranscriptSegment[], language?: string): AnalyzeInput {
  return { segments, text: segments.map((s) => s.text).join(" "), durationSec: segments.at(-1)?.end ?? 0, ...(language ? { language } : {}) };
}

function systemOf(req: ChatRequest | undefined): string {
  const content = req?.messages.find((m) => m.role === "system")?.content;
  return typeof content === "string" ? content : "";
}

function userOf(req: ChatRequest | undefined): string {
  const content = req?.messages.find((m) => m.role === "user")?.content;
  return typeof content === "string" ? content : "";
}

beforeAll(async () => {
  server = await startFakeOpenAI();
  client = createOpenAIClient({ apiKey: server.apiKey, baseURL: server.baseURL, timeoutMs: 10_000 });
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(() => server.reset());

describe("OpenAI analyzer: structured output", () => {
  it("sends one strict json_schema request and maps the answer to Insights", async () => {
    const analyzer = createOpenAIAnalyzer({ client, model: "gpt-4o-mini" });
    expect(analyzer.name).toBe("openai:gpt-4o-mini");

    const insights = await analyzer.analyze(input(MEETING, "en"));

    expect(server.requestsTo("chat")).toHaveLength(1);
    const req = server.requests[0]?.json;
    expect(server.requests[0]?.status).toBe(200);
    expect(req?.model).toBe("gpt-4o-mini");
    expect(req?.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "transcript_analysis", strict: true } });
    // Timestamps and speakers reach the model, so it can say who and when.
    expect(userOf(req)).toContain("[00:09] A: Anna will write the release notes by Thursday.");

    expect(insights.provider).toBe("openai:gpt-4o-mini");
    expect(insights.summary).toBe("Welcome everyone, today we plan the spring release. We decided to ship version two on Friday.");
    expect(insights.decisions).toEqual(["We decided to ship version two on Friday."]);
    expect(insights.questions).toEqual(["Who owns the marketing budget?"]);
    expect(insights.keyPoints.length).toBeGreaterThan(0);
    expect(insights.topics.length).toBeGreaterThan(0);
    expect(insights.sentiment).toBe("neutral");
    expect(insights.language).toBe("en");
    // null "who"/"when" from the strict schema become absent keys, as the ActionItem type has them.
    expect(insights.actionItems.length).toBeGreaterThan(0);
    for (const item of insights.actionItems) {
      expect(Object.keys(item)).toEqual(["what"]);
    }
  });

  it("maps who and when when the model gives them", async () => {
    const custom = await startFakeOpenAI({
      respond: () =>
        JSON.stringify({
          summary: "Release planning.",
          keyPoints: ["Ship on Friday"],
          decisions: ["Ship version two on Friday"],
          actionItems: [{ who: "Anna", what: "Write the release notes", when: "Thursday" }, { who: null, what: "Find a budget owner", when: null }],
          topics: ["release"],
          questions: ["Who owns the marketing budget?"],
          sentiment: "positive",
          language: "en",
        }),
    });
    try {
      const c = createOpenAIClient({ apiKey: custom.apiKey, baseURL: custom.baseURL, timeoutMs: 10_000 });
      const insights = await createOpenAIAnalyzer({ client: c, model: "gpt-4.1-mini" }).analyze(input(MEETING));
      expect(insights).toEqual({
        provider: "openai:gpt-4.1-mini",
        summary: "Release planning.",
        keyPoints: ["Ship on Friday"],
        decisions: ["Ship version two on Friday"],
        actionItems: [{ who: "Anna", what: "Write the release notes", when: "Thursday" }, { what: "Find a budget owner" }],
        topics: ["release"],
        questions: ["Who owns the marketing budget?"],
        sentiment: "positive",
        language: "en",
      });
    } finally {
      await custom.stop();
    }
  });

  it("asks for the analysis in the transcript's language and passes the hint", async () => {
    const german: TranscriptSegment[] = [
      { start: 0, end: 3, text: "Wir haben beschlossen, am Freitag zu liefern." },
      { start: 3, end: 6, text: "Wer kümmert sich um das Budget?" },
    ];
    const insights = await createOpenAIAnalyzer({ client, model: "gpt-4o-mini" }).analyze(input(german, "de"));
    const system = systemOf(server.requests[0]?.json);
    expect(system).toContain('language is "de"');
    expect(system).toMatch(/never translated into English/);
    expect(insights.language).toBe("de");
    expect(insights.summary).toContain("Wir haben beschlossen");
  });

  it("without a detected language it asks for the transcript's own language and takes the model's answer", async () => {
    const insights = await createOpenAIAnalyzer({ client, model: "gpt-4o-mini" }).analyze(input(MEETING));
    expect(systemOf(server.requests[0]?.json)).toMatch(/not detected/);
    expect(insights.language).toBe("en");
  });

  it("an empty transcript costs no request", async () => {
    const insights = await createOpenAIAnalyzer({ client, model: "gpt-4o-mini" }).analyze({ segments: [], text: "  ", durationSec: 12 });
    expect(server.requests).toHaveLength(0);
    expect(insights).toMatchObject({ provider: "openai:gpt-4o-mini", summary: "", actionItems: [] });
  });

  it("the fake enforces strict-schema rules, which is why optional fields are nullable", async () => {
    const raw = await failure(
      client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
        response_format: {
          type: "json_schema",
          json_schema: { name: "x", strict: true, schema: { type: "object", properties: { who: { type: "string" } }, required: [], additionalProperties: false } },
        },
      }),
    );
    const err = classifyOpenAIError(raw, { model: "gpt-4o-mini", operation: "analysis" });
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/Missing 'who'/);
  });
});

describe("OpenAI analyzer: long transcripts", () => {
  function longMeeting(count: number): TranscriptSegment[] {
    return Array.from({ length: count }, (_, i) => ({
      start: i * 10,
      end: i * 10 + 9,
      text: `Item ${i + 1} of the agenda was discussed in detail by the whole team.`,
      speaker: i % 2 ? "B" : "A",
    }));
  }

  it("splits at segment boundaries, analyses each part, then combines once", async () => {
    const segments = longMeeting(60);
    const budget = 300;
    const analyzer = createOpenAIAnalyzer({ client, model: "gpt-4o-mini", maxInputTokens: budget });
    const insights = await analyzer.analyze(input(segments, "en"));

    const chats = server.requestsTo("chat");
    const parts = chats.filter((r) => /You analyse part \d+ of \d+/.test(systemOf(r.json)));
    const combines = chats.filter((r) => /analyses of consecutive parts/.test(systemOf(r.json)));
    expect(parts.length).toBeGreaterThan(1);
    expect(combines).toHaveLength(1);
    expect(chats).toHaveLength(parts.length + 1);
    // The combine comes last and sees every part.
    expect(chats.at(-1)).toBe(combines[0]);

    const seen = new Set<string>();
    for (const part of parts) {
      const text = userOf(part.json);
      const lines = text.split("\n").slice(1);
      // Within the budget, and no segment torn in two.
      expect(estimateTokens(lines.join("\n"))).toBeLessThanOrEqual(budget);
      for (const line of lines) {
        expect(line).toMatch(/^\[\d\d:\d\d\] [AB]: Item \d+ of the agenda was discussed in detail by the whole team\.$/);
        seen.add(line);
      }
      expect(systemOf(part.json)).toContain('language is "en"');
    }
    expect(seen.size).toBe(segments.length);

    const combineInput = userOf(combines[0]?.json);
    for (let i = 1; i <= parts.length; i++) expect(combineInput).toContain(`"part":${i}`);
    expect(insights.provider).toBe("openai:gpt-4o-mini");
    expect(insights.summary).not.toBe("");
  });

  it("combines in rounds when even the part analyses exceed the budget", async () => {
    const terse = await startFakeOpenAI({
      respond: (req) =>
        JSON.stringify({
          summary: `S${req.messages.length}`,
          keyPoints: [],
          decisions: [],
          actionItems: [],
          topics: [],
          questions: [],
          sentiment: "neutral",
          language: "en",
        }),
    });
    try {
      const c = createOpenAIClient({ apiKey: terse.apiKey, baseURL: terse.baseURL, timeoutMs: 10_000 });
      const insights = await createOpenAIAnalyzer({ client: c, model: "gpt-4o-mini", maxInputTokens: 80 }).analyze(input(longMeeting(40)));
      const chats = terse.requestsTo("chat");
      const parts = chats.filter((r) => /You analyse part/.test(systemOf(r.json)));
      const combines = chats.filter((r) => /analyses of consecutive parts/.test(systemOf(r.json)));
      expect(parts.length).toBeGreaterThan(4);
      expect(combines.length).toBeGreaterThan(1);
      expect(chats).toHaveLength(parts.length + combines.length);
      for (const r of combines) expect(estimateTokens(userOf(r.json).split("\n").slice(1).join("\n"))).toBeLessThanOrEqual(80);
      expect(chats.at(-1)).toBe(combines.at(-1));
      expect(insights.summary).toBe("S2");
    } finally {
      await terse.stop();
    }
  });

  it("a transcript inside the budget is one request", async () => {
    await createOpenAIAnalyzer({ client, model: "gpt-4o-mini", maxInputTokens: 100_000 }).analyze(input(longMeeting(60)));
    expect(server.requestsTo("chat")).toHaveLength(1);
  });

  it("a single segment longer than the budget is cut at whitespace", async () => {
    const monologue = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");
    await createOpenAIAnalyzer({ client, model: "gpt-4o-mini", maxInputTokens: 200 }).analyze(input([{ start: 0, end: 600, text: monologue }]));
    const parts = server.requestsTo("chat").filter((r) => /You analyse part/.test(systemOf(r.json)));
    expect(parts.length).toBeGreaterThan(1);
    const words = parts.flatMap((p) => userOf(p.json).split(/\s+/)).filter((w) => /^word\d+$/.test(w));
    // Every word once: cut between words, never inside one, nothing lost or repeated.
    expect(words).toHaveLength(400);
    expect(new Set(words).size).toBe(400);
  });
});

describe("OpenAI analyzer: failures", () => {
  const analyzer = () => createOpenAIAnalyzer({ client, model: "gpt-4o-mini" });

  it("invalid JSON from the server → TransientError", async () => {
    server.fault("chat", { kind: "content", content: '{"summary": "cut sh' });
    const err = await failure(analyzer().analyze(input(MEETING)));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/invalid JSON/);
  });

  it("JSON that misses the schema → TransientError naming the field", async () => {
    server.fault("chat", { kind: "content", content: JSON.stringify({ summary: "ok", sentiment: "ecstatic" }) });
    const err = await failure(analyzer().analyze(input(MEETING)));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/did not match the analysis schema/);
    expect((err as Error).message).toMatch(/keyPoints/);
  });

  it("a refusal → PermanentError", async () => {
    server.fault("chat", { kind: "refusal", refusal: "I can't help with that." });
    const err = await failure(analyzer().analyze(input(MEETING)));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/declined.*I can't help with that/);
  });

  it("429 → TransientError with retryAfterMs", async () => {
    server.fault("chat", { kind: "rate-limit", retryAfterSec: 20 });
    const err = await failure(analyzer().analyze(input(MEETING)));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(20_000);
    expect(server.requests).toHaveLength(1);
  });

  it("500 → TransientError; the retry succeeds", async () => {
    server.fault("chat", { kind: "server-error", status: 502 });
    expect(await failure(analyzer().analyze(input(MEETING)))).toBeInstanceOf(TransientError);
    expect((await analyzer().analyze(input(MEETING))).summary).not.toBe("");
  });

  it("a part failing during map fails the analysis as transient", async () => {
    server.fault("chat", { kind: "status", status: 200, body: { ok: true } }, { kind: "server-error" });
    const segments = Array.from({ length: 30 }, (_, i) => ({ start: i, end: i + 1, text: `Sentence number ${i} is here.` }));
    const err = await failure(createOpenAIAnalyzer({ client, model: "gpt-4o-mini", maxInputTokens: 60, concurrency: 1 }).analyze(input(segments)));
    // The first fault is a 200 without choices: an unusable answer, also worth a retry.
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/returned no answer/);
  });

  it("slow answer past the timeout → TransientError", async () => {
    server.fault("chat", { kind: "slow", delayMs: 3_000 });
    const slowClient = createOpenAIClient({ apiKey: server.apiKey, baseURL: server.baseURL, timeoutMs: 300 });
    const err = await failure(createOpenAIAnalyzer({ client: slowClient, model: "gpt-4o-mini" }).analyze(input(MEETING)));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/timed out/);
  });

  it("cut-off body → TransientError", async () => {
    server.fault("chat", { kind: "cut-off" });
    const err = await failure(analyzer().analyze(input(MEETING)));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/connection lost/);
  });

  it("wrong key → PermanentError mentioning OPENAI_API_KEY", async () => {
    const bad = createOpenAIClient({ apiKey: "sk-nope", baseURL: server.baseURL, timeoutMs: 5_000 });
    const err = await failure(createOpenAIAnalyzer({ client: bad, model: "gpt-4o-mini" }).analyze(input(MEETING)));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/OPENAI_API_KEY/);
  });

  it("unknown model → PermanentError naming it", async () => {
    const err = await failure(createOpenAIAnalyzer({ client, model: "gpt-9-ultra" }).analyze(input(MEETING)));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/^model gpt-9-ultra not available/);
  });
});
