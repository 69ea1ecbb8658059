import { inngest } from "./client";
import { sessionCancelled, sessionUploaded, uploadedEventId } from "./events";

export async function sendSessionUploaded(sessionId: string, generation: number): Promise<void> {
  await inngest.send(sessionUploaded.create({ sessionId, generation }, { id: uploadedEventId(sessionId, generation) }));
}

export async function sendSessionCancelled(sessionId: string): Promise<void> {
  await inngest.send(sessionCancelled.create({ sessionId }));
}
