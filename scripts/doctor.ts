/** `npm run doctor`: the preflight to run before `cdktf deploy` (see scripts/doctor/main.ts). */
import { defaultDeps, main } from './doctor/main';

main(process.argv.slice(2), defaultDeps()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
