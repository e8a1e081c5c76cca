// Preloaded into each service of the end-to-end stage to see where its CPU goes:
//   BENCH_SERVICE_NODE_OPTIONS="--import ./bench/lib/profile-hook.mjs" PROFILE_MS=24000 npm run bench -- --stages=e2e
// (--cpu-prof is not allowed in NODE_OPTIONS.) Writes <service>-<pid>.cpuprofile into
// PROFILE_DIR after PROFILE_MS; open it in Chrome DevTools or speedscope. PROFILE_START_MS
// delays the start, to leave start-up (tsx compiling the sources) out of the profile.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const directory = process.env.PROFILE_DIR ?? '/tmp/backstop-profiles';
const service = process.argv.at(-1)?.split('/').at(-3) ?? 'node';
const session = new Session();
session.connect();
session.post('Profiler.enable');
const startDelayMs = Number(process.env.PROFILE_START_MS ?? 0);
setTimeout(() => session.post('Profiler.start'), startDelayMs).unref();
setTimeout(() => {
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    mkdirSync(directory, { recursive: true });
    writeFileSync(`${directory}/${service}-${process.pid}.cpuprofile`, JSON.stringify(result.profile));
  });
}, startDelayMs + Number(process.env.PROFILE_MS ?? 30_000)).unref();
