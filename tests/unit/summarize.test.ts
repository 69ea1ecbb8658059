import { describe, expect, it } from "vitest";
import { extractActionItems, extractDecisions, extractWhen } from "@/lib/analysis/commitments";
import { summarize, summaryLength } from "@/lib/analysis/summarize";
import { splitSentences } from "@/lib/analysis/text";

const MEETING = `Okay, um, let's get started. This is the weekly planning meeting for the mobile app launch. The main topic is the launch date, because the payment integration is behind schedule. Marcus, can you give us an update on the payment integration?

Sure. So, uh, the payment integration is about two weeks behind. The payment provider changed their API last month, and we had to rewrite the checkout flow. I mean, the new checkout flow is kind of better, but it took time. The remaining work is mostly testing the checkout flow on Android.

What kind of testing is left? Do you know how many devices we still need to cover?

We need to cover about twenty Android devices. Hmm, maybe fifteen if we drop the older tablets. It's, like, a week of testing, you know, if nothing breaks.

Okay. After a long discussion we decided to move the launch date to March 14th. That gives the team enough time to test the payment integration properly. Marcus will finish the checkout flow testing by Friday. Sam, you'll update the launch plan and tell marketing about the new launch date.

Sure, I'll update the launch plan today. Should we also delay the marketing campaign?

Yes, the marketing campaign should follow the launch date. Let's review the launch plan again next Tuesday. Action item: Dana to write the release notes for the app store. Any other questions?`;

