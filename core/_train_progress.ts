import cliProgress from "cli-progress";

/** What the progress bar shows after each episode. */
export interface _ProgressInfo {
  episode: number;
  stepsPerSecond: number;
  reward: number;
  sloViolationRate: number;
}

/** A progress bar over episodes, or nothing when quiet or stdout is not a terminal. */
export interface _Progress {
  update(info: _ProgressInfo): void;
  stop(): void;
}

interface Bar {
  start(total: number, value: number, payload: Record<string, unknown>): void;
  update(value: number, payload: Record<string, unknown>): void;
  stop(): void;
}

/** Starts the bar at `start` of `total` episodes (cli-progress; silent when `quiet` or not a TTY). */
export function _startProgress(options: { total: number; start: number; quiet: boolean }): _Progress {
  if (options.quiet || !Deno.stdout.isTerminal()) return { update() {}, stop() {} };
  const bar: Bar = new cliProgress.SingleBar({
    format: "episode {value}/{total} |{bar}| {stepsPerSecond} steps/s | reward {reward} | " +
      "SLO violations {slo} | ETA {eta_formatted}",
    hideCursor: true,
    etaBuffer: 20,
  }, cliProgress.Presets.shades_classic);
  bar.start(options.total, options.start, { stepsPerSecond: "-", reward: "-", slo: "-" });
  return {
    update(info) {
      bar.update(info.episode, {
        stepsPerSecond: info.stepsPerSecond.toFixed(0),
        reward: info.reward.toFixed(3),
        slo: `${(info.sloViolationRate * 100).toFixed(1)}%`,
      });
    },
    stop() {
      bar.stop();
    },
  };
}
