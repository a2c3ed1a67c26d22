import { readFileSync } from 'node:fs';

/** Resident memory of a process: the peak so far (VmHWM) and a series of samples. */
export interface RssReport {
  /** Peak resident set size in MiB as the kernel counts it (VmHWM); undefined off Linux. */
  readonly peak_mb: number | undefined;
  /** [seconds since sampling started, VmRSS MiB]. */
  readonly series: readonly (readonly [number, number])[];
}

/**
 * Samples a process's memory from /proc/<pid>/status. VmHWM is the kernel's own high-water
 * mark, so the peak is exact even between samples; the samples only draw the curve.
 */
export class RssSampler {
  private readonly series: [number, number][] = [];
  private readonly started = performance.now();
  private peakKb: number | undefined;
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly pid: number,
    intervalMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** The peak so far in MiB (reads the kernel's high-water mark now). */
  peakMb(): number | undefined {
    this.sample();
    return this.peakKb === undefined ? undefined : round1(this.peakKb / 1024);
  }

  /** Takes a last sample and stops; call before the process exits. */
  stop(): RssReport {
    const peak_mb = this.peakMb();
    this.stopped = true;
    clearInterval(this.timer);
    return { peak_mb, series: this.series };
  }

  private sample(): void {
    if (this.stopped) return;
    let status: string;
    try {
      status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    } catch {
      return; // not Linux, or the process is gone: keep what we have
    }
    const rss = field(status, 'VmRSS');
    const hwm = field(status, 'VmHWM');
    const peak = Math.max(hwm ?? 0, rss ?? 0);
    if (peak > 0) this.peakKb = Math.max(this.peakKb ?? 0, peak);
    if (rss !== undefined) {
      this.series.push([round1((performance.now() - this.started) / 1000), round1(rss / 1024)]);
    }
  }
}

function field(status: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
