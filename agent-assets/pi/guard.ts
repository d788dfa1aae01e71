/**
 * ags guard for Pi (ags-behaviour.md 2.11). ags loads it with
 * `pi -e /home/dev/.pi/agent/extensions/guard.ts` unless --yolo.
 *
 * Rules, in order:
 *   AGS_GUARD_YOLO=1                 allow everything (status "guard:yolo")
 *   read/grep/find/ls of a sensitive path (grep/find/ls also of a directory
 *     holding one)                   block "Sensitive path is not readable: P"
 *   write/edit without a path        block
 *     to a sensitive path            block "Sensitive path is not writable: P"
 *     to a secret-like name          block "Refusing writes to secret-like file: P"
 *       (.env, .env.*, *.pem, *.key, id_[a-z0-9_-]+; case-insensitive)
 *   bash naming a sensitive path (/home/dev/..., ~/..., $HOME/...)
 *                                    block "Command references sensitive host path: P"
 *   bash otherwise: `dcg test --format json <command>` decides (2 s; exit 1
 *     blocks with the reason from its JSON). dcg missing, failing or slow:
 *     allow, but block when AGS_LOCKDOWN=1.
 * Sensitive paths under /home/dev: .ssh .gnupg .aws .config/gcloud
 * .git-credentials .npmrc .pi/agent/auth.json .pi/agent-host/auth.json
 * .pi/agent-host/sandbox.json; checked as written (absolute, ~ expanded,
 * `.`/`..` folded) and with symlinks resolved. These are guard rails for the
 * agent; the container is what contains it.
 *
 * Assumptions about Pi's extension API (inferred from the behaviour
 * description and Pi's documented extension examples, not from Pi's source):
 *   - the module's default export is called with the extension API `pi`;
 *   - `pi.on("tool_call", async (event, ctx) => ...)` sees every tool call as
 *     `event.toolName` (read, write, edit, bash, grep, find, ls) and
 *     `event.input` (`path`, `command`, `pattern`; `file_path` accepted too);
 *     returning `{ block: true, reason }` refuses the call, returning
 *     undefined lets it run;
 *   - `pi.on("session_start", (event, ctx) => ...)` runs once at start;
 *   - `ctx.ui.setStatus(key, text)` shows a status item, `ctx.ui.notify(text,
 *     level)` a message; `ctx.hasUI` is false in print/RPC mode;
 *   - `pi.registerCommand(name, { description, handler(args, ctx) })` adds
 *     a slash command.
 * Every API call is guarded (`?.`) so a missing UI method never breaks the
 * guard itself; only `pi.on("tool_call")` is essential.
 *
 * Written in the common subset of TypeScript and JavaScript: no type syntax
 * (JSDoc comments carry the types) and only Node built-ins, so Pi loads it as
 * TypeScript and tests/assets/pi-guard-test.mjs imports the very same file as
 * a JavaScript module.
 */
import { execFile } from "node:child_process";
import { accessSync, constants as fsConstants, lstatSync, readlinkSync } from "node:fs";
import { posix as nodePath } from "node:path";

export const HOME = "/home/dev";
export const SENSITIVE = [
  ".ssh",
  ".gnupg",
  ".aws",
  ".config/gcloud",
  ".git-credentials",
  ".npmrc",
  ".pi/agent/auth.json",
  ".pi/agent-host/auth.json",
  ".pi/agent-host/sandbox.json",
].map((p) => `${HOME}/${p}`);

const READ_TOOLS = new Set(["read"]);
const LIST_TOOLS = new Set(["grep", "find", "ls"]);
const WRITE_TOOLS = new Set(["write", "edit"]);
const DCG_TIMEOUT_MS = 2000;

/** @param {unknown} v @returns {string} */
function str(v) {
  return typeof v === "string" ? v : "";
}

/** Absolute path: `~` expanded, relative to cwd, `.`, `..` and `//` folded.
 * @param {string} p @param {string} cwd @returns {string} */
export function normalize(p, cwd) {
  if (p === "~") p = HOME;
  else if (p.startsWith("~/")) p = HOME + p.slice(1);
  return nodePath.resolve(cwd || "/", p);
}

/** Like `realpath -m`: every symlink along the path resolved, dangling ones
 * included (their target need not exist). p must be absolute.
 * @param {string} p @returns {string} */
export function resolveLinks(p) {
  const parts = p.split("/").filter(Boolean);
  let out = "/";
  let hops = 0;
  while (parts.length) {
    const part = parts.shift();
    if (part === "." || !part) continue;
    if (part === "..") {
      out = nodePath.dirname(out);
      continue;
    }
    const next = nodePath.join(out, part);
    let target = null;
    try {
      if (lstatSync(next).isSymbolicLink()) target = readlinkSync(next);
    } catch {
      target = null; // missing: the rest is taken as written
    }
    if (target !== null && hops++ < 40) {
      if (target.startsWith("/")) out = "/";
      parts.unshift(...target.split("/").filter(Boolean));
      continue;
    }
    out = next;
  }
  return out;
}

