/**
 * Fault injection for crash and shutdown tests: when FAULT_KILL_AT names this point, the
 * process signals itself right here, after letting the point pass FAULT_KILL_AFTER times.
 * The signal is FAULT_SIGNAL, SIGKILL by default (a power cut); SIGTERM there makes a
 * shutdown start in the middle of a batch, once.
 */
let faultHits = 0;
let terminated = false;
export function faultPoint(name: string): void {
  if (process.env.FAULT_KILL_AT !== name) return;
  faultHits += 1;
  if (faultHits <= Number(process.env.FAULT_KILL_AFTER ?? 0)) return;
  const signal = process.env.FAULT_SIGNAL ?? 'SIGKILL';
  if (signal === 'SIGKILL') {
    process.kill(process.pid, 'SIGKILL');
  } else if (!terminated) {
    terminated = true;
    // Emitted rather than sent: the handlers run right here, as if the signal had arrived at
    // this very point, instead of at the next turn of the event loop.
    process.emit(signal as NodeJS.Signals, signal as NodeJS.Signals);
  }
}
