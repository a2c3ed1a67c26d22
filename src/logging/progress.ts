/** Progress on a terminal (a redrawn bar with rate and ETA) or quiet periodic lines elsewhere. */
export class Progress {
  private done = 0;
  private readonly started = performance.now();
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly quietIntervalMs = 5_000,
  ) {
    this.tty = out.isTTY;
  }

  /** Adds `n` finished units and redraws when due. */
  advance(n: number): void {
    this.done += n;
    const now = performance.now();
    if (now - this.lastDraw < (this.tty ? 100 : this.quietIntervalMs)) return;
    this.lastDraw = now;
    this.draw(false);
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    this.draw(true);
  }

  /** Units per second so far. */
  rate(): number {
    const seconds = (performance.now() - this.started) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  private draw(final: boolean): void {
    const rate = this.rate();
    const parts = [
      `${this.label} ${this.done.toLocaleString('en-US')}${this.total === undefined ? '' : `/${this.total.toLocaleString('en-US')}`}`,
      `${Math.round(rate).toLocaleString('en-US')}/s`,
    ];
    if (this.total !== undefined && this.total > 0) {
      const fraction = Math.min(1, this.done / this.total);
      const eta = rate > 0 ? (this.total - this.done) / rate : Number.NaN;
      if (this.tty)
        parts.unshift(
          `[${'#'.repeat(Math.round(fraction * 30)).padEnd(30, '.')}] ${(fraction * 100).toFixed(0).padStart(3)}%`,
        );
      else parts.push(`${(fraction * 100).toFixed(0)}%`);
      if (!final && Number.isFinite(eta)) parts.push(`ETA ${formatSeconds(eta)}`);
    }
    if (final) parts.push(`in ${formatSeconds((performance.now() - this.started) / 1000)}`);
    const text = parts.join('  ');
    if (this.tty) this.out.write(`\r${text}\x1b[K${final ? '\n' : ''}`);
    else this.out.write(`${text}\n`);
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m${Math.round(seconds % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}