/** The forms of a path to check: as written and with symlinks resolved.
 * @param {string} p @param {string} cwd @returns {string[]} */
function forms(p, cwd) {
  const n = normalize(p, cwd);
  const r = resolveLinks(n);
  return r === n ? [n] : [n, r];
}

/** The sensitive path that p is or is inside, or "".
 * @param {string} p @returns {string} */
export function sensitiveOf(p) {
  return SENSITIVE.find((s) => p === s || p.startsWith(s + "/")) || "";
}

/** The first sensitive path inside directory d, or "".
 * @param {string} d @returns {string} */
export function sensitiveBelow(d) {
  const dir = d === "/" ? "" : d.replace(/\/+$/, "");
  return SENSITIVE.find((s) => s.startsWith(dir + "/")) || "";
}

/** @param {string} p @returns {boolean} */
export function secretLike(p) {
  const base = nodePath.basename(p).toLowerCase();
  return (
    base === ".env" ||
    base.startsWith(".env.") ||
    base.endsWith(".pem") ||
    base.endsWith(".key") ||
    /^id_[a-z0-9_-]+$/.test(base)
  );
}

const CMD_PREFIXES = [`${HOME}/`, "~/", "$HOME/", "${HOME}/"];

/** The sensitive path a command names (as written), or "". A match must end
 * the name: `~/.sshrc` is not `~/.ssh`.
 * @param {string} cmd @returns {string} */
export function commandSensitive(cmd) {
  for (const s of SENSITIVE) {
    const rel = s.slice(HOME.length + 1);
    for (const prefix of CMD_PREFIXES) {
      const needle = prefix + rel;
      let at = cmd.indexOf(needle);
      while (at >= 0) {
        const next = cmd.charAt(at + needle.length);
        if (next === "" || !/[A-Za-z0-9_.-]/.test(next)) return needle;
        at = cmd.indexOf(needle, at + 1);
      }
    }
  }
  return "";
}

/** @param {string} reason */
function block(reason) {
  return { block: true, reason };
}

/** @param {string} p @param {string} cwd @param {boolean} recursive */
function checkRead(p, cwd, recursive) {
  for (const f of forms(p, cwd)) {
    if (sensitiveOf(f)) return block(`Sensitive path is not readable: ${p}`);
    const below = recursive ? sensitiveBelow(f) : "";
    if (below) return block(`Sensitive path is not readable: ${p} (holds ${below})`);
  }
  return undefined;
}

/** @param {string} p @param {string} cwd */
function checkWrite(p, cwd) {
  if (!p) return block("Refusing a write without a file path");
  for (const f of forms(p, cwd)) {
    if (sensitiveOf(f)) return block(`Sensitive path is not writable: ${p}`);
    if (secretLike(f)) return block(`Refusing writes to secret-like file: ${p}`);
  }
  return undefined;
}

/**
 * The guard's verdict on one tool call: undefined (allow) or
 * { block: true, reason }.
 * @param {string} toolName
 * @param {Record<string, unknown>} input
 * @param {{ env?: Record<string, string|undefined>, cwd?: string,
 *           runDcg?: (command: string) => Promise<{ status: string, reason?: string }> }} [opts]
 *   runDcg answers "allow", "deny" (with reason), "missing" or "error".
 */
