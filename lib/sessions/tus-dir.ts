import path from "node:path";
import { config } from "@/lib/config";

/** Where partial tus uploads wait for their last byte (local storage only). */
export const tusDirectory = () => path.join(config().dataDir, "tus");
