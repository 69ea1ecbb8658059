import { STOP_WORDS } from "@/lib/analysis/stopwords";
import { countWords, isQuestion } from "@/lib/analysis/text";
import type { ActionItem } from "@/lib/analysis/types";

/**
 * Decisions and action items: deliberately narrow phrase rules. They miss decisions
 * phrased any other way and say nothing about who "I" is; an LLM analyser does this
 * properly. What they return is a sentence somebody actually said.
 */

const DECISION_RE =
  /\b(?:decided|agreed|settled on|signed off|the decision is|final decision|we're going with|we are going with|we'll go with|we will go with|let's go with|going forward)\b/i;
// "we haven't decided", "not agreed yet", "if we decide": talk about a decision, not one.
const UNDECIDED_RE = /(?:n't|\bnot|\bnever|\byet to)\s+(?:\w+\s+){0,2}(?:decided|agreed|settled|signed off)\b/i;
const CONDITIONAL_BEFORE_RE = /\b(?:if|whether|once|until|unless)\b/i;

export function extractDecisions(sentences: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of sentences) {
    if (isQuestion(s) || countWords(s) < 4) continue;
    const m = DECISION_RE.exec(s);
    if (!m) continue;
    if (UNDECIDED_RE.test(s) || CONDITIONAL_BEFORE_RE.test(s.slice(0, m.index))) continue;
    out.push(s.trim());
  }
  return uniqueBy(out, (d) => d);
}

/** People repeat themselves (and recaps repeat decisions): list each item once, first mention kept. */
function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item).toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const DAY = "monday|tuesday|wednesday|thursday|friday|saturday|sunday";
const MONTH =
  "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";
const WHEN_RE = new RegExp(
  String.raw`\b(?:(?:by|before|until|till|on)\s+)?(?:` +
    String.raw`(?:this|next|the\s+coming)\s+(?:week|month|quarter|sprint|year|${DAY})` +
    String.raw`|(?:the\s+)?end\s+of\s+(?:the\s+)?(?:day|week|month|quarter|sprint|year)` +
    String.raw`|(?:${MONTH})\s+\d{1,2}(?:st|nd|rd|th)?` +
    String.raw`|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:${MONTH})` +
    String.raw`|\d{1,2}/\d{1,2}(?:/\d{2,4})?` +
    String.raw`|${DAY}|today|tomorrow|tonight|eod|eow` +
    String.raw`)\b`,
  "i",
);

/** A deadline or date in the sentence, as said ("by Friday", "next week", "end of the month"). */
export function extractWhen(sentence: string): string | undefined {
  const m = WHEN_RE.exec(sentence);
  return m ? m[0].replace(/^on\s+/i, "") : undefined;
}

const PRONOUN = "I|[Ww]e|[Yy]ou|[Hh]e|[Ss]he|[Tt]hey";
const NAME = String.raw`\p{Lu}\p{Ll}+(?:\s\p{Lu}\p{Ll}+)?`;
const MODAL = String.raw`(?:['’]ll|\s+will|\s+(?:is|are|am)\s+going\s+to|\s+should|\s+needs?\s+to|\s+(?:has|have)\s+to|\s+must)`;
// "I'll be honest", "we should see if", "you need to know": talk, not a task.
const NOT_A_TASK = String.raw`(?!(?:be|say|admit|bet|guess|think|know|feel|see|not|never)\b)`;
const SUBJECT_MODAL_RE = new RegExp(
  String.raw`(?:^|[\s,;:"“])(${PRONOUN}|${NAME})${MODAL}\s+(?:(?:probably|also|just|definitely|really|actually|then)\s+)?`,
  "gu",
);
const NOT_A_TASK_RE = new RegExp(`^${NOT_A_TASK}`, "i");
// "Let's get started", "let's move on": running the meeting, not work coming out of it.
const LETS_RE =
  /\blet['’]s\s+(?!(?:see|say|be|hope|just|not|get started|start|begin|move on|wrap up|kick off|dive in|jump in|recap|talk|go around)\b)(.+)$/i;
const TAGGED_OWNER_RE = new RegExp(String.raw`^(${NAME})\s+(?:to|will|should|needs? to)\s+(.+)$`, "u");
// "Sam, you'll update the plan": the person addressed is the owner.
const VOCATIVE_RE = new RegExp(String.raw`(?:^|[\s,;:])(\p{Lu}\p{Ll}+),\s*$`, "u");
const ACTION_ITEM_RE = /\baction items?\b\s*(?:is|for\s+\S+)?\s*[:,-]?\s*(.+)$/i;

function cleanWhat(s: string): string {
  return s.trim().replace(/[.!…,;:]+$/, "").trim();
}

function commitment(sentence: string): ActionItem | undefined {
  for (const m of sentence.matchAll(SUBJECT_MODAL_RE)) {
    // "Then Priya will…": sentence-initial capitals are not part of the name.
    const words = (m[1] ?? "").split(" ");
    while (words.length > 1 && STOP_WORDS.has((words[0] ?? "").toLowerCase())) words.shift();
    const subject = words.join(" ");
    const isPronoun = new RegExp(`^(?:${PRONOUN})$`).test(subject);
    // A capitalised "That"/"This"/"Everything" is not a name.
    if (!isPronoun && STOP_WORDS.has(subject.toLowerCase())) continue;
    const rest = sentence.slice(m.index + m[0].length);
    if (!NOT_A_TASK_RE.test(rest)) continue;
    const what = cleanWhat(rest);
    if (!what) continue;
    if (/^you$/i.test(subject)) {
      const addressed = VOCATIVE_RE.exec(sentence.slice(0, m.index + 1))?.[1];
      if (addressed && !STOP_WORDS.has(addressed.toLowerCase())) return { who: addressed, what };
    }
    return { who: subject === "I" ? "I" : isPronoun ? subject.toLowerCase() : subject, what };
  }
  return undefined;
}

/**
 * Commitments: "<name or pronoun> will / 'll / is going to / should / needs to /
 * has to <do something>", "let's <do something>" (who: "we"), and anything after
 * "action item". `who` is the name or pronoun as said; "I" and "you" are not
 * resolved to a person. `when` is a date or deadline phrase in the same sentence.
 * Questions and negated or hedged forms ("I'll be honest", "we should see if") are skipped.
 */
export function extractActionItems(sentences: readonly string[]): ActionItem[] {
  const out: ActionItem[] = [];
  for (const raw of sentences) {
    const s = raw.trim();
    if (isQuestion(s)) continue;
    let item: ActionItem | undefined;
    const tagged = ACTION_ITEM_RE.exec(s);
    if (tagged) {
      const rest = tagged[1] ?? "";
      const owned = TAGGED_OWNER_RE.exec(rest.trim());
      if (owned && !STOP_WORDS.has((owned[1] ?? "").toLowerCase()) && cleanWhat(owned[2] ?? "")) {
        item = { who: owned[1], what: cleanWhat(owned[2] ?? "") };
      } else {
        item = commitment(rest) ?? (cleanWhat(rest) ? { what: cleanWhat(rest) } : undefined);
      }
    }
    item ??= commitment(s);
    if (!item) {
      const lets = LETS_RE.exec(s);
      if (lets && cleanWhat(lets[1] ?? "")) item = { who: "we", what: cleanWhat(lets[1] ?? "") };
    }
    if (!item) continue;
    const when = extractWhen(s);
    out.push(when ? { ...item, when } : item);
  }
  return uniqueBy(out, (a) => `${a.who ?? ""} ${a.what}`);
}
