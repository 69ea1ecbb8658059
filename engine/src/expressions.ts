/**
 * The subset of CEL the SDK generates (and that people commonly write):
 *   event.data.function_id == 'x'      async.data.id == event.data.id
 * with == != < <= > >= && || ! ( ), + - * / %, the ternary `c ? a : b` (priority expressions such
 * as "event.data.plan == 'pro' ? 120 : 0"), string / number / bool / null literals and dotted paths.
 */
type Tok = { k: "id" | "str" | "num" | "op"; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let s = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && j + 1 < src.length) { s += src[j + 1]; j += 2; continue; }
        s += src[j]; j++;
      }
      if (j >= src.length) throw new Error("unterminated string");
      out.push({ k: "str", v: s });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) { out.push({ k: "op", v: two }); i += 2; continue; }
    if ("<>!()+-*/%?:".includes(c)) { out.push({ k: "op", v: c }); i++; continue; }
    const num = /^\d+(\.\d+)?/.exec(src.slice(i));
    if (num) { out.push({ k: "num", v: num[0] }); i += num[0].length; continue; }
    const id = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[(?:'[^']*'|"[^"]*"|\d+)\])*/.exec(src.slice(i));
    if (id) { out.push({ k: "id", v: id[0] }); i += id[0].length; continue; }
    throw new Error(`unexpected '${c}' at ${i}`);
  }
  return out;
}

type Node =
  | { t: "lit"; v: unknown }
  | { t: "path"; p: string[] }
  | { t: "not"; e: Node }
  | { t: "neg"; e: Node }
  | { t: "cond"; c: Node; a: Node; b: Node }
  | { t: "bin"; op: string; l: Node; r: Node };

function splitPath(s: string): string[] {
  const parts: string[] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)|\[(?:'([^']*)'|"([^"]*)"|(\d+))\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) parts.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
  return parts;
}

function parse(src: string): Node {
  const toks = tokenize(src);
  let pos = 0;
  const peek = () => toks[pos];
  const eat = (v: string) => {
    if (peek()?.v === v && peek()?.k === "op") { pos++; return true; }
    return false;
  };
  const primary = (): Node => {
    const t = toks[pos++];
    if (!t) throw new Error("unexpected end");
    if (t.k === "op" && t.v === "(") {
      const e = cond();
      if (!eat(")")) throw new Error("missing )");
      return e;
    }
    if (t.k === "op" && t.v === "!") return { t: "not", e: primary() };
    if (t.k === "op" && t.v === "-") return { t: "neg", e: primary() };
    if (t.k === "str") return { t: "lit", v: t.v };
    if (t.k === "num") return { t: "lit", v: Number(t.v) };
    if (t.k === "id") {
      if (t.v === "true") return { t: "lit", v: true };
      if (t.v === "false") return { t: "lit", v: false };
      if (t.v === "null") return { t: "lit", v: null };
      return { t: "path", p: splitPath(t.v) };
    }
    throw new Error(`unexpected '${t.v}'`);
  };
  const binary = (ops: string[], next: () => Node) => (): Node => {
    let l = next();
    for (;;) {
      const t = peek();
      if (t?.k === "op" && ops.includes(t.v)) {
        pos++;
        l = { t: "bin", op: t.v, l, r: next() };
      } else return l;
    }
  };
  const mul = binary(["*", "/", "%"], primary);
  const add = binary(["+", "-"], mul);
  const cmp = binary(["==", "!=", "<", "<=", ">", ">="], add);
  const and = (): Node => {
    let l = cmp();
    while (eat("&&")) l = { t: "bin", op: "&&", l, r: cmp() };
    return l;
  };
  const or = (): Node => {
    let l = and();
    while (eat("||")) l = { t: "bin", op: "||", l, r: and() };
    return l;
  };
  const cond = (): Node => {
    const c = or();
    if (!eat("?")) return c;
    const a = cond();
    if (!eat(":")) throw new Error("missing : in a ? b : c");
    return { t: "cond", c, a, b: cond() };
  };
  const e = cond();
  if (pos !== toks.length) throw new Error(`unexpected '${toks[pos]!.v}'`);
  return e;
}

function evalNode(n: Node, vars: Record<string, unknown>): unknown {
  switch (n.t) {
    case "lit": return n.v;
    case "path": {
      let cur: unknown = vars;
      for (const p of n.p) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<string, unknown>)[p];
      }
      return cur;
    }
    case "not": return !evalNode(n.e, vars);
    case "neg": return -(evalNode(n.e, vars) as number);
    case "cond": return evalNode(n.c, vars) ? evalNode(n.a, vars) : evalNode(n.b, vars);
    case "bin": {
      if (n.op === "&&") return Boolean(evalNode(n.l, vars)) && Boolean(evalNode(n.r, vars));
      if (n.op === "||") return Boolean(evalNode(n.l, vars)) || Boolean(evalNode(n.r, vars));
      const l = evalNode(n.l, vars);
      const r = evalNode(n.r, vars);
      switch (n.op) {
        case "==": return l !== undefined && JSON.stringify(l) === JSON.stringify(r);
        case "!=": return JSON.stringify(l) !== JSON.stringify(r);
        case "<": return (l as number) < (r as number);
        case "<=": return (l as number) <= (r as number);
        case ">": return (l as number) > (r as number);
        case ">=": return (l as number) >= (r as number);
        case "+": return typeof l === "string" || typeof r === "string" ? `${l ?? ""}${r ?? ""}` : (l as number) + (r as number);
        case "-": return (l as number) - (r as number);
        case "*": return (l as number) * (r as number);
        case "/": return (l as number) / (r as number);
        case "%": return (l as number) % (r as number);
      }
    }
  }
  return undefined;
}

const cache = new Map<string, Node | Error>();

export function compile(src: string): Node | Error {
  let c = cache.get(src);
  if (!c) {
    try { c = parse(src); } catch (e) { c = new Error(`unsupported expression "${src}": ${(e as Error).message}`); }
    cache.set(src, c);
  }
  return c;
}

/** Evaluate to a boolean; an expression the engine cannot read is false (and reported by `checkExpression`). */
export function evaluate(src: string | undefined, vars: Record<string, unknown>): boolean {
  if (!src || !src.trim()) return true;
  const c = compile(src);
  if (c instanceof Error) return false;
  return Boolean(evalNode(c, vars));
}

export function checkExpression(src: string | undefined): string | undefined {
  if (!src) return undefined;
  const c = compile(src);
  return c instanceof Error ? c.message : undefined;
}

/** Event-name matching with wildcards: "session/*" matches "session/uploaded"; "*" matches all. */
export function nameMatches(pattern: string, name: string): boolean {
  if (pattern === name) return true;
  if (!pattern.includes("*")) return false;
  const re = new RegExp("^" + pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*") + "$");
  return re.test(name);
}

/** Evaluate an expression to its value (used for concurrency keys such as "event.data.userId"). */
export function evaluateValue(src: string, vars: Record<string, unknown>): unknown {
  const c = compile(src);
  if (c instanceof Error) return undefined;
  return evalNode(c, vars);
}
