() => {
  // A CJK character; whitespace is not a character of a line.
  const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
  const found = [];
  for (const cell of document.querySelectorAll('td, th')) {
    if (!cell.getClientRects().length) continue;
    const text = cell.textContent;
    if ((text.match(/[\u3400-\u9fff\uf900-\ufaff]/g) || []).length < 2) continue;
    const fontSize = parseFloat(getComputedStyle(cell).fontSize);
    // One line high: nothing wraps, nothing to check.
    const box = cell.getBoundingClientRect();
    if (box.height < 2.2 * fontSize) continue;
    const chars = [];
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.length; i++) {
        const ch = node.data[i];
        if (/\s/.test(ch)) continue;
        range.setStart(node, i); range.setEnd(node, i + 1);
        const r = range.getClientRects()[0];
        if (!r || !r.width) continue;
        chars.push({ch, node, i, top: r.top, bottom: r.bottom});
      }
    }
    // Lines: a character starting below the current line's middle opens a new one.
    const lines = [];
    for (const c of chars) {
      const line = lines[lines.length - 1];
      if (line && c.top < (line.top + line.bottom) / 2) {
        line.chars.push(c); line.bottom = Math.max(line.bottom, c.bottom);
      } else {
        lines.push({top: c.top, bottom: c.bottom, chars: [c]});
      }
    }
    if (lines.length < 2) continue;
    // Squeezed: a line holds at most two characters, all of a run of CJK
    // characters that goes on, unbroken, on the next line.
    const bad = lines.some((line, k) => {
      const next = lines[k + 1];
      if (!next || line.chars.length > 2) return false;
      const last = line.chars[line.chars.length - 1], first = next.chars[0];
      return line.chars.every(c => CJK.test(c.ch)) && CJK.test(first.ch)
        && first.node === last.node && first.i === last.i + 1;
    });
    if (bad) {
      const where = cell.closest('table');
      found.push({
        table: where ? (where.id || where.className || '(table)') : '',
        lines: lines.map(l => l.chars.map(c => c.ch).join('')).join('/').slice(0, 80),
        width: Math.round(box.width),
      });
    }
  }
  return found;
}
