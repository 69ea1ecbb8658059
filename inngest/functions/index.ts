import { processSession } from "./process-session";

export const functions = [processSession];
