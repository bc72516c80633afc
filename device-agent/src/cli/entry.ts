import { main } from './main.js';

/** The executable's entry (the bundle's and the launcher's): run the CLI, exit with its code. */
const code = await main(process.argv.slice(2));
process.exit(code);
