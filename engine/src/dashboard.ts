export const dashboardHtml = `<!doctype html><title>engine</title><p>todo</p>`;
