// Formatting of money, times, durations and phone numbers for the operator's eye.
import { locale } from "./i18n.js";

const NBSP = "\u00a0";

/** Kopecks → `1 234,56 ₽` (non-breaking spaces, so an amount never wraps). */
export function money(kop) {
  if (kop == null) return "—";
  const sign = kop < 0 ? "−" : "";
  const abs = Math.abs(Math.round(kop));
  const rub = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  const k = String(abs % 100).padStart(2, "0");
  return `${sign}${rub},${k}${NBSP}₽`;
}

function asDate(value) {
  if (!value) return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

const dateFmt = new Intl.DateTimeFormat(locale, { day: "2-digit", month: "2-digit", year: "numeric" });
const dateTimeFmt = new Intl.DateTimeFormat(locale, {
  day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
});
const timeFmt = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

export const date = (v) => (asDate(v) ? dateFmt.format(asDate(v)) : "—");
export const dateTime = (v) => (asDate(v) ? dateTimeFmt.format(asDate(v)) : "—");
export const time = (v) => (asDate(v) ? timeFmt.format(asDate(v)) : "—");

/** Seconds → `m:ss` or `h:mm:ss`. */
export function duration(seconds) {
  if (seconds == null || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Seconds between two instants (the second defaults to now). */
export function secondsBetween(from, to) {
  const a = asDate(from);
  if (!a) return null;
  const b = asDate(to) || new Date();
  return (b - a) / 1000;
}

/** A Russian number in any written form (`+74951234567`, `8-495-123-45-67`, `9161234567`)
 * → `+7 (495) 123-45-67`; anything else (extensions, foreign numbers) as it came. */
export function phone(value) {
  if (!value) return "—";
  const digits = String(value).replace(/\D/g, "");
  const plain = /^[\d\s()+-]+$/.test(value);
  const m = plain && /^[78]?(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(digits);
  return m ? `+7${NBSP}(${m[1]})${NBSP}${m[2]}-${m[3]}-${m[4]}` : value;
}

/** A `datetime-local` input value → ISO string with the browser's offset. */
export function localInputToIso(value) {
  const d = asDate(value);
  return d ? d.toISOString() : null;
}

/** A Date → the value a `datetime-local` input expects (local time). */
export function toLocalInput(d) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
