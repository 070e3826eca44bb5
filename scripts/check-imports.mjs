// Part of `npm run lint`: imports go one way. Fails (exit 1) on a circle of files, type-only imports included,
// and on a circle of folders: every folder under a root (src/passes, src/students, …) is one unit, and a file
// directly in a root (src/config.ts, web/admin.ts) is a unit of its own. Relative imports only (packages
// cannot import us back). Usage: node scripts/check-imports.mjs [root,root,…] (default src,web,benchmarks,test).
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const roots = (process.argv[2] ?? 'src,web,benchmarks,test').split(',').filter((r) => fs.existsSync(r));

function filesUnder(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') filesUnder(p, out);
    } else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Relative import specifiers of a file: import/export … from, import('…') and import('…') types. */
function importsOf(file) {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const specs = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
      specs.push(node.moduleSpecifier.text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0]))
      specs.push(node.arguments[0].text);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal))
      specs.push(node.argument.literal.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => path.normalize(path.join(path.dirname(file), s)).replace(/\.js$/, '.ts'))
    .filter((t) => fs.existsSync(t));
}

/** Strongly connected components with more than one member (Tarjan), each as a list of nodes. */
function circles(nodes, next) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const members = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        members.push(w);
      } while (w !== v);
      if (members.length > 1) found.push(members.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return found;
}

const files = roots.flatMap((r) => filesUnder(r));
const edges = new Map(files.map((f) => [f, new Set(importsOf(f))]));
const unitOf = (f) => {
  const parts = f.split(path.sep);
  return parts.length > 2 ? parts.slice(0, 2).join('/') + '/' : parts.join('/');
};
const unitEdges = new Map();
for (const [from, targets] of edges)
  for (const to of targets) {
    const a = unitOf(from);
    const b = unitOf(to);
    if (a === b) continue;
    if (!unitEdges.has(a)) unitEdges.set(a, new Set());
    unitEdges.get(a).add(b);
  }

const fileCircles = circles(files, edges);
const unitCircles = circles([...new Set(files.map(unitOf))], unitEdges);
for (const c of fileCircles) console.error(`Круг импортов между файлами / import circle between files: ${c.join(' ↔ ')}`);
for (const c of unitCircles) {
  const members = new Set(c);
  const crossing = [];
  for (const [from, targets] of edges)
    for (const to of targets) if (members.has(unitOf(from)) && members.has(unitOf(to)) && unitOf(from) !== unitOf(to)) crossing.push(`  ${from} → ${to}`);
  console.error(`Круг импортов между папками / import circle between folders: ${c.join(' ↔ ')}\n${crossing.join('\n')}`);
}
if (fileCircles.length + unitCircles.length > 0) process.exit(1);
console.log(`Импорты без кругов / no import circles: ${files.length} files, ${unitEdges.size} units importing others`);
