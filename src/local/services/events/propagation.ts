import type { CompiledEventPattern } from '../../../events/pattern.js';
import type { OpContext } from '../../core/context.js';
import type { EventRule, EventsState, EventTarget } from './state.js';

/** What matching uses of a rule: its pattern, whether it is enabled, its targets. */
export interface RuleView {
  readonly matcher: CompiledEventPattern | undefined;
  readonly enabled: boolean;
  readonly targets: readonly EventTarget[];
}

interface RuleVersion extends RuleView {
  /** When matching starts to use this version (epoch ms, emulator clock). */
  readonly at: number;
}

/** Versions of rules still propagating (only with `realism.ruleDelayMs`); the rule's fields otherwise. */
const versions = new WeakMap<EventRule, RuleVersion[]>();

const viewOf = (rule: EventRule): RuleView => ({
  matcher: rule.matcher,
  enabled: rule.state !== 'DISABLED',
  targets: [...rule.targets.values()],
});

/**
 * Call after changing a rule (pattern, state, targets): with a rule delay, the change reaches
 * matching only after it, as on AWS, where a new rule matches nothing for a few seconds and a changed
 * one keeps its previous configuration meanwhile.
 */
export const ruleChanged = (rule: EventRule, ctx: OpContext<EventsState>): void => {
  const delay = ctx.emulator.realism.ruleDelay();
  let list = versions.get(rule);
  if (delay === 0 && list === undefined) return;
  if (!list) {
    list = [];
    versions.set(rule, list);
  }
  const now = ctx.emulator.now();
  list.push({ ...viewOf(rule), at: Math.max(now + delay, list.at(-1)?.at ?? 0) });
};

/** The configuration matching uses now; undefined while a new rule has not yet taken effect. */
export const liveRule = (rule: EventRule, now: number): RuleView | undefined => {
  const list = versions.get(rule);
  if (list === undefined) return viewOf(rule);
  let live = -1;
  for (let i = 0; i < list.length; i++) if ((list[i] as RuleVersion).at <= now) live = i;
  if (live < 0) return undefined;
  list.splice(0, live);
  return list[0];
};
