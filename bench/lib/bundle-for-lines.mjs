// Bundles a TypeScript entry so that a CPU profile of it has source lines: tsx strips the
// whitespace of what it runs, so in its profiles every function of the project sits on line 1.
// Packages stay external (loaded from node_modules as usual); the project's own modules are
// bundled unminified, each keeping its own import.meta.url so the paths it resolves from it
// (Lua scripts, migrations, the broker's cache) still point into the repository.
//
//   node bench/lib/bundle-for-lines.mjs bench/run.ts .cache/lines/run.mjs
//   BENCH_DETECTOR_PROFILE=/tmp/d.cpuprofile node .cache/lines/run.mjs --stages=detector --quick
//   npx tsx bench/lib/profile-summary.ts /tmp/d-realistic.cpuprofile   # lines point into run.mjs
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: node bench/lib/bundle-for-lines.mjs <entry.ts> <out.mjs>');
  process.exit(2);
}

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  keepNames: true,
  sourcemap: 'inline',
  // Packages that are CommonJS still call require.
  banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
  plugins: [{
    name: 'project-only',
    setup(bundler) {
      bundler.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@backstop/') ? undefined : { path: args.path, external: true }));
      bundler.onLoad({ filter: /\.ts$/ }, (args) => ({
        contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
      }));
    },
  }],
});
console.log(`wrote ${resolve(outfile)}: run it with node instead of tsx`);
