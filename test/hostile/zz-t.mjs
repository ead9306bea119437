import { loadBackend } from '@mlops-lint/parser';
for (const name of ['native','wasm']) {
  const b = await loadBackend(name);
  const tree = b.parse('def f():\n  x = 1\n');
  const n1 = tree.rootNode.firstChild; const n2 = tree.rootNode.firstChild;
  console.log(name, n1 === n2, n1.tree === tree, n2.tree === n1.tree, typeof n1.tree, n1.id === n2.id, n1.parent.tree === tree);
}
