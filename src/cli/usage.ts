/** Usage errors of the `qaqpa` sub-commands: the message and the command's usage go to stderr, exit status 2. */
export class UsageError extends Error {}

/** The exit status of a usage error (or of arguments parseArgs refused) after printing it; anything else is rethrown. */
export function usageExit(e: unknown, usage: string): number {
  const parseError = typeof (e as { code?: unknown } | null)?.code === "string" && (e as { code: string }).code.startsWith("ERR_PARSE_ARGS");
  if (!(e instanceof UsageError) && !parseError) throw e;
  console.error(`${(e as Error).message}\n${usage}`);
  return 2;
}
