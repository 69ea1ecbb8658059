export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** "local:moonshine-tiny" → words a person understands. */
export function providerLabel(id: string | null | undefined): string | null {
  if (!id) return null;
  if (id === "local:moonshine-tiny") return "Local model (Moonshine, English)";
  if (id === "local") return "Local analysis";
  const [kind, model] = id.split(":");
  if (kind === "openai") return model ? `OpenAI (${model})` : "OpenAI";
  if (kind === "local") return "Local model";
  return id;
}
