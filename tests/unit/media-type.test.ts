import { describe, expect, it } from "vitest";
import { contentDisposition, parseMediaType, servableType } from "@/lib/sessions/media-type";
import { createSessionBody, isAcceptableMedia } from "@/lib/sessions/upload-rules";

describe("stored and served content types", () => {
  it("keeps listed audio/video types, without parameters", () => {
    expect(servableType("audio/mpeg")).toBe("audio/mpeg");
    expect(servableType("Audio/WebM;codecs=opus")).toBe("audio/webm");
    expect(servableType('video/mp4; codecs="avc1.42E01E, mp4a.40.2"')).toBe("video/mp4");
  });

  it("turns everything else into opaque bytes", () => {
    for (const t of ["text/html", "audio/mpeg, text/html", "audio/x-unknown", "image/svg+xml", "", "application/xhtml+xml", "audio/mpeg\r\nx: y"]) {
      expect(servableType(t), t).toBe("application/octet-stream");
    }
  });

  it("recognises only one well-formed media type", () => {
    expect(parseMediaType("audio/mpeg, text/html")).toBeNull();
    expect(parseMediaType("audio/mpeg\r\n")).toBeNull();
    expect(parseMediaType("audio mpeg")).toBeNull();
    expect(parseMediaType("")).toBe("");
    expect(isAcceptableMedia("x.mp3", "audio/mpeg, text/html")).toBe(false);
    expect(isAcceptableMedia("x.mp3", "application/octet-stream")).toBe(true);
  });

  it("writes a Content-Disposition no file name can break out of", () => {
    expect(contentDisposition("talk.mp3")).toBe(`inline; filename="talk.mp3"; filename*=UTF-8''talk.mp3`);
    const evil = contentDisposition('a";\r\nx-evil: 1 é.mp3');
    expect(evil).not.toMatch(/[\r\n]/);
    expect(evil).toMatch(/^inline; filename="a____x-evil: 1 _.mp3"; filename\*=UTF-8''a%22%3B%0D%0Ax-evil%3A%201%20%C3%A9.mp3$/);
  });
});

describe("names with control characters", () => {
  const base = { fileName: "talk.mp3", fileSize: 10, contentType: "audio/mpeg" };
  it("are refused, and normal names pass", () => {
    expect(createSessionBody.safeParse(base).success).toBe(true);
    for (const bad of [{ fileName: "a\u0000.mp3" }, { fileName: "a\r\n.mp3" }, { title: "t\u0007" }, { contentType: "audio/mpeg\u0000" }, { contentType: "audio/mpeg, text/html" }]) {
      const r = createSessionBody.safeParse({ ...base, ...bad });
      expect(r.success, JSON.stringify(bad)).toBe(false);
    }
  });
});
