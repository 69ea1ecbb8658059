/**
 * whisper-1's verbose_json names the language in English words ("english"), while the app
 * stores ISO-639-1 codes. This is Whisper's own language table (openai/whisper
 * tokenizer.py), plus the aliases it accepts.
 */
const WHISPER_LANGUAGES: Record<string, string> = {
  english: "en", chinese: "zh", german: "de", spanish: "es", russian: "ru", korean: "ko", french: "fr",
  japanese: "ja", portuguese: "pt", turkish: "tr", polish: "pl", catalan: "ca", dutch: "nl", arabic: "ar",
  swedish: "sv", italian: "it", indonesian: "id", hindi: "hi", finnish: "fi", vietnamese: "vi", hebrew: "he",
  ukrainian: "uk", greek: "el", malay: "ms", czech: "cs", romanian: "ro", danish: "da", hungarian: "hu",
  tamil: "ta", norwegian: "no", thai: "th", urdu: "ur", croatian: "hr", bulgarian: "bg", lithuanian: "lt",
  latin: "la", maori: "mi", malayalam: "ml", welsh: "cy", slovak: "sk", telugu: "te", persian: "fa",
  latvian: "lv", bengali: "bn", serbian: "sr", azerbaijani: "az", slovenian: "sl", kannada: "kn",
  estonian: "et", macedonian: "mk", breton: "br", basque: "eu", icelandic: "is", armenian: "hy", nepali: "ne",
  mongolian: "mn", bosnian: "bs", kazakh: "kk", albanian: "sq", swahili: "sw", galician: "gl", marathi: "mr",
  punjabi: "pa", sinhala: "si", khmer: "km", shona: "sn", yoruba: "yo", somali: "so", afrikaans: "af",
  occitan: "oc", georgian: "ka", belarusian: "be", tajik: "tg", sindhi: "sd", gujarati: "gu", amharic: "am",
  yiddish: "yi", lao: "lo", uzbek: "uz", faroese: "fo", "haitian creole": "ht", pashto: "ps", turkmen: "tk",
  nynorsk: "nn", maltese: "mt", sanskrit: "sa", luxembourgish: "lb", myanmar: "my", tibetan: "bo",
  tagalog: "tl", malagasy: "mg", assamese: "as", tatar: "tt", hawaiian: "haw", lingala: "ln", hausa: "ha",
  bashkir: "ba", javanese: "jv", sundanese: "su", cantonese: "yue",
  // Aliases Whisper accepts.
  burmese: "my", valencian: "ca", flemish: "nl", haitian: "ht", letzeburgesch: "lb", pushto: "ps",
  panjabi: "pa", moldavian: "ro", moldovan: "ro", sinhalese: "si", castilian: "es", mandarin: "zh",
};

/** An ISO code from whatever a server reported: a Whisper language name, or already a code (compatible servers). */
export function toLanguageCode(reported: string | null | undefined): string | undefined {
  if (!reported) return undefined;
  const value = reported.trim().toLowerCase();
  if (!value) return undefined;
  if (/^[a-z]{2,3}([-_][a-z0-9]+)?$/.test(value) && !(value in WHISPER_LANGUAGES)) return value.slice(0, value.search(/[-_]|$/));
  return WHISPER_LANGUAGES[value];
}
