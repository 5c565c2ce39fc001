/** Spark's mark and name, as the sidebar and the sign-in pages show it. */
export function Logo({ size = "h-6 w-6" }: { size?: string }) {
  return (
    <>
      <svg aria-hidden viewBox="0 0 32 32" className={size}>
        <rect width="32" height="32" rx="7" fill="#ea580c" />
        <path d="M18 4 8 18h7l-2 10 11-15h-7z" fill="#fff" />
      </svg>
      Spark
    </>
  );
}
