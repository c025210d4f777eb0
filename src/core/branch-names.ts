/**
 * Branch names. Git refs cannot be both a file and a folder (`cw/a` and `cw/a/b`), so every
 * branch the app makes is a sibling under `cw/`.
 */
export function slugify(text: string, max = 40): string {
  const slug = text
    .normalize("NFKD")
    // The marks that keep a mention or a closing keyword inert are not word breaks.
    .replace(/[\u200b-\u200d\u2060\ufeff]/g, "")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, max)
    .replace(/-+$/g, "");
  return slug || "work";
}

export function initiativeBranch(title: string, milestoneNumber: number, taken: ReadonlySet<string>): string {
  const plain = `cw/${slugify(title)}`;
  return taken.has(plain) ? `cw/${slugify(title)}-m${milestoneNumber}` : plain;
}

export function phaseBranch(initiativeBranchName: string, phaseIssueNumber: number): string {
  return `${initiativeBranchName}--phase-${phaseIssueNumber}`;
}

export function standaloneTaskBranch(issueNumber: number, title: string): string {
  return `cw/issue-${issueNumber}-${slugify(title, 30)}`;
}

export function taskBranch(issueNumber: number, title: string): string {
  return `cw/task-${issueNumber}-${slugify(title, 30)}`;
}

/** A refine's own branch, next to the pull request head it is merged into. */
export function refineBranch(headBranch: string, reviewId: number | string): string {
  return `${headBranch}--refine-${reviewId}`;
}
