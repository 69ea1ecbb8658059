/** The operators' token the e2e app runs with (playwright.config.ts), for specs that visit /operations. */
export const E2E_OPERATIONS_TOKEN = "e2e-operations-token-0123456789";
