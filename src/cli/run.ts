/** Process entry of the CLI (bundled to pkg/cli/flexicodec.mjs; bin/flexicodec.js loads it). */
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
