/** Exact money as decimal strings with two decimals (øre); arithmetic in bigint minor units, never floats. */
const DECIMAL = /^(-)?(\d+)(?:\.(\d{1,4}))?$/;

export function toMinorUnits(amount: string): bigint {
  const match = DECIMAL.exec(amount.trim());
  if (match === null) throw new RangeError(`not a decimal amount: ${amount}`);
  const [, sign, whole = "0", fraction = ""] = match;
  const padded = `${fraction}00`.slice(0, 2);
  if (fraction.length > 2 && /[1-9]/.test(fraction.slice(2))) throw new RangeError(`more than two decimals: ${amount}`);
  const minor = BigInt(whole) * 100n + BigInt(padded);
  return sign === "-" ? -minor : minor;
}

export function fromMinorUnits(minor: bigint): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const whole = abs / 100n;
  const fraction = String(abs % 100n).padStart(2, "0");
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

export function sumAmounts(amounts: readonly string[]): string {
  return fromMinorUnits(amounts.reduce((total, amount) => total + toMinorUnits(amount), 0n));
}
