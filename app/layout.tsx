import type { Metadata } from "next";
import Link from "next/link";
import { UserNav } from "@/components/user-nav";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Murmur", template: "%s · Murmur" },
  description: "Turn recorded audio into transcripts and insight.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <header className="border-b border-stone-200 bg-white">
          <nav className="mx-auto flex max-w-5xl items-center justify-between px-4 py-4 sm:px-6">
            <Link href="/" className="flex items-center gap-2 text-lg font-semibold tracking-tight">
              <span aria-hidden className="inline-block h-3 w-3 rounded-full bg-indigo-600" />
              Murmur
            </Link>
            <UserNav />
          </nav>
        </header>
        <main className="mx-auto max-w-5xl px-4 py-8 sm:px-6 sm:py-10">{children}</main>
      </body>
    </html>
  );
}
