/**
 * The shape shared by every lifecycle in the model. A table lists the moves out of each status;
 * staying put is never listed and always allowed, because events arrive at least once and a
 * repeated "task started" must not fail.
 */

export type TransitionEntity = "task" | "phase" | "initiative" | "agent";

/** For each status, the statuses it may move to. The mapped type makes a missing status a compile error. */
export type TransitionTable<S extends string> = { readonly [From in S]: readonly S[] };

export class InvalidTransitionError extends Error {
  override readonly name = "InvalidTransitionError";
  readonly entity: TransitionEntity;
  readonly from: string;
  readonly to: string;

  constructor(entity: TransitionEntity, from: string, to: string) {
    super(`${entity} cannot go from "${from}" to "${to}"`);
    this.entity = entity;
    this.from = from;
    this.to = to;
  }
}

export interface StateMachine<S extends string> {
  readonly entity: TransitionEntity;
  readonly table: TransitionTable<S>;
  can(from: S, to: S): boolean;
  /** Returns `to`, so a command can write `task.status = taskTransition(task.status, "completed")`. */
  transition(from: S, to: S): S;
}

/** Freezes the table so a test or a caller cannot widen a lifecycle at run time. */
export function transitionTable<S extends string>(table: TransitionTable<S>): TransitionTable<S> {
  for (const targets of Object.values<readonly S[]>(table)) Object.freeze(targets);
  return Object.freeze(table);
}

export function defineStateMachine<S extends string>(entity: TransitionEntity, table: TransitionTable<S>): StateMachine<S> {
  // Statuses come from the database as plain strings, so unknown values must be refused, not trusted.
  const allowed = new Map<string, ReadonlySet<string>>(Object.entries<readonly S[]>(table).map(([from, targets]) => [from, new Set<string>(targets)]));
  const can = (from: S, to: S): boolean => {
    const targets = allowed.get(from);
    return targets !== undefined && (from === to || targets.has(to));
  };
  const transition = (from: S, to: S): S => {
    if (!can(from, to)) throw new InvalidTransitionError(entity, from, to);
    return to;
  };
  return { entity, table, can, transition };
}
