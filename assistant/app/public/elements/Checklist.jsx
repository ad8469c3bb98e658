// Repair procedure checklist. Props come from assistant/app/checklist.py; ticking writes them back
// (updateElement) so progress survives a reload. Procedure steps stay locked until every safety
// item is ticked: lock-out comes first.
import { useState } from 'react';

export default function Checklist() {
  const sections = props.sections || [];
  const [done, setDone] = useState(new Set(props.done || []));
  const safety = (sections.find((s) => s.key === 'safety') || { items: [] }).items;
  const safe = safety.every((item) => done.has(item.id));
  const all = sections.flatMap((s) => s.items);
  const ticked = all.filter((item) => done.has(item.id)).length;

  const toggle = (id) => {
    const next = new Set(done);
    if (next.has(id)) next.delete(id); else next.add(id);
    setDone(next);
    updateElement({ ...props, done: Array.from(next) });
  };

  return (
    <div id="procedure-checklist" className="flex flex-col gap-4 w-full max-w-full">
      <div className="font-semibold" data-progress={`${ticked}/${all.length}`}>
        {ticked} of {all.length} done
      </div>
      {sections.map((section) => {
        const locked = section.key !== 'safety' && !safe;
        return (
          <section key={section.key} className="flex flex-col gap-2">
            <h3 className="text-lg font-semibold">{section.title}</h3>
            {locked && section.items.length > 0 && (
              <p className="text-sm font-semibold text-amber-700">Tick the safety items first.</p>
            )}
            {section.items.length === 0 && <p className="italic text-muted-foreground">{section.empty}</p>}
            {section.items.map((item) => (
              <label key={item.id} data-item={item.id}
                className={`flex items-start gap-3 rounded-md border p-3 min-h-12 ${locked ? 'opacity-60' : 'cursor-pointer'} ${done.has(item.id) ? 'bg-muted' : ''}`}>
                <input type="checkbox" className="mt-1 h-6 w-6 shrink-0" checked={done.has(item.id)}
                  disabled={locked} onChange={() => toggle(item.id)} />
                <span className={`break-words ${done.has(item.id) ? 'line-through' : ''}`}>
                  {item.label && <strong>{item.label} </strong>}
                  {item.text}
                  {item.sources && <span className="text-muted-foreground"> {item.sources}</span>}
                  {item.unsupported && (
                    <span className="block font-semibold text-red-600">
                      ⚠ Not backed by the cited source: check before acting
                    </span>
                  )}
                </span>
              </label>
            ))}
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
