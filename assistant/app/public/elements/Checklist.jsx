// Repair procedure checklist. Props come from assistant/app/checklist.py; ticking writes them back
// (updateElement, stamped saved_at) so progress survives a reload. Procedure steps stay locked until every safety
// item is ticked: lock-out comes first. A [n] marker opens its source inside the checklist.
import { useRef, useState } from 'react';

function Sources({ ids, sources, open, onToggle }) {
  return (
    <span className="inline-flex flex-wrap gap-1 ml-1 align-baseline">
      {ids.map((n) => (
        <button key={n} type="button" data-source={n} aria-expanded={open === n}
          onClick={(e) => { e.preventDefault(); e.stopPropagation(); onToggle(n); }}
          className={`maintassist-cite ${open === n ? 'is-open' : ''}`}>
          [{n}]
        </button>
      ))}
    </span>
  );
}

function SourceBox({ source, n }) {
  if (!source) return null;
  return (
    <div className="maintassist-source" data-source-box={n}>
      <div className="font-semibold">[{n}] {source.label}</div>
      <div className="text-sm text-muted-foreground">{source.where}</div>
      <div className="mt-1">{(source.excerpt || '').split('\n').map((line, i) => <div key={i}>{line}</div>)}</div>
    </div>
  );
}

export default function Checklist() {
  const sections = props.sections || [];
  const sources = props.sources || {};
  const [done, setDone] = useState(new Set(props.done || []));
  const [open, setOpen] = useState({});
  const stamp = useRef(0);
  const safety = (sections.find((s) => s.key === 'safety') || { items: [] }).items;
  const safe = safety.every((item) => done.has(item.id));
  const all = sections.flatMap((s) => s.items);
  const ticked = all.filter((item) => done.has(item.id)).length;

  const toggle = (id) => {
    const next = new Set(done);
    if (next.has(id)) next.delete(id); else next.add(id);
    setDone(next);
    // Each save is its own request and may land after a later one: the stored copy keeps the
    // newest stamp (assistant/db/conversations.py).
    stamp.current = Math.max(Date.now(), stamp.current + 1);
    updateElement({ ...props, done: Array.from(next), saved_at: stamp.current });
  };
  const show = (id, n) => setOpen({ ...open, [id]: open[id] === n ? null : n });

  return (
    <div id="procedure-checklist" className="flex flex-col gap-4 w-full max-w-full">
      <div className="font-semibold" data-progress={`${ticked}/${all.length}`}>
        {ticked} of {all.length} done
      </div>
      {sections.map((section) => {
        const locked = section.key !== 'safety' && !safe;
        let heading = '';
        return (
          <section key={section.key} data-section={section.key} className="flex flex-col gap-2">
            <h3 className="text-lg font-semibold">{section.title}</h3>
            {locked && section.items.length > 0 && (
              <p className="text-sm font-semibold text-amber-700">Tick the safety items first.</p>
            )}
            {section.items.length === 0 && section.empty && <p className="text-muted-foreground">{section.empty}</p>}
            {section.items.map((item) => {
              // a sub-heading per manual section; not over a tick that already names it ("PPE: ...")
              const sub = section.key === 'safety' && item.heading && item.heading !== heading
                && !item.text.startsWith(item.heading);
              heading = item.heading || heading;
              return (
                <div key={item.id} className="flex flex-col gap-2">
                  {sub && <h4 className="font-semibold text-muted-foreground mt-1">{item.heading}</h4>}
                  <label data-item={item.id}
                    className={`flex items-start gap-3 rounded-md border p-3 min-h-12 ${locked ? 'opacity-60' : 'cursor-pointer'} ${done.has(item.id) ? 'bg-muted' : ''}`}>
                    <input type="checkbox" className="mt-1 h-6 w-6 shrink-0" checked={done.has(item.id)}
                      disabled={locked} onChange={() => toggle(item.id)} />
                    <span className="break-words min-w-0">
                      <span className={done.has(item.id) ? 'line-through' : ''}>
                        {item.label && <strong>{item.label} </strong>}
                        {item.text}
                      </span>
                      {item.sources && item.sources.length > 0 && (
                        <Sources ids={item.sources} sources={sources} open={open[item.id]}
                          onToggle={(n) => show(item.id, n)} />
                      )}
                      {item.details && item.details.length > 0 && (
                        <ul className="list-disc pl-5 mt-1">
                          {item.details.map((d, i) => <li key={i}>{d}</li>)}
                        </ul>
                      )}
                      {item.unsupported && (
                        <span className="block font-semibold text-red-600">
                          ⚠ Not backed by the cited source: check before acting
                        </span>
                      )}
                      {open[item.id] && <SourceBox source={sources[String(open[item.id])]} n={open[item.id]} />}
                    </span>
                  </label>
                </div>
              );
            })}
          </section>
        );
      })}
      {all.length > 0 && ticked === all.length && (
        <div className="rounded-md border border-green-600 p-3 font-semibold">
          All items ticked. Record the work order.
        </div>
      )}
    </div>
  );
}
