/** DATABASE_URL with another database name (for per-file test databases and the template). */
export function databaseUrlWithName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A connection to the `postgres` database, to create and drop the test databases. */
export function adminUrl(url: string): string {
  return databaseUrlWithName(url, "postgres");
}
