/** The few class lists the forms share, so sign-in, account and upload look alike. */
export const ui = {
  card: "space-y-5 rounded-2xl border border-stone-200 bg-white p-6 shadow-sm",
  input: "mt-1 w-full rounded-lg border border-stone-300 px-3 py-2 focus:border-indigo-500 focus:outline-none",
  label: "block text-sm",
  primary:
    "rounded-lg bg-indigo-600 px-5 py-2.5 font-medium text-white shadow-sm hover:bg-indigo-700 disabled:cursor-not-allowed disabled:bg-stone-300",
  secondary: "rounded-lg border border-stone-300 bg-white px-4 py-2 text-sm font-medium text-stone-700 hover:bg-stone-50 disabled:opacity-50",
  danger: "rounded-lg bg-red-600 px-4 py-2 text-sm font-medium text-white hover:bg-red-700 disabled:cursor-not-allowed disabled:bg-stone-300",
  error: "rounded-lg bg-red-50 px-4 py-3 text-sm text-red-700",
  muted: "text-sm text-stone-500",
};
