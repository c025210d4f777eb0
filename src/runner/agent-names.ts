/** Readable agent aliases ("jolly-penguin"): people refer to agents by them in comments. */
const ADJECTIVES = [
  "jolly",
  "brave",
  "calm",
  "eager",
  "gentle",
  "happy",
  "keen",
  "lively",
  "merry",
  "nimble",
  "proud",
  "quick",
  "quiet",
  "sunny",
  "swift",
  "tidy",
  "witty",
  "zesty",
  "bold",
  "clever",
  "cosmic",
  "daring",
  "fuzzy",
  "glad",
  "humble",
  "lucky",
  "mellow",
  "plucky",
  "rapid",
  "snappy",
];
const ANIMALS = [
  "penguin",
  "otter",
  "badger",
  "falcon",
  "lynx",
  "panda",
  "heron",
  "koala",
  "marmot",
  "narwhal",
  "ocelot",
  "puffin",
  "quokka",
  "raven",
  "salmon",
  "tapir",
  "urchin",
  "walrus",
  "yak",
  "zebra",
  "beaver",
  "camel",
  "dingo",
  "ferret",
  "gecko",
  "ibis",
  "jackal",
  "lemur",
  "moose",
  "newt",
];

export function agentAlias(random: () => number = Math.random): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  return `${pick(ADJECTIVES)}-${pick(ANIMALS)}`;
}

/** An alias with a short suffix, for when the plain one is taken. */
export function agentAliasWithSuffix(random: () => number = Math.random): string {
  return `${agentAlias(random)}-${Math.floor(random() * 0xfff)
    .toString(16)
    .padStart(3, "0")}`;
}
