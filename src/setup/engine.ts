/**
 * Setup as declared steps, each with its undo, run by one small engine. A listener source (and,
 * later, a check that needs a resource) declares what it creates; it never writes the
 * "settle all, undo in reverse, list what could not be undone" logic again.
 *
 * - Steps run as soon as every step they come `after` has succeeded; steps that are ready together
 *   run in parallel (one round trip).
 * - When a step fails, the steps already running finish, then every step that started (the failed
 *   ones too: a call that failed may still have taken effect) is undone, in reverse order, one at
 *   a time. Undo errors do not stop the other undos; what they leave behind is listed.
 * - The error thrown is a ListenerSetupError naming the first failed step (in declared order), with
 *   the step's error as `cause` and the leftovers on it; or, when the caller aborted, the caller's
 *   own reason.
 */
import { CleanupError, EventProbeError, ListenerSetupError } from '../errors.js';
import { describeError } from '../wait/index.js';

/** One thing setup does, and how to take it back. */
export interface SetupStep {
  /** The step's name, as messages show it: "failed at <name>" (e.g. the AWS operation). */
  readonly name: string;
  /** Steps (by name) that must have succeeded before this one starts. Default: none. */
  readonly after?: readonly string[];
  /** Does the step. The signal is the caller's (setup's) abort signal. */
  readonly run: (signal: AbortSignal | undefined) => Promise<void>;
  /**
   * Takes the step back; called once if the setup fails after the step started (also when the step
   * itself failed). Not-found must count as success. Throw a CleanupError to say what stayed behind.
   * Default: nothing to undo.
   */
  readonly undo?: () => Promise<void>;
}

/** What to set up and how to report a failure. */
export interface SetupPlan {
  /** What is being created, for the message: "Creating <what> failed at <step>: ...". */
  readonly what: string;
  /** The steps, in declared order (the order failures are reported and undone in reverse). */
  readonly steps: readonly SetupStep[];
  /** The caller's signal: passed to every step; on abort, the caller's reason is thrown after undoing. */
  readonly signal?: AbortSignal | undefined;
  /** Called after a complete undo (nothing left behind), e.g. to forget the resources' record. */
  readonly undone?: () => void;
}

/** What an undo that threw left behind: the resources a CleanupError names, else the step itself. */
const leftoversOf = (step: SetupStep, error: unknown): string[] =>
  error instanceof CleanupError
    ? error.failures.map((f) => f.resource)
    : [`${step.name} (${describeError(error)})`];

/** The steps whose `after` steps have all succeeded, among those not started yet. */
const readySteps = (waiting: readonly SetupStep[], done: ReadonlySet<string>): SetupStep[] =>
  waiting.filter((step) => (step.after ?? []).every((name) => done.has(name)));

/** Runs the steps in rounds; returns the steps that started and the first failure (in declared order). */
const runRounds = async (
  plan: SetupPlan,
): Promise<{ started: SetupStep[]; failure?: { step: SetupStep; error: unknown } }> => {
  const started: SetupStep[] = [];
  const done = new Set<string>();
  let waiting = [...plan.steps];
  while (waiting.length > 0) {
    const round = readySteps(waiting, done);
    if (round.length === 0) {
      throw new EventProbeError(
        `Setup steps ${waiting.map((s) => s.name).join(', ')} wait for steps that never run.`,
      );
    }
    waiting = waiting.filter((step) => !round.includes(step));
    started.push(...round);
    const results = await Promise.allSettled(round.map((step) => step.run(plan.signal)));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) {
      const error = (results[failed] as PromiseRejectedResult).reason;
      return { started, failure: { step: round[failed] as SetupStep, error } };
    }
    for (const step of round) done.add(step.name);
  }
  return { started };
};

/** Undoes the started steps in reverse order; returns what could not be undone. */
const undoSteps = async (started: readonly SetupStep[]): Promise<string[]> => {
  const leftovers: string[] = [];
  for (const step of [...started].reverse()) {
    try {
      await step.undo?.();
    } catch (error) {
      leftovers.push(...leftoversOf(step, error));
    }
  }
  return leftovers;
};

/**
 * Runs a setup plan (see the module comment).
 * @throws ListenerSetupError naming the failed step and what could not be undone; the caller's reason on abort.
 */
export const runSetup = async (plan: SetupPlan): Promise<void> => {
  const { started, failure } = await runRounds(plan);
  if (!failure) return;
  const leftovers = await undoSteps(started);
  if (leftovers.length === 0) plan.undone?.();
  if (plan.signal?.aborted) throw plan.signal.reason;
  throw new ListenerSetupError(
    `Creating ${plan.what} failed at ${failure.step.name}: ${errorText(failure.error)}. ` +
      (leftovers.length === 0
        ? 'Everything it had created was removed.'
        : `These could not be removed (probe.cleanup() or probe.sweep() will retry): ${leftovers.join(', ')}.`),
    leftovers,
    { cause: failure.error },
  );
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
