#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=8
// The environment and node flags above are part of the memory budget (docs/OPERATIONS.md §13):
// V8's young generation would otherwise grow to 2 x 16 MiB under request load. 8 MiB semi-spaces,
// not 4: with 4 a request's objects (~12 KiB of them per GET) were still alive at many more
// scavenges, each copying them; 8 cost 15-20 % less CPU per PUT and GET than 4 (5 alternating
// rounds) for 8 MiB more at the growth check's peak. And glibc gives each thread that allocates (LevelDB's, libuv's)
// an arena of its own (two arenas: 10 MiB less resident under the growth check). They apply when
// this file is run as a program (PATH, Docker, pnpm's bin shim); launchers that start it with `node`
// take them from here (@swarmkv/core/node-launch, used by swarmkv dev and testkit).
import { main } from '../dist/main.js'

main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code },
  (err) => { console.error(err instanceof Error ? err.message : err); process.exitCode = 1 }
)
