// One threshold: label, number input with its unit, what the rule does, and the problem if any.
import type { ReactNode } from "react";
import type { TThresholdField } from "@/server/settings/fields";
import { INPUT } from "@/components/ui/panel";

export function ThresholdInput({
  idPrefix, field, value, onChange, error, disabled, placeholder, extra,
}: {
  idPrefix: string;
  /** A threshold, or any number setting shaped like one (the retention form's). */
  field: Pick<TThresholdField, "label" | "unit" | "help" | "min" | "max" | "integer"> & { key: string };
  value: string;
  onChange: (value: string) => void;
  error?: string;
  disabled: boolean;
  placeholder?: string;
  /** Rendered beside the label, e.g. an "override" checkbox. */
  extra?: ReactNode;
}) {
  const id = `${idPrefix}-${field.key}`;
  const describedBy = [`${id}-help`, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div className="flex flex-col gap-1">
      <div className="flex items-center justify-between gap-2">
        <label htmlFor={id} className="text-sm font-medium text-slate-800">{field.label}</label>
        {extra}
      </div>
      <div className="relative">
        <input
          id={id}
          name={field.key}
          type="number"
          inputMode={field.integer ? "numeric" : "decimal"}
          step={field.integer ? 1 : "any"}
          min={field.min}
          max={field.max ?? undefined}
          value={value}
          placeholder={placeholder}
          onChange={(e) => onChange(e.target.value)}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          className={`${INPUT} pr-16 tabular-nums`}
        />
        <span aria-hidden className="pointer-events-none absolute inset-y-0 right-3 flex items-center text-xs text-slate-500">{field.unit}</span>
      </div>
      <p id={`${id}-help`} className="text-xs text-slate-500">{field.help}</p>
      {error ? <p id={`${id}-error`} className="text-xs font-medium text-red-700">{error}</p> : null}
    </div>
  );
}
