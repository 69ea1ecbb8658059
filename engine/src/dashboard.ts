import fs from "node:fs";

/** The dashboard: one static page that reads the JSON API (see README). */
export const dashboardHtml = fs.readFileSync(new URL("./dashboard.html", import.meta.url), "utf8");
