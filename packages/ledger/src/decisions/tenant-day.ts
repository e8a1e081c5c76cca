/** The calendar day (YYYY-MM-DD) an instant falls on in a tenant's time zone. */
export function tenantDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
