// The start of every server command (`npm run load`, `load-schedule`, `backup`, `restore`): arguments or the usage
// (exit 2 on a wrong one, 0 for --help), .env, the configuration or every problem in it (exit 2), and paths as the
// user typed them.
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, readDotEnv, type Config } from '../config.js';

/** The command's arguments, or the exit code when it must stop now (a wrong argument: 2 with the usage; --help: 0). */
export function cliArgs<T extends ParseArgsConfig>(usage: string, config: T): ReturnType<typeof parseArgs<T>> | number {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${usage}\n`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return parsed;
}

/** .env, then the configuration; every problem in it on stderr and exit code 2. */
export function cliConfig(): Config | number {
  readDotEnv();
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/**
 * A path as the user typed it: npm runs `npm run <script>` in the project folder, but INIT_CWD is where the command was
 * typed (trusted only when npm started this very script: a plain `node` inherits a stale one).
 */
export function fromUser(script: string, p: string): string {
  return path.resolve(process.env.npm_lifecycle_event === script && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd(), p);
}
