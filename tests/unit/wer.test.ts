import { describe, expect, it } from "vitest";
import { editDistance, normalizeWords, wordErrorRate } from "@/lib/transcription/wer";

describe("normalizeWords", () => {
  it("ignores case, punctuation and hyphens", () => {
    expect(normalizeWords("And Mr. John Dashwood, ill-disposed!")).toEqual(["and", "mr", "john", "dashwood", "ill", "disposed"]);
  });
  it("joins contractions and keeps digits", () => {
    expect(normalizeWords("Don't pay 25 dollars")).toEqual(["dont", "pay", "25", "dollars"]);
  });
  it("returns nothing for blank or punctuation-only text", () => {
    expect(normalizeWords("  ... , !")).toEqual([]);
  });
});

describe("editDistance", () => {
  it("counts substitutions, insertions and deletions", () => {
    expect(editDistance(["a", "b", "c"], ["a", "x", "c"])).toBe(1);
    expect(editDistance(["a", "b", "c"], ["a", "c"])).toBe(1);
    expect(editDistance(["a", "c"], ["a", "b", "c"])).toBe(1);
    expect(editDistance([], ["a", "b"])).toBe(2);
    expect(editDistance(["a", "b"], [])).toBe(2);
  });
  it("is symmetric", () => {
    const a = "the cat sat on the mat".split(" ");
    const b = "a cat sat on mat today".split(" ");
    expect(editDistance(a, b)).toBe(editDistance(b, a));
    expect(editDistance(a, b)).toBe(3);
  });
});

describe("wordErrorRate", () => {
  it("is 0 for the same words written differently", () => {
    expect(wordErrorRate("He was not an ill disposed young man", "He was not an ill-disposed young man.")).toBe(0);
  });
  it("divides errors by the reference length", () => {
    expect(wordErrorRate("one two three four", "one too three four")).toBe(0.25);
    expect(wordErrorRate("one two three four", "one two")).toBe(0.5);
  });
  it("can exceed 1 when words are inserted", () => {
    expect(wordErrorRate("yes", "yes yes yes")).toBe(2);
  });
  it("handles empty references", () => {
    expect(wordErrorRate("", "")).toBe(0);
    expect(wordErrorRate("", "hello")).toBe(1);
    expect(wordErrorRate("hello", "")).toBe(1);
  });
});
