/**
 * Real git in the bare repository a fake repository's `cloneUrl` points at (a path or a file://
 * URL, as `createBareRemote` in git-fixtures.ts makes them). Synchronous on purpose: the fake
 * answers requests from a synchronous nock reply, and the state it reads (refs, trees) is what
 * GitHub would read at that moment. Like git-fixtures.ts, git runs with the user's global and
 * system config switched off.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const GIT_ENV: Record<string, string> = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  LC_ALL: "C",
};

/** Who a commit is by (GitHub writes people as `login <id+login@users.noreply.github.com>`). */
export interface GitPerson {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  time: number;
}

export interface CommitInfo {
  sha: string;
  subject: string;
  /** The whole message, without the final newline. */
  message: string;
}

function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...GIT_ENV, ...extra };
  // A test run from inside a git hook must not write into the developer's repository.
  for (const key of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"]) delete env[key];
  return env;
}

function personEnv(author: GitPerson, committer: GitPerson = author): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: `@${author.time} +0000`,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_COMMITTER_DATE: `@${committer.time} +0000`,
  };
}

export class BareGit {
  /**
   * Answers of read-only queries, valid while the refs stay as `answersFor` says. Objects are
   * immutable and only ever added, so with the same refs a query gets the same answer; a write
   * through this class clears them (it may add objects no ref points at yet). Reading the refs
   * from the files is far cheaper than a git process, which forks the whole test worker.
   */
  private answers = new Map<string, { code: number; stdout: string }>();
  private answersFor = "";

  private constructor(readonly dir: string) {}

  /** The bare repository behind a clone URL, when it is a local path that exists. */
  static open(cloneUrl: string): BareGit | undefined {
    let dir: string | undefined;
    if (cloneUrl.startsWith("file://")) dir = fileURLToPath(cloneUrl);
    else if (cloneUrl.startsWith("/")) dir = cloneUrl;
    if (!dir || !existsSync(dir)) return undefined;
    return new BareGit(dir);
  }

