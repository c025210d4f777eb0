/**
 * Recognises an agent CLI saying its account is out of usage, and when the limit resets, so the
 * runner can park the task and rotate to another account instead of counting a failure.
 *
 * Known shapes: Claude Code "Claude AI usage limit reached|1767225600", "5-hour limit reached ∙
 * resets 3pm (Europe/Berlin)", "You've hit your limit · resets 7pm"; Codex "You've hit your usage
 * limit. … try again in 4 days 20 hours 9 minutes." / "… try again at 3:04 PM.".
 */

/** For error texts (a failed turn, an error result): any mention of a usage or rate limit. */
const LIMIT_IN_ERROR =
  /usage limit|\blimit (?:has been )?(?:reached|exceeded)\b|hit your (?:[\w-]+ )?limit|rate[ _-]?limit|quota exceeded|insufficient_quota|out of (?:extra )?usage/i;

/** For texts that might be an ordinary answer: only a short notice in one of the known shapes. */
const LIMIT_NOTICE =
  /^\s*(?:claude ai usage limit reached|(?:[\w-]+ )?limit reached\b.*\bresets?\b|you['’]ve hit your (?:[\w-]+ )?limit|you['’]ve reached your (?:[\w-]+ )?limit)/i;
const MAX_NOTICE_CHARS = 400;

export function isUsageLimitError(text: string): boolean {
  return LIMIT_IN_ERROR.test(text);
}

export function isUsageLimitNotice(text: string): boolean {
  return text.length <= MAX_NOTICE_CHARS && LIMIT_NOTICE.test(text);
}

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };

/** When the limit lifts, if the text says so in a shape we know; `now` anchors relative times. */
export function parseLimitReset(text: string, now: Date = new Date()): Date | undefined {
  const unix = /\|\s*(\d{10,13})\b/.exec(text);
  if (unix?.[1]) {
    const value = Number(unix[1]);
    return new Date(unix[1].length >= 13 ? value : value * 1_000);
  }

  const iso = /\b(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)/.exec(text);
  if (iso?.[1]) {
    const time = Date.parse(iso[1].replace(" ", "T"));
    if (Number.isFinite(time)) return new Date(time);
  }

  // "try again at Oct 10th, 2025 3:04 PM", "resets on Jan 5, 9:00 AM"
  const dated =
    /(?:try again|resets?)\s+(?:at|on)?\s*([A-Z][a-z]{2,8})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(?:(\d{4}),?\s+)?(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?/i.exec(
      text,
    );
  if (dated) {
    const [, monthName = "", day = "", year, hour = "", minute, meridiem = ""] = dated;
    const month = monthIndex(monthName);
    if (month !== undefined) {
      const h = to24h(Number(hour), meridiem);
      const y = year ? Number(year) : now.getFullYear();
      let date = new Date(y, month, Number(day), h, Number(minute ?? 0));
      if (!year && date.getTime() <= now.getTime()) date = new Date(y + 1, month, Number(day), h, Number(minute ?? 0));
      if (Number.isFinite(date.getTime())) return date;
    }
  }

  // "resets 3pm (Europe/Berlin)", "try again at 3:04 PM"
  const clock = /(?:try again|resets?)\s+(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?(?:\s*\(([^)]+)\))?/i.exec(text);
  if (clock) {
    const [, hour = "", minute, meridiem = "", zone] = clock;
    return nextTimeOfDay(to24h(Number(hour), meridiem), Number(minute ?? 0), zone?.trim(), now);
  }

  // "try again in 4 days 20 hours 9 minutes", "resets in 2h 30m"
  const relative = /(?:try again|resets?|retry)\s+in\s+((?:\d+\s*[a-z]+[\s,]*(?:and\s+)?)+)/i.exec(text);
  if (relative?.[1]) {
    let total = 0;
    for (const [, amount = "", unit = ""] of relative[1].matchAll(/(\d+)\s*([a-z]+)/gi)) {
      const key = unit.toLowerCase().startsWith("mo") ? undefined : unit[0]?.toLowerCase();
      const ms = key ? UNIT_MS[key] : undefined;
      if (ms) total += Number(amount) * ms;
    }
    if (total > 0) return new Date(now.getTime() + total);
  }
  return undefined;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

function monthIndex(name: string): number | undefined {
  const index = MONTHS.indexOf(name.slice(0, 3).toLowerCase());
  return index >= 0 ? index : undefined;
}

function to24h(hour: number, meridiem: string): number {
  const pm = meridiem.toLowerCase() === "p";
  return (hour % 12) + (pm ? 12 : 0);
}

/** The next moment the clock in `zone` (an IANA name; the runner's own when unknown) shows hh:mm. */
function nextTimeOfDay(hour: number, minute: number, zone: string | undefined, now: Date): Date {
  const timeZone = validZone(zone) ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const today = wallClock(timeZone, now.getTime());
  for (let days = 0; days <= 1; days++) {
    const candidate = zonedToUtc(timeZone, today.year, today.month, today.day + days, hour, minute);
    if (candidate > now.getTime()) return new Date(candidate);
  }
  return new Date(zonedToUtc(timeZone, today.year, today.month, today.day + 1, hour, minute));
}

function validZone(zone: string | undefined): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(timeZone: string, instant: number): WallClock {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: part("year"),
    month: part("month"),
    day: part("day"),
    hour: part("hour") % 24,
    minute: part("minute"),
    second: part("second"),
  };
}

/** The instant at which `timeZone`'s clock shows the given date and time (day may overflow). */
function zonedToUtc(timeZone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const asIfUtc = Date.UTC(year, month - 1, day, hour, minute);
  const offsetAt = (instant: number): number => {
    const c = wallClock(timeZone, instant);
    return Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second) - Math.floor(instant / 1_000) * 1_000;
  };
  const first = asIfUtc - offsetAt(asIfUtc);
  return asIfUtc - offsetAt(first);
}