export async function decide(toolName, input, opts) {
  const o = opts || {};
  const env = o.env || process.env;
  const cwd = o.cwd || process.cwd();
  const runDcg = o.runDcg || ((command) => runDcgCli(command, env));
  const lockdown = env.AGS_LOCKDOWN === "1";
  if (env.AGS_GUARD_YOLO === "1") return undefined;
  const tool = str(toolName).toLowerCase();
  const args = input && typeof input === "object" ? input : {};
  const file = str(args.path) || str(args.file_path);

  if (READ_TOOLS.has(tool)) return checkRead(file, cwd, false);
  if (LIST_TOOLS.has(tool)) {
    const verdict = checkRead(file || cwd, cwd, true);
    if (verdict) return verdict;
    // An absolute glob names directories itself (/home/dev/.ssh/*, ~/.s*).
    const pattern = str(args.pattern);
    if (tool === "find" && (pattern.startsWith("/") || pattern.startsWith("~"))) {
      const wild = pattern.search(/[*?[{]/);
      const fixed = wild < 0 ? pattern : pattern.slice(0, pattern.lastIndexOf("/", wild));
      return checkRead(fixed || "/", cwd, true);
    }
    return undefined;
  }
  if (WRITE_TOOLS.has(tool)) return checkWrite(file, cwd);
  if (tool === "bash") {
    const command = str(args.command);
    const named = commandSensitive(command);
    if (named) return block(`Command references sensitive host path: ${named}`);
    const dcg = await runDcg(command);
    if (dcg.status === "deny") return block(dcg.reason || "dcg blocked this command");
    if (dcg.status === "allow") return undefined;
    if (!lockdown) return undefined;
    return dcg.status === "missing"
      ? block("ags guard: dcg is not installed; shell commands are refused in lockdown")
      : block(`ags guard: dcg failed (${dcg.reason || "error"}); shell commands are refused in lockdown`);
  }
  return undefined;
}

/** The reason in dcg's JSON output, if any. @param {string} out */
function dcgReason(out) {
  try {
    const j = JSON.parse(out);
    const r = j && (j.reason || j.message || j.explanation || (j.result && j.result.reason));
    return typeof r === "string" ? r : "";
  } catch {
    return "";
  }
}

/** `dcg test --format json <command>` with a 2 s limit.
 * @param {string} command @param {Record<string, string|undefined>} env
 * @returns {Promise<{ status: string, reason?: string }>} */
export function runDcgCli(command, env) {
  return new Promise((done) => {
    execFile(
      "dcg",
      ["test", "--format", "json", command],
      { timeout: DCG_TIMEOUT_MS, killSignal: "SIGKILL", env, encoding: "utf8", maxBuffer: 1 << 20 },
      (err, stdout) => {
        const out = String(stdout || "");
        const e = /** @type {any} */ (err);
        if (!e) {
          // Exit 0 allows, unless the JSON itself says deny.
          let denied = false;
          try {
            const j = JSON.parse(out);
            denied = /^(deny|block|blocked)$/i.test(String(j.decision || j.verdict || ""));
          } catch {
            denied = false;
          }
          return done(denied ? { status: "deny", reason: dcgReason(out) } : { status: "allow" });
        }
        if (e.code === "ENOENT") return done({ status: "missing" });
        if (e.code === 1 && !e.killed) return done({ status: "deny", reason: dcgReason(out) });
        const why = e.killed || e.signal ? "timed out" : typeof e.code === "number" ? `exit ${e.code}` : String(e.code || e.message);
        return done({ status: "error", reason: why });
      },
    );
  });
}

/** Where dcg is on PATH, or "". @param {Record<string, string|undefined>} env */
export function findDcg(env) {
  for (const dir of str(env.PATH).split(":")) {
    if (!dir) continue;
    try {
      accessSync(`${dir}/dcg`, fsConstants.X_OK);
      return `${dir}/dcg`;
    } catch {
      // not here
    }
  }
  return "";
}

/** The status text: guard:yolo, guard:lockdown:on, guard:sandbox:on|off.
 * @param {Record<string, string|undefined>} env */
export function statusText(env) {
  if (env.AGS_GUARD_YOLO === "1") return "guard:yolo";
  if (env.AGS_LOCKDOWN === "1") return "guard:lockdown:on";
  return env.AGS_SANDBOX === "1" ? "guard:sandbox:on" : "guard:sandbox:off";
}

/** @param {any} ctx @param {Record<string, string|undefined>} env */
function describe(ctx, env) {
  const dcg = findDcg(env);
  const lines = [
    `${statusText(env)}; dcg: ${dcg || "not installed"}`,
    `sensitive paths: ${SENSITIVE.join(" ")}`,
  ];
  ctx?.ui?.notify?.(lines.join("\n"), "info");
}

/** @param {any} pi */
export default function guard(pi) {
  pi.on("session_start", async (_event, ctx) => {
    const env = process.env;
    ctx?.ui?.setStatus?.("guard", statusText(env));
    if (env.AGS_GUARD_YOLO !== "1" && !findDcg(env)) {
      const msg =
        env.AGS_LOCKDOWN === "1"
          ? "ags guard: dcg is not installed; shell commands are refused in lockdown"
          : "ags guard: dcg is not installed; shell commands are only checked for sensitive paths";
      ctx?.ui?.notify?.(msg, "warning");
    }
  });

  pi.on("tool_call", async (event, ctx) => {
    const verdict = await decide(event?.toolName, event?.input, { cwd: ctx?.cwd });
    return verdict;
  });

  pi.registerCommand?.("guard", {
    description: "Show the ags guard state (yolo, lockdown, dcg, sensitive paths)",
    handler: async (_args, ctx) => describe(ctx, process.env),
  });
}
