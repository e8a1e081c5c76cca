/**
 * Fault injection for crash tests: when FAULT_KILL_AT names this point, the process kills
 * itself with SIGKILL right here, exactly as a power cut would. FAULT_KILL_AFTER lets the
 * point pass that many times first.
 */
let faultHits = 0;
export function faultPoint(name: string): void {
  if (process.env.FAULT_KILL_AT !== name) return;
  faultHits += 1;
  if (faultHits > Number(process.env.FAULT_KILL_AFTER ?? 0)) process.kill(process.pid, 'SIGKILL');
}
