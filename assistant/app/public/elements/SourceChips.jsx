// The nearest sources of a decline, collapsed by default (props from assistant/app/ui.py:
// source_chips). Tap the header to list them; tap a chip to read its excerpt.
import { useState } from 'react';

export default function SourceChips() {
  const sources = props.sources || [];
  const [expanded, setExpanded] = useState(false);
  const [open, setOpen] = useState(null);
  const current = sources.find((s) => s.n === open);
  return (
    <div id="source-chips" className="flex flex-col gap-2 w-full max-w-full">
      <button type="button" className="maintassist-chips-toggle" aria-expanded={expanded}
        onClick={() => { setExpanded(!expanded); setOpen(null); }}>
        {expanded ? '▾' : '▸'} {props.title || 'Nearest sources'} ({sources.length})
      </button>
      {expanded && (
        <div className="flex flex-wrap gap-2">
          {sources.map((s) => (
            <button key={s.n} type="button" data-chip={s.n} aria-expanded={open === s.n}
              className={`maintassist-chip ${open === s.n ? 'is-open' : ''}`}
              onClick={() => setOpen(open === s.n ? null : s.n)}>
              [{s.n}] {s.label}
            </button>
          ))}
        </div>
      )}
      {expanded && current && (
        <div className="maintassist-source" data-source-box={current.n}>
          <div className="font-semibold">{current.label}</div>
          <div className="text-sm text-muted-foreground">{current.where}</div>
          <div className="mt-1">{(current.excerpt || '').split('\n').map((line, i) => <div key={i}>{line}</div>)}</div>
        </div>
      )}
    </div>
  );
}
