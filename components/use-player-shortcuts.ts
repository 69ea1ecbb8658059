"use client";

import { useEffect, type RefObject } from "react";

/** Where typing or a focused control owns the key, the shortcuts stay out of the way. */
function ownsKeys(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT", "BUTTON", "A", "AUDIO", "SUMMARY"].includes(el.tagName);
}

/** Space or K plays and pauses, ← and → (or J and L) jump 5 seconds. */
export function usePlayerShortcuts(audio: RefObject<HTMLAudioElement | null>) {
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      const a = audio.current;
      if (!a || e.altKey || e.ctrlKey || e.metaKey || ownsKeys(e.target)) return;
      const key = e.key.toLowerCase();
      if (key === " " || key === "k") {
        if (a.paused) void a.play().catch(() => {});
        else a.pause();
      } else if (key === "arrowleft" || key === "j") {
        a.currentTime = Math.max(0, a.currentTime - 5);
      } else if (key === "arrowright" || key === "l") {
        a.currentTime = Math.min(Number.isFinite(a.duration) ? a.duration : Infinity, a.currentTime + 5);
      } else {
        return;
      }
      e.preventDefault();
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [audio]);
}