  /** Runs git; exit codes in `ok` are answers, any other throws. */
  run(args: string[], options: { input?: string; ok?: number[]; env?: Record<string, string> } = {}): { code: number; stdout: string } {
    const result = spawnSync("git", args, { cwd: this.dir, env: gitEnv(options.env), input: options.input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.error) throw result.error;
    const code = result.status ?? -1;
    if (!(options.ok ?? [0]).includes(code)) {
      throw new Error(`git ${args.join(" ")} (in ${this.dir}) exited ${code}: ${result.stderr.trim()}`);
    }
    return { code, stdout: result.stdout };
  }

  /** A git command that writes: every remembered answer goes. */
  private write(args: string[], options: { input?: string; ok?: number[]; env?: Record<string, string> } = {}): { code: number; stdout: string } {
    this.answers.clear();
    return this.run(args, options);
  }

  /**
   * A read-only git command, answered from memory while the refs have not moved. Only answers
   * that objects arriving later cannot change are kept (`lasting`: success, and "no" from
   * commands comparing objects that exist); "not found" is asked again, since a push to a ref
   * outside `refs/heads/` could bring the object.
   */
  private query(args: string[], ok: number[] = [0], lasting: number[] = [0]): { code: number; stdout: string } {
    const refs = [...this.branches()].join("\n");
    if (refs !== this.answersFor) {
      this.answers.clear();
      this.answersFor = refs;
    }
    const key = args.join("\0");
    const known = this.answers.get(key);
    if (known) return known;
    const answer = this.run(args, { ok });
    if (lasting.includes(answer.code)) this.answers.set(key, answer);
    return answer;
  }

  private text(args: string[]): string {
    return this.query(args).stdout.replace(/\n$/, "");
  }

  /**
   * Every branch and its tip, read from the ref files as git keeps them: loose refs under
   * `refs/heads/` win over the lines of `packed-refs`.
   */
  branches(): Map<string, string> {
    const map = new Map<string, string>();
    const packed = path.join(this.dir, "packed-refs");
    if (existsSync(packed)) {
      for (const line of readFileSync(packed, "utf8").split("\n")) {
        const match = /^([0-9a-f]{40}) refs\/heads\/(.+)$/.exec(line);
        if (match?.[1] && match[2]) map.set(match[2], match[1]);
      }
    }
    const heads = path.join(this.dir, "refs", "heads");
    if (existsSync(heads)) {
      for (const entry of readdirSync(heads, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || entry.name.endsWith(".lock")) continue;
        const file = path.join(entry.parentPath, entry.name);
        const sha = readFileSync(file, "utf8").trim();
        if (/^[0-9a-f]{40}$/.test(sha)) map.set(path.relative(heads, file).split(path.sep).join("/"), sha);
      }
    }
    return map;
  }

  branchSha(branch: string): string | undefined {
    const { code, stdout } = this.query(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`], [0, 1]);
    return code === 0 ? stdout.trim() : undefined;
  }

  /** A commit sha, or a branch's tip; undefined when neither. */
  resolveCommit(ref: string): string | undefined {
    if (/^[0-9a-f]{40}$/i.test(ref)) return this.hasCommit(ref) ? ref.toLowerCase() : undefined;
    return this.branchSha(ref);
  }

  hasCommit(sha: string): boolean {
    return this.query(["cat-file", "-e", `${sha}^{commit}`], [0, 1, 128]).code === 0;
  }

  fileAt(ref: string, path: string): string | undefined {
    const { code, stdout } = this.query(["cat-file", "blob", `${ref}:${path}`], [0, 128]);
    return code === 0 ? stdout : undefined;
  }

  treeOf(commit: string): string {
    return this.text(["rev-parse", `${commit}^{tree}`]);
  }

  /** One commit's message and author. */
  commit(sha: string): { message: string; authorName: string; authorEmail: string; committerName: string; committerEmail: string } {
    const [message = "", authorName = "", authorEmail = "", committerName = "", committerEmail = ""] = this.query([
      "log",
      "-1",
      "--format=%B%x1f%an%x1f%ae%x1f%cn%x1f%ce",
      sha,
    ]).stdout.split("\x1f");
    return { message: message.replace(/\n+$/, ""), authorName, authorEmail, committerName, committerEmail: committerEmail.trim() };
  }

  /** Whether `ancestor` is reachable from `descendant` (the same commit counts). */
  isAncestor(ancestor: string, descendant: string): boolean {
    return this.query(["merge-base", "--is-ancestor", ancestor, descendant], [0, 1], [0, 1]).code === 0;
  }

  /** The merged tree of two commits (`git merge-tree --write-tree`), or the conflicted paths. */
  mergeTree(base: string, head: string): { tree: string; conflicts: string[] } {
    const { code, stdout } = this.query(["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", base, head], [0, 1], [0, 1]);
    const [tree = "", ...conflicted] = stdout.split("\0").filter((part) => part !== "");
    return { tree, conflicts: code === 1 ? [...new Set(conflicted)] : [] };
  }

  commitTree(tree: string, parents: string[], message: string, author: GitPerson, committer: GitPerson = author): string {
    return this.write(["commit-tree", tree, ...parents.flatMap((p) => ["-p", p]), "-F", "-"], {
      input: message.endsWith("\n") ? message : `${message}\n`,
      env: personEnv(author, committer),
    }).stdout.replace(/\n$/, "");
  }

  /** Moves a branch to `sha` if it is still at `expected`; false when it moved meanwhile. */
  updateRef(branch: string, sha: string, expected: string): boolean {
    return this.write(["update-ref", `refs/heads/${branch}`, sha, expected], { ok: [0, 1, 128] }).code === 0;
  }

  /** The commits on `head` but not on `base`, oldest first. */
  commitsBetween(base: string, head: string): CommitInfo[] {
    const out = this.query(["log", "--reverse", "--topo-order", "--format=%H%x1f%s%x1f%B%x1e", `${base}..${head}`]).stdout;
    return out
      .split("\x1e")
      .map((entry) => entry.replace(/^\n/, ""))
      .filter((entry) => entry !== "")
      .map((entry) => {
        const [sha = "", subject = "", message = ""] = entry.split("\x1f");
        return { sha, subject, message: message.replace(/\n+$/, "") };
      });
  }

  /**
   * A line comment's `diff_hunk`, as GitHub gives it: the hunk of the pull request's diff
   * (`base...head`, three lines of context) that holds the commented line, cut after that line.
   * `line` counts in the new file on the RIGHT side, in the old one on the LEFT. Undefined when
   * the line is not in the diff (GitHub then refuses the comment).
   */
  diffHunk(base: string, head: string, path: string, line: number, side: "LEFT" | "RIGHT"): string | undefined {
    const out = this.query(["diff", "--no-color", "--no-ext-diff", "--unified=3", `${base}...${head}`, "--", path]).stdout;
    let hunk: string[] | undefined;
    let oldLine = 0;
    let newLine = 0;
    for (const text of out.split("\n")) {
      const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
      if (header) {
        hunk = [text];
        oldLine = Number(header[1]);
        newLine = Number(header[2]);
        continue;
      }
      if (!hunk || text.startsWith("\\")) continue;
      const kind = text[0];
      if (kind !== " " && kind !== "+" && kind !== "-") continue;
      hunk.push(text);
      const here = side === "RIGHT" ? (kind === "-" ? undefined : newLine) : kind === "+" ? undefined : oldLine;
      if (here === line) return hunk.join("\n");
      if (kind !== "+") oldLine++;
      if (kind !== "-") newLine++;
    }
    return undefined;
  }

  /** Lines added and deleted and files changed from the merge base of `base` and `head` to `head`. */
  diffStats(base: string, head: string): { additions: number; deletions: number; changedFiles: number } {
    const out = this.text(["diff", "--numstat", `${base}...${head}`]);
    let additions = 0;
    let deletions = 0;
    let changedFiles = 0;
    for (const line of out.split("\n")) {
      if (line === "") continue;
      const [added = "0", deleted = "0"] = line.split("\t");
      additions += Number(added) || 0; // "-" for binary files
      deletions += Number(deleted) || 0;
      changedFiles++;
    }
    return { additions, deletions, changedFiles };
  }

  /**
   * A person's push: one commit with `files` (content, or null to delete) on `branch`, on top of
   * `parent`. Written with `git fast-import`, as git-fixtures.ts does. Returns the new tip.
   */
  commitFiles(branch: string, parent: string, files: Record<string, string | null>, message: string, author: GitPerson): string {
    const data = (text: string): string => `data ${Buffer.byteLength(text)}\n${text}`;
    const lines = [
      `commit refs/heads/${branch}`,
      `author ${author.name} <${author.email}> ${author.time} +0000`,
      `committer ${author.name} <${author.email}> ${author.time} +0000`,
      data(message),
      `from ${parent}`,
    ];
    for (const [file, content] of Object.entries(files)) {
      lines.push(content === null ? `D ${file}` : `M 100644 inline ${file}\n${data(content)}`);
    }
    this.write(["fast-import", "--quiet"], { input: `${lines.join("\n")}\n` });
    const sha = this.branchSha(branch);
    if (!sha) throw new Error(`git fast-import left no branch ${branch}`);
    return sha;
  }
}
