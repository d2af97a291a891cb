/** A problem the CLIs report as a one-line message on stderr and exit code 1, without a stack trace. */
export class CliError extends Error {}

/** A CliError caused by the command line itself: the usage text follows the message. */
export class UsageError extends CliError {}