describe("summarize on a meeting", () => {
  const result = summarize({ segments: [], text: MEETING });
  const sentences = splitSentences(MEETING);
  const position = (s: string): number => sentences.indexOf(s);

  it("picks whole sentences from the transcript, in transcript order", () => {
    expect(result.summarySentences.length).toBe(summaryLength(235));
    expect(result.summarySentences.length).toBe(2);
    for (const s of [...result.summarySentences, ...result.keyPoints]) expect(position(s)).toBeGreaterThanOrEqual(0);
    const order = result.summarySentences.map(position);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(result.summary).toBe(result.summarySentences.join(" "));
  });

  it("summarises with what the meeting was about, not the small talk", () => {
    expect(result.summarySentences[0]).toBe(
      "The main topic is the launch date, because the payment integration is behind schedule.",
    );
    expect(result.summary).toMatch(/launch/);
    expect(result.summary).not.toMatch(/get started|Any other questions/);
  });

  it("gives key points distinct from the summary, in order, with no questions", () => {
    expect(result.keyPoints.length).toBe(4);
    for (const k of result.keyPoints) {
      expect(result.summarySentences).not.toContain(k);
      expect(k.endsWith("?")).toBe(false);
    }
    const order = result.keyPoints.map(position);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("names topics from the repeated phrases and central words", () => {
    expect(result.topics.slice(0, 3)).toEqual(["launch date", "payment integration", "checkout flow"]);
    expect(result.topics.length).toBeLessThanOrEqual(6);
    for (const t of result.topics) expect(t).not.toMatch(/\b(the|um|like|know)\b/);
  });

  it("lists the questions as asked", () => {
    expect(result.questions).toEqual([
      "Marcus, can you give us an update on the payment integration?",
      "What kind of testing is left?",
      "Do you know how many devices we still need to cover?",
      "Should we also delay the marketing campaign?",
      "Any other questions?",
    ]);
  });

  it("finds the one decision", () => {
    expect(result.decisions).toEqual(["After a long discussion we decided to move the launch date to March 14th."]);
  });

  it("finds the action items with owner and deadline where said", () => {
    expect(result.actionItems).toEqual([
      { who: "we", what: "cover about twenty Android devices" },
      { who: "Marcus", what: "finish the checkout flow testing by Friday", when: "by Friday" },
      { who: "Sam", what: "update the launch plan and tell marketing about the new launch date" },
      { who: "I", what: "update the launch plan today", when: "today" },
      { who: "we", what: "review the launch plan again next Tuesday", when: "next Tuesday" },
      { who: "Dana", what: "write the release notes for the app store" },
    ]);
  });
});

describe("summary length", () => {
  it("scales from one sentence to five", () => {
    expect([50, 200, 800, 2000, 6000].map(summaryLength)).toEqual([1, 2, 3, 4, 5]);
  });

  it("gives one sentence for a short note", () => {
    const text =
      "Reminder to myself about the grant application. The grant application needs the budget table and two letters. Yeah.";
    const r = summarize({ segments: [], text });
    expect(r.summarySentences).toEqual(["The grant application needs the budget table and two letters."]);
    expect(r.keyPoints).toEqual(["Reminder to myself about the grant application."]);
  });
});

describe("transcripts without punctuation", () => {
  const segments = [
    { start: 0, end: 6, text: "so the database migration is planned for the weekend" },
    { start: 6, end: 12, text: "the database migration needs a backup first" },
    { start: 12, end: 18, text: "okay and lunch is at noon" },
    { start: 18, end: 24, text: "Priya will run the database backup on friday" },
  ];
  const text = segments.map((s) => s.text).join(" ");

  it("works from the segment boundaries", () => {
    const r = summarize({ segments, text });
    expect(segments.map((s) => s.text)).toContain(r.summarySentences[0]);
    expect(r.summary).toMatch(/database/);
    expect(r.questions).toEqual([]);
    expect(r.actionItems).toEqual([
      { who: "Priya", what: "run the database backup on friday", when: "friday" },
    ]);
  });
});

describe("decisions", () => {
  it("takes statements of a decision and skips talk about one", () => {
    expect(
      extractDecisions([
        "We agreed to drop the Windows build.",
        "We're going with Postgres for the new service.",
        "We haven't decided on the vendor yet.",
        "If we decided to move, it would cost a month.",
        "Have we decided?",
        "Agreed.",
        "The demo went well.",
      ]),
    ).toEqual(["We agreed to drop the Windows build.", "We're going with Postgres for the new service."]);
  });
});

describe("action items", () => {
  it("skips questions, negations, hedges and meeting logistics", () => {
    expect(
      extractActionItems([
        "I'll be honest, the numbers look bad.",
        "Can you send me the deck?",
        "We should not ship on Friday.",
        "Let's move on to the next topic.",
        "That will take a while.",
        "The report should include the churn numbers.",
        "We should see if it helps.",
      ]),
    ).toEqual([]);
  });

  it("takes owners from names, pronouns and 'action item' tags", () => {
    expect(
      extractActionItems([
        "Then Lena should probably email the landlord before the end of the month.",
        "Action item for Tom: book the venue.",
        "They need to renew the certificate by June 3rd.",
        "Let's schedule the retro for next week.",
      ]),
    ).toEqual([
      { who: "Lena", what: "email the landlord before the end of the month", when: "before the end of the month" },
      { what: "book the venue" },
      { who: "they", what: "renew the certificate by June 3rd", when: "by June 3rd" },
      { who: "we", what: "schedule the retro for next week", when: "next week" },
    ]);
  });

  it("reads dates as said", () => {
    expect(extractWhen("ship it by 3/14")).toBe("by 3/14");
    expect(extractWhen("on Monday we start")).toBe("Monday");
    expect(extractWhen("no date here, may be later")).toBeUndefined();
  });
});

describe("edge cases", () => {
  it("returns nothing for an empty transcript", () => {
    expect(summarize({ segments: [], text: "" })).toEqual({
      summary: "",
      summarySentences: [],
      keyPoints: [],
      topics: [],
      questions: [],
      decisions: [],
      actionItems: [],
    });
  });

  it("summarises other languages but leaves the English rules out", () => {
    const text =
      "El presupuesto del proyecto está listo. Vamos a revisar el presupuesto del proyecto mañana. ¿Quién trae el café? Decided nothing here.";
    const r = summarize({ segments: [], text, language: "es" });
    expect(r.summarySentences.length).toBe(1);
    expect(r.summary).toMatch(/presupuesto/);
    expect(r.questions).toEqual(["¿Quién trae el café?"]);
    expect(r.topics).toEqual([]);
    expect(r.decisions).toEqual([]);
    expect(r.actionItems).toEqual([]);
  });
});

describe("repeated statements", () => {
  it("lists a decision or action item said twice only once", () => {
    const said = [
      "We agreed to move the product launch to the second week of March.",
      "Anyway.",
      "We agreed to move the product launch to the second week of March!",
      "Sam will send the budget by Friday.",
      "Sam will send the budget by Friday.",
    ];
    expect(extractDecisions(said)).toEqual(["We agreed to move the product launch to the second week of March."]);
    expect(extractActionItems(said)).toHaveLength(1);
  });
});
