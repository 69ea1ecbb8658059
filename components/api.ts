import type { SessionView } from "@/lib/sessions/view";
import type { UploadInstructions } from "@/lib/sessions/upload-instructions";

export type { SessionView, UploadInstructions };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function errorFrom(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  return new ApiError(res.status, body?.error?.code ?? "http_error", body?.error?.message ?? `Request failed (${res.status}).`);
}

export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { "content-type": "application/json", ...init?.headers } });
  if (!res.ok) throw await errorFrom(res);
  return (res.status === 204 ? null : await res.json()) as T;
}

/** XHR rather than fetch: only XHR reports upload progress in every browser. */
export function putWithProgress(
  url: string,
  file: Blob,
  headers: Record<string, string>,
  onProgress: (sent: number, total: number) => void,
): { done: Promise<{ id: string; status: string }>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const done = new Promise<{ id: string; status: string }>((resolve, reject) => {
    xhr.open("PUT", url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: { id?: string; status?: string; error?: { code?: string; message?: string } } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // not JSON (proxy error page)
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve({ id: body.id ?? "", status: body.status ?? "queued" });
      else reject(new ApiError(xhr.status, body.error?.code ?? "upload_failed", body.error?.message ?? `Upload failed (${xhr.status}).`));
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "The connection dropped during the upload. Please try again."));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "Upload cancelled."));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}
